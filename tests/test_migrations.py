"""The migrations, run on an empty database (the session fixture does that), give exactly the models' schema;
run one revision at a time, up and then down again, they build exactly the triggers, functions, tables and
indexes recorded in migrations_schema.json (what the released revisions build: a revision once released
never changes what it builds)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from server.core.db import db
from tests.ops.conftest import fresh_database, make_app  # noqa: F401 - fixtures

SNAPSHOT = Path(__file__).with_name("migrations_schema.json")


def test_upgrade_on_an_empty_database_matches_the_models(app):
    with app.app_context(), db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(ctx, db.metadata)
    assert diffs == []


def test_the_schema_is_at_the_latest_revision(app):
    from alembic.script import ScriptDirectory
    from flask_migrate import Migrate  # noqa: F401 - the extension holds the config
    with app.app_context(), db.engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
        config = app.extensions["migrate"].migrate.get_config()
        head = ScriptDirectory.from_config(config).get_current_head()
    assert current == head


def unordered(create_table: str) -> str:
    """A table's columns and constraints one a line, sorted: a batch rebuild (SQLite) writes the
    foreign keys in no fixed order."""
    return "\n".join(sorted(line.strip().rstrip(",").strip() for line in create_table.splitlines()))


def schema_objects(conn) -> dict[str, str]:
    """What a revision builds, by name: on SQLite every object's CREATE statement; on PostgreSQL every
    trigger, function and index definition (the schema a test runs in is written as <schema>)."""
    if conn.dialect.name == "sqlite":
        rows = conn.execute(text("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL"))
        return {f"{kind} {name}": unordered(sql) if kind == "table" else sql for kind, name, sql in rows}
    schema = conn.execute(text("SELECT current_schema()")).scalar_one()
    rows = conn.execute(text(
        "SELECT 'trigger ' || t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t "
        "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace s ON s.oid = c.relnamespace "
        "WHERE s.nspname = :schema AND NOT t.tgisinternal "
        "UNION ALL SELECT 'function ' || p.proname, pg_get_functiondef(p.oid) FROM pg_proc p "
        "JOIN pg_namespace s ON s.oid = p.pronamespace WHERE s.nspname = :schema "
        "UNION ALL SELECT 'index ' || indexname, indexdef FROM pg_indexes WHERE schemaname = :schema"),
        {"schema": schema})
    return {name: definition.replace(f"{schema}.", "<schema>.") for name, definition in rows}


def walk_the_revisions(app, revisions: list[str]) -> dict[str, dict[str, str]]:
    """Upgrade one revision at a time to the last of `revisions`, then downgrade one at a time to
    nothing, noting what the database holds after each step."""
    from flask_migrate import downgrade, upgrade
    seen = {}
    with app.app_context():
        for revision in revisions:
            upgrade(revision=revision)
            with db.engine.connect() as conn:
                seen[f"up to {revision}"] = schema_objects(conn)
        for revision in [*reversed(revisions[:-1]), "base"]:
            downgrade(revision=revision)
            with db.engine.connect() as conn:
                seen[f"down to {revision}"] = schema_objects(conn)
        db.engine.dispose()
    return seen


def released_revisions(app) -> list[str]:
    from alembic.script import ScriptDirectory
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
    return [script.revision for script in reversed(list(ScriptDirectory.from_config(config).walk_revisions()))]


def recorded_steps(dialect: str) -> tuple[list[str], dict[str, dict[str, str]]]:
    """The snapshot file lists each definition once (under its name, or its name and a number when a
    later step changes it) and, for each step, the definitions the database then holds."""
    snapshot = json.loads(SNAPSHOT.read_text())
    definitions = snapshot[dialect]["definitions"]
    return snapshot["revisions"], {step: {key.split(" #")[0]: definitions[key] for key in keys}
                                   for step, keys in snapshot[dialect]["steps"].items()}


def record_steps(seen: dict[str, dict[str, str]]) -> dict:
    definitions, steps = {}, {}
    for step, objects in seen.items():
        keys = []
        for name, sql in sorted(objects.items()):
            key = next((k for k in definitions if k.split(" #")[0] == name and definitions[k] == sql), None)
            if key is None:
                taken = sum(1 for k in definitions if k.split(" #")[0] == name)
                key = f"{name} #{taken + 1}" if taken else name
                definitions[key] = sql
            keys.append(key)
        steps[step] = keys
    return {"definitions": definitions, "steps": steps}


def squeezed(objects: dict[str, str]) -> dict[str, str]:
    """The definitions with every run of white space as one space: how a generated statement is laid
    out is no part of what it builds."""
    return {name: " ".join(sql.split()) for name, sql in objects.items()}


def test_each_revision_builds_and_takes_down_exactly_what_it_did_when_released(make_app, fresh_database):
    other = make_app(DATABASE_URL=fresh_database)
    dialect = "sqlite" if fresh_database.startswith("sqlite") else "postgresql"
    released, recorded = recorded_steps(dialect)
    revisions = [r for r in released_revisions(other) if f"up to {r}" in recorded]
    assert revisions == released
    seen = walk_the_revisions(other, revisions)
    for step in recorded:
        assert squeezed(seen[step]) == squeezed(recorded[step]), step


if __name__ == "__main__":  # pragma: no cover - records what the revisions build today
    # .venv/bin/python -m tests.test_migrations sqlite:///tmp/x.db postgresql+psycopg://.../db?options=...
    from server import create_app
    out = json.loads(SNAPSHOT.read_text()) if SNAPSHOT.exists() else {}
    for url in sys.argv[1:]:
        made = create_app({"BEATBOOK_ENV": "testing", "DATABASE_URL": url,
                           "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789"})
        out["revisions"] = released_revisions(made)
        dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
        out[dialect] = record_steps(walk_the_revisions(made, out["revisions"]))
    SNAPSHOT.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
