
import click
from flask.cli import with_appcontext
from marshmallow import ValidationError
from sqlalchemy import select

from ..core.db import db
from .models import Operation
from .schemas import OperationSchema


@click.command("create-operation")
@with_appcontext
@click.option("--name", required=True)
@click.option("--slug", required=True)
@click.option("--lpa", "local_policing_area", required=True, help="Local policing area, e.g. West.")
@click.option("--areas", required=True, help="Postcode districts, comma-separated: NN3,NN5")
@click.option("--starts", "starts_on", required=True, help="YYYY-MM-DD")
@click.option("--ends", "ends_on", default=None, help="YYYY-MM-DD")
@click.option("--description", default="")
@click.option("--routine", is_flag=True, help="Routine patrol or a comparison baseline, not a named policing operation.")
def create_operation(name, slug, local_policing_area, areas, starts_on, ends_on, description, routine):
    """Add an operation officers can log against."""
    payload = {"name": name, "slug": slug, "local_policing_area": local_policing_area,
               "target_areas": [a for a in areas.split(",") if a.strip()], "starts_on": starts_on,
               "ends_on": ends_on, "description": description, "is_policing_operation": not routine}
    try:
        data = OperationSchema().load(payload)
    except ValidationError as err:
        raise click.ClickException(f"Invalid operation: {err.messages}")
    if db.session.scalar(select(Operation).where(Operation.slug == data["slug"])):
        raise click.ClickException(f"An operation with slug {data['slug']} exists.")
    op = Operation(**data)
    db.session.add(op)
    db.session.commit()
    click.echo(f"Created operation {op.id}: {op.name}.")
