"""`flask --app server migrate-safely`: bring the schema to head exactly once, however
many servers start at the same moment.

PostgreSQL: a session-level advisory lock (pg_advisory_lock) is held around Alembic's
upgrade; every other server waits for it, then finds the schema at head and does nothing.
SQLite: the same with an exclusive lock (flock) on a file next to the database.
"""
from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager

import click
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from ..core.db import db

# pg_advisory_lock takes a bigint: "beatbook" as 8 bytes, the same for every server.
ADVISORY_LOCK_KEY = int.from_bytes(b"beatbook", "big") & 0x7FFFFFFFFFFFFFFF


class LockTimeout(click.ClickException):
    exit_code = 75  # EX_TEMPFAIL: systemd restarts the unit, the next try will find the work done


@contextmanager
def postgres_migration_lock(engine, timeout: float):
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"SET lock_timeout = '{int(timeout * 1000)}ms'"))
        try:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
        except DBAPIError as exc:
            raise LockTimeout(f"Waited {timeout:g}s for another server's migration to finish; giving up.") from exc
        conn.execute(text("SET lock_timeout = 0"))
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})


def sqlite_lock_path(engine) -> str | None:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return os.path.abspath(database) + ".migrate.lock"


@contextmanager
def sqlite_migration_lock(engine, timeout: float):
    path = sqlite_lock_path(engine)
    if path is None:  # an in-memory database belongs to this process alone
        yield
        return
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "a+") as fh:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockTimeout(f"Waited {timeout:g}s for another server's migration to finish; "
                                      "giving up.") from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def migration_lock(engine, timeout: float):
    if engine.dialect.name == "postgresql":
        return postgres_migration_lock(engine, timeout)
    if engine.dialect.name == "sqlite":
        return sqlite_migration_lock(engine, timeout)
    raise click.ClickException(f"migrate-safely supports PostgreSQL and SQLite, not {engine.dialect.name}")


def _revisions(engine) -> tuple[str | None, str]:
    config = current_app.extensions["migrate"].migrate.get_config()
    head = ScriptDirectory.from_config(config).get_current_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    return current, head


@click.command("migrate-safely")
@click.option("--timeout", default=600.0, show_default=True,
              help="Seconds to wait for another server that is migrating.")
@with_appcontext
def migrate_safely(timeout: float) -> None:
    """Upgrade the database to the latest migration, once, under a lock shared by all servers."""
    from flask_migrate import upgrade

    engine = db.engine
    started = time.monotonic()
    with migration_lock(engine, timeout):
        waited = time.monotonic() - started
        current, head = _revisions(engine)
        if current == head:
            click.echo(f"migrate-safely: database already at {head}; nothing to do (waited {waited:.1f}s).")
            return
        click.echo(f"migrate-safely: upgrading {current or 'an empty database'} -> {head}")
        upgrade()
        current, _ = _revisions(engine)
        if current != head:
            raise click.ClickException(f"migrate-safely: upgrade ended at {current}, not {head}")
        click.echo(f"migrate-safely: upgraded to {head} in {time.monotonic() - started:.1f}s.")
    engine.dispose()
