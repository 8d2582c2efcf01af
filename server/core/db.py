"""Database handle, migrations and the column types every feature shares."""
from __future__ import annotations

import sqlite3
from datetime import datetime, timezone

from flask import has_request_context, request
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

# Stable constraint names so Alembic can alter them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """A timezone-aware instant, stored in UTC on every backend.

    SQLite has no time zone type, so values are stored as naive UTC there and
    made aware again on the way out; naive input is a programming error.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


DEFAULT_BUSY_MS = 30000
PYTHON_DEFAULT_BUSY_MS = 5000  # sqlite3.connect(timeout=5.0)


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_conn, _record):
    if not isinstance(dbapi_conn, sqlite3.Connection):
        return
    # We issue BEGIN ourselves (below) so writers can take the lock up front.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    # Wait up to 30 s for the write lock, unless the engine was given its own
    # timeout (connect_args={"timeout": seconds}; Python's default is 5 s).
    if cur.execute("PRAGMA busy_timeout").fetchone()[0] == PYTHON_DEFAULT_BUSY_MS:
        cur.execute(f"PRAGMA busy_timeout={DEFAULT_BUSY_MS}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    if conn.dialect.name != "sqlite":
        return
    # A deferred transaction that reads and then writes can fail at once with
    # "database is locked" when another writer got there first; writers take
    # the write lock at BEGIN instead and wait their turn (busy_timeout).
    writing = not has_request_context() or request.method in WRITE_METHODS
    conn.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")
