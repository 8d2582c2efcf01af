"""tallies: per-week counts kept from the day counts by triggers

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 03:10:00

`record_week_counts` and `record_team_week_counts` hold the same counts as
`record_day_counts` and `record_team_day_counts` (0002, 0003) summed by ISO
week (labelled by its Monday). A tally not grouped by day or month reads the
whole weeks of its period from them and only the (at most 6 + 6) edge days
from the day counts: a year of one team at a million records is ~2,500 week
rows instead of ~17,500 day rows, so its cost stays near the 10k-record one.

Kept exact by triggers on the day-count tables (not on `records`), so every
path that changes the day counts (record insert/update/delete, an officer
changing team) changes the week counts in the same statement. PostgreSQL:
statement-level triggers with transition tables and sorted upserts, like
0002/0003 (an upsert on the day counts fires both the INSERT and the UPDATE
trigger, each with its own rows); SQLite: row-level triggers.
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# (table, week table, key columns before the day, key columns after it)
TABLES = (
    ("record_day_counts", "record_week_counts", ("operation_id",), ("kind", "area", "status")),
    ("record_team_day_counts", "record_team_week_counts", ("operation_id", "team"), ("kind", "area", "status")),
)


def _pg_week(col: str) -> str:
    return f"({col} - (extract(isodow FROM {col})::int - 1))"


def _sqlite_week(col: str) -> str:
    return f"date({col}, '-6 days', 'weekday 1')"


def _pg_statements(day: str, week: str, head, tail) -> list[str]:
    wkey = ", ".join((*head, "week", *tail))
    cols = lambda a: ", ".join((*(f"{a}.{c}" for c in head), _pg_week(f"{a}.occurred_on"),  # noqa: E731
                                *(f"{a}.{c}" for c in tail)))
    upsert = f"INSERT INTO {week} AS c ({wkey}, n) "
    conflict = f" ON CONFLICT ({wkey}) DO UPDATE SET n = c.n + EXCLUDED.n;"
    return [
        f"""
CREATE FUNCTION {week}_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {upsert}SELECT {wkey}, sum(n) FROM (SELECT {cols('r')}, r.n FROM new_rows r) AS x ({wkey}, n)
    GROUP BY {wkey} HAVING sum(n) <> 0 ORDER BY {wkey}{conflict}
    RETURN NULL;
END $$""",
        f"""
CREATE FUNCTION {week}_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {upsert}SELECT {wkey}, sum(d) FROM (
        SELECT {cols('o')}, -o.n AS d FROM old_rows o
        UNION ALL
        SELECT {cols('w')}, w.n AS d FROM new_rows w
    ) AS delta ({wkey}, d)
    GROUP BY {wkey} HAVING sum(d) <> 0 ORDER BY {wkey}{conflict}
    RETURN NULL;
END $$""",
        f"""
CREATE FUNCTION {week}_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Only rows that exist: the day counts' rows are never deleted by the app, and a bulk
    -- clean-up that empties the week table first must not leave negative rows behind.
    UPDATE {week} AS c SET n = c.n - d.n
      FROM (SELECT {wkey}, sum(n) AS n FROM (SELECT {cols('r')}, r.n FROM old_rows r) AS x ({wkey}, n)
             GROUP BY {wkey}) AS d
     WHERE {" AND ".join(f"c.{k} = d.{k}" for k in (*head, "week", *tail))};
    RETURN NULL;
END $$""",
        f"CREATE TRIGGER {day}_week_insert AFTER INSERT ON {day} REFERENCING NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {week}_on_insert()",
        f"CREATE TRIGGER {day}_week_update AFTER UPDATE ON {day} REFERENCING OLD TABLE AS old_rows "
        f"NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {week}_on_update()",
        f"CREATE TRIGGER {day}_week_delete AFTER DELETE ON {day} REFERENCING OLD TABLE AS old_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {week}_on_delete()",
    ]


def _sqlite_statements(day: str, week: str, head, tail) -> list[str]:
    wkey = ", ".join((*head, "week", *tail))
    values = lambda a: ", ".join((*(f"{a}.{c}" for c in head), _sqlite_week(f"{a}.occurred_on"),  # noqa: E731
                                  *(f"{a}.{c}" for c in tail)))
    match = lambda a: " AND ".join((*(f"{c} = {a}.{c}" for c in (*head, *tail)),  # noqa: E731
                                    f"week = {_sqlite_week(f'{a}.occurred_on')}"))
    add = f"INSERT INTO {week} ({wkey}, n) VALUES ({values('NEW')}, NEW.n) ON CONFLICT ({wkey}) DO UPDATE SET n = n + excluded.n;"
    same_key = " AND ".join(f"OLD.{c} IS NEW.{c}" for c in (*head, "occurred_on", *tail))
    return [
        f"CREATE TRIGGER {day}_week_insert AFTER INSERT ON {day} BEGIN {add} END",
        # The usual change: a count moves, its key stays; the week row exists (it holds the old count).
        f"CREATE TRIGGER {day}_week_update AFTER UPDATE ON {day} WHEN {same_key} AND OLD.n IS NOT NEW.n BEGIN "
        f"UPDATE {week} SET n = n + NEW.n - OLD.n WHERE {match('NEW')}; END",
        f"CREATE TRIGGER {day}_week_rekey AFTER UPDATE ON {day} WHEN NOT ({same_key}) BEGIN "
        f"UPDATE {week} SET n = n - OLD.n WHERE {match('OLD')}; {add} END",
        f"CREATE TRIGGER {day}_week_delete AFTER DELETE ON {day} BEGIN "
        f"UPDATE {week} SET n = n - OLD.n WHERE {match('OLD')}; END",
    ]


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect not in ("postgresql", "sqlite"):  # pragma: no cover
        raise RuntimeError(f"week-count triggers are written for PostgreSQL and SQLite, not {dialect}")
    for day, week, head, tail in TABLES:
        key_cols = [sa.Column('operation_id', sa.Integer(), nullable=False)]
        if "team" in head:
            key_cols.append(sa.Column('team', sa.String(length=64), nullable=False))
        op.create_table(week, *key_cols,
                        sa.Column('week', sa.Date(), nullable=False),
                        sa.Column('kind', sa.String(length=32), nullable=False),
                        sa.Column('area', sa.String(length=8), nullable=False),
                        sa.Column('status', sa.String(length=16), nullable=False),
                        sa.Column('n', sa.Integer(), nullable=False),
                        sa.PrimaryKeyConstraint(*head, 'week', *tail, name=op.f(f'pk_{week}')),
                        sqlite_with_rowid=False)
        wkey = ", ".join((*head, "week", *tail))
        week_of = _pg_week("occurred_on") if dialect == "postgresql" else _sqlite_week("occurred_on")
        select_key = ", ".join((*head, week_of, *tail))
        # Counts for the day counts already there, then the triggers that keep them exact.
        op.execute(f"INSERT INTO {week} ({wkey}, n) SELECT {select_key}, sum(n) FROM {day} "
                   f"GROUP BY {select_key}")
        statements = (_pg_statements if dialect == "postgresql" else _sqlite_statements)(day, week, head, tail)
        for statement in statements:
            op.execute(statement)


def downgrade():
    pg = op.get_bind().dialect.name == "postgresql"
    for day, week, _, _ in TABLES:
        for name in ("insert", "update", "rekey", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {day}_week_{name}" + (f" ON {day}" if pg else ""))
        if pg:
            for name in ("insert", "update", "delete"):
                op.execute(f"DROP FUNCTION IF EXISTS {week}_on_{name}()")
        op.drop_table(week)
