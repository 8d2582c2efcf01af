import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ..admin.service import enrol
from ..core.db import db
from ..core.timezone import local_today
from ..core.security import ROLES
from .models import Officer


@click.command("create-officer")
@with_appcontext
@click.option("--shoulder-number", required=True, help="The login, e.g. PC2201.")
@click.option("--name", "display_name", required=True)
@click.option("--role", type=click.Choice(ROLES), default="officer", show_default=True)
@click.option("--team", default=None)
@click.password_option(help="Asked for if not given.")
def create_officer(shoulder_number, display_name, role, team, password):
    """Add an officer who can log in."""
    number = shoulder_number.strip().upper()
    if db.session.scalar(select(Officer).where(Officer.shoulder_number == number)):
        raise click.ClickException(f"Shoulder number {number} is already taken.")
    if len(password) < 10:
        raise click.ClickException("Use a password of at least 10 characters.")
    officer = Officer(shoulder_number=number, display_name=display_name, role=role, team=team, active=True)
    officer.set_password(password)
    db.session.add(officer)
    db.session.flush()
    enrol(officer, local_today())  # their team becomes one the administrator can pick
    db.session.commit()
    click.echo(f"Created {role} {number} ({display_name}).")
