"""records keep the team they were logged under; operations say whether they are a named policing operation

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 14:30:00

- `records.team`: the author's team when the record was created, filled in for
  the records already there from their authors' current teams. A team's past
  figures then belong to that team for good: an officer moving team no longer
  moves their records' counts (0003's trigger on `officers.team` is dropped).
- `record_team_day_counts` is keyed by `records.team`: its triggers on
  `records` are written again from one table spec for both databases (as 0004
  does for the week counts). They no longer read `officers`, so they need no
  lock on the authors' rows either. The counts themselves do not change here:
  every record's team is its author's current team, which is what 0003 counted.
- `operations.is_policing_operation`: true for a named policing operation (what
  police.uk's "Part of a policing operation" means), false for routine patrol
  or a baseline kept for comparison.
"""
import importlib.util
from pathlib import Path

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# (count table, its triggers' name prefix, its key columns (read from `records` by the same names),
# the column a record needs to be counted at all)
TEAM_COUNTS = ("record_team_day_counts", "records_team_day_counts",
               ("operation_id", "team", "occurred_on", "kind", "area", "status"), "team")


def _pg_statements(table: str, trigger: str, key: tuple[str, ...], required: str) -> list[str]:
    cols = ", ".join(key)
    of = lambda a: ", ".join(f"{a}.{c}" for c in key)  # noqa: E731
    changed = f"({of('o')}) IS DISTINCT FROM ({of('w')})"
    upsert = f"INSERT INTO {table} AS c ({cols}, n) "
    conflict = f" ON CONFLICT ({cols}) DO UPDATE SET n = c.n + EXCLUDED.n;"
    return [
        f"""
CREATE FUNCTION {table}_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {upsert}SELECT {cols}, count(*) FROM new_rows WHERE {required} IS NOT NULL
    GROUP BY {cols} ORDER BY {cols}{conflict}
    RETURN NULL;
END $$""",
        f"""
CREATE FUNCTION {table}_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {upsert}SELECT {cols}, sum(d) FROM (
        SELECT {of('o')}, -1 AS d FROM old_rows o JOIN new_rows w ON w.id = o.id
         WHERE o.{required} IS NOT NULL AND {changed}
        UNION ALL
        SELECT {of('w')}, 1 AS d FROM old_rows o JOIN new_rows w ON w.id = o.id
         WHERE w.{required} IS NOT NULL AND {changed}
    ) AS delta
    GROUP BY {cols} HAVING sum(d) <> 0 ORDER BY {cols}{conflict}
    RETURN NULL;
END $$""",
        f"""
CREATE FUNCTION {table}_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {table} AS c SET n = c.n - d.cnt
      FROM (SELECT {cols}, count(*) AS cnt FROM old_rows WHERE {required} IS NOT NULL GROUP BY {cols}) AS d
     WHERE ({of('c')}) = ({of('d')});
    RETURN NULL;
END $$""",
        f"CREATE TRIGGER {trigger}_insert AFTER INSERT ON records REFERENCING NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_on_insert()",
        f"CREATE TRIGGER {trigger}_update AFTER UPDATE ON records REFERENCING OLD TABLE AS old_rows "
        f"NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {table}_on_update()",
        f"CREATE TRIGGER {trigger}_delete AFTER DELETE ON records REFERENCING OLD TABLE AS old_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_on_delete()",
    ]


def _sqlite_statements(table: str, trigger: str, key: tuple[str, ...], required: str) -> list[str]:
    cols = ", ".join(key)
    add = (f"INSERT INTO {table} ({cols}, n) SELECT {', '.join(f'NEW.{c}' for c in key)}, 1 "
           f"WHERE NEW.{required} IS NOT NULL ON CONFLICT ({cols}) DO UPDATE SET n = n + 1;")
    # A record without the required column matches no row (NULL = NULL is not true).
    remove = f"UPDATE {table} SET n = n - 1 WHERE {' AND '.join(f'{c} = OLD.{c}' for c in key)};"
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in key)
    return [
        f"CREATE TRIGGER {trigger}_insert AFTER INSERT ON records BEGIN {add} END",
        f"CREATE TRIGGER {trigger}_update AFTER UPDATE OF {cols} ON records WHEN {changed} BEGIN {remove} {add} END",
        f"CREATE TRIGGER {trigger}_delete AFTER DELETE ON records BEGIN {remove} END",
    ]


def _drop_team_triggers(pg: bool) -> None:
    for name in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS records_team_day_counts_{name}" + (" ON records" if pg else ""))
    op.execute("DROP TRIGGER IF EXISTS officers_team_day_counts" + (" ON officers" if pg else ""))
    if pg:
        for name in ("insert", "update", "delete", "team_change"):
            op.execute(f"DROP FUNCTION IF EXISTS record_team_day_counts_on_{name}()")


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect not in ("postgresql", "sqlite"):  # pragma: no cover
        raise RuntimeError(f"record_team_day_counts triggers are written for PostgreSQL and SQLite, not {dialect}")
    pg = dialect == "postgresql"
    _drop_team_triggers(pg)
    # Plain ALTER TABLE on both databases: rebuilding `records` (batch mode) would drop SQLite's triggers.
    op.add_column('operations', sa.Column('is_policing_operation', sa.Boolean(), nullable=False,
                                          server_default=sa.true()))
    op.add_column('records', sa.Column('team', sa.String(length=64), nullable=True))
    op.execute("UPDATE records SET team = (SELECT officers.team FROM officers WHERE officers.id = records.officer_id)")
    op.create_index('ix_records_team_operation_day', 'records',
                    ['team', 'operation_id', 'occurred_on', 'kind', 'area', 'status', 'officer_id'], unique=False)
    for statement in (_pg_statements if pg else _sqlite_statements)(*TEAM_COUNTS):
        op.execute(statement)


def _revision_0003():
    spec = importlib.util.spec_from_file_location("beatbook_migration_0003",
                                                  Path(__file__).with_name("0003_team_day_counts.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def downgrade():
    pg = op.get_bind().dialect.name == "postgresql"
    m0003 = _revision_0003()
    _drop_team_triggers(pg)
    # Back to counting each record under its author's current team.
    op.execute("DELETE FROM record_team_day_counts")
    op.execute(f"INSERT INTO record_team_day_counts ({m0003.KEY}, n) SELECT {m0003.RKEY}, count(*) FROM records r "
               f"JOIN officers o ON o.id = r.officer_id WHERE o.team IS NOT NULL GROUP BY {m0003.RKEY}")
    op.drop_index('ix_records_team_operation_day', table_name='records')
    op.execute("ALTER TABLE records DROP COLUMN team")  # SQLite 3.35+; no table rebuild, triggers kept
    op.execute("ALTER TABLE operations DROP COLUMN is_policing_operation")
    for statement in (m0003.PG_FUNCTIONS + m0003.PG_TRIGGERS if pg else m0003.SQLITE_TRIGGERS):
        op.execute(statement)
