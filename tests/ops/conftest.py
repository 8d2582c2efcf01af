"""Fixtures for the production tests: extra apps built with other settings on the
same test database, and the Redis the servers share."""
from __future__ import annotations

import logging
import os
import uuid

import pytest

from sqlalchemy import create_engine, text

from server import create_app
from server.core.db import db

SECRET = "test-secret-key-that-is-long-enough-0123456789"


def migration_head() -> str:
    """The newest revision in server/migrations/versions (read from the files, as Alembic does)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from server import MIGRATIONS_DIR
    config = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config).get_current_head()


@pytest.fixture
def redis_url():
    """The Redis the suite may use (CI: REDIS_URL_FOR_TESTS). A test that needs it fails, never skips."""
    url = os.environ.get("REDIS_URL_FOR_TESTS", "redis://127.0.0.1:6379/15")
    import redis
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis at {url} (REDIS_URL_FOR_TESTS) is unreachable: {exc}")
    return url


@pytest.fixture
def make_app(app, database_url):
    """create_app(...) in testing mode on the test database, with settings overridden."""
    made = []

    def make(**overrides):
        settings = {"BEATBOOK_ENV": "testing", "DATABASE_URL": database_url, "SECRET_KEY": SECRET}
        settings.update(overrides)
        other = create_app(settings)
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def restore_logging():
    """Production apps install a log handler on the root logger; put things back."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def fresh_database(database_url, tmp_path):
    """An empty database of the kind under test: a new SQLite file, or a new PostgreSQL schema."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    schema = f"migrate_{uuid.uuid4().hex[:10]}"
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in database_url else "?"
    yield f"{database_url}{sep}options=-csearch_path%3D{schema}"
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()
