"""tallies: per-day counts kept by triggers, and an index for scoped tallies

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 23:55:00

`record_day_counts` is kept exact by triggers on `records` (see
server/tallies/models.py). PostgreSQL uses statement-level triggers with
transition tables, so a batch insert of 500 records is one sorted upsert (locks
taken in key order: concurrent batches cannot deadlock on it); SQLite (one
writer at a time) uses row-level triggers.
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

KEY = "operation_id, occurred_on, kind, area, status"

PG_FUNCTIONS = [
    f"""
CREATE FUNCTION record_day_counts_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO record_day_counts AS c ({KEY}, n)
    SELECT {KEY}, count(*) FROM new_rows GROUP BY {KEY} ORDER BY {KEY}
    ON CONFLICT ({KEY}) DO UPDATE SET n = c.n + EXCLUDED.n;
    RETURN NULL;
END $$""",
    f"""
CREATE FUNCTION record_day_counts_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO record_day_counts AS c ({KEY}, n)
    SELECT {KEY}, sum(d) FROM (
        SELECT o.operation_id, o.occurred_on, o.kind, o.area, o.status, -1 AS d
          FROM old_rows o JOIN new_rows w ON w.id = o.id
         WHERE (o.operation_id, o.occurred_on, o.kind, o.area, o.status)
               IS DISTINCT FROM (w.operation_id, w.occurred_on, w.kind, w.area, w.status)
        UNION ALL
        SELECT w.operation_id, w.occurred_on, w.kind, w.area, w.status, 1 AS d
          FROM old_rows o JOIN new_rows w ON w.id = o.id
         WHERE (o.operation_id, o.occurred_on, o.kind, o.area, o.status)
               IS DISTINCT FROM (w.operation_id, w.occurred_on, w.kind, w.area, w.status)
    ) AS delta
    GROUP BY {KEY} HAVING sum(d) <> 0 ORDER BY {KEY}
    ON CONFLICT ({KEY}) DO UPDATE SET n = c.n + EXCLUDED.n;
    RETURN NULL;
END $$""",
    f"""
CREATE FUNCTION record_day_counts_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE record_day_counts AS c SET n = c.n - d.cnt
      FROM (SELECT {KEY}, count(*) AS cnt FROM old_rows GROUP BY {KEY}) AS d
     WHERE (c.operation_id, c.occurred_on, c.kind, c.area, c.status)
         = (d.operation_id, d.occurred_on, d.kind, d.area, d.status);
    RETURN NULL;
END $$""",
]
PG_TRIGGERS = [
    "CREATE TRIGGER records_day_counts_insert AFTER INSERT ON records REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION record_day_counts_on_insert()",
    "CREATE TRIGGER records_day_counts_update AFTER UPDATE ON records REFERENCING OLD TABLE AS old_rows "
    "NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_day_counts_on_update()",
    "CREATE TRIGGER records_day_counts_delete AFTER DELETE ON records REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION record_day_counts_on_delete()",
]
_SQLITE_ADD = (f"INSERT INTO record_day_counts ({KEY}, n) "
               "VALUES (NEW.operation_id, NEW.occurred_on, NEW.kind, NEW.area, NEW.status, 1) "
               f"ON CONFLICT ({KEY}) DO UPDATE SET n = n + 1;")
_SQLITE_REMOVE = ("UPDATE record_day_counts SET n = n - 1 WHERE operation_id = OLD.operation_id "
                  "AND occurred_on = OLD.occurred_on AND kind = OLD.kind AND area = OLD.area "
                  "AND status = OLD.status;")
SQLITE_TRIGGERS = [
    f"CREATE TRIGGER records_day_counts_insert AFTER INSERT ON records BEGIN {_SQLITE_ADD} END",
    "CREATE TRIGGER records_day_counts_update AFTER UPDATE OF operation_id, occurred_on, kind, area, status "
    "ON records WHEN OLD.operation_id IS NOT NEW.operation_id OR OLD.occurred_on IS NOT NEW.occurred_on "
    "OR OLD.kind IS NOT NEW.kind OR OLD.area IS NOT NEW.area OR OLD.status IS NOT NEW.status "
    f"BEGIN {_SQLITE_REMOVE} {_SQLITE_ADD} END",
    f"CREATE TRIGGER records_day_counts_delete AFTER DELETE ON records BEGIN {_SQLITE_REMOVE} END",
]


def upgrade():
    op.create_table('record_day_counts',
    sa.Column('operation_id', sa.Integer(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('area', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('operation_id', 'occurred_on', 'kind', 'area', 'status', name=op.f('pk_record_day_counts'))
    )
    with op.batch_alter_table('record_day_counts', schema=None) as batch_op:
        batch_op.create_index('ix_record_day_counts_day_area', ['occurred_on', 'area'], unique=False)

    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.create_index('ix_records_officer_operation_day',
                              ['officer_id', 'operation_id', 'occurred_on', 'kind', 'area', 'status'], unique=False)

    # Counts for records already there, then the triggers that keep them exact.
    op.execute(f"INSERT INTO record_day_counts ({KEY}, n) SELECT {KEY}, count(*) FROM records GROUP BY {KEY}")
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for statement in PG_FUNCTIONS + PG_TRIGGERS:
            op.execute(statement)
    elif dialect == "sqlite":
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
    else:  # pragma: no cover
        raise RuntimeError(f"record_day_counts triggers are written for PostgreSQL and SQLite, not {dialect}")


def downgrade():
    for name in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS records_day_counts_{name}" +
                   (" ON records" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        for name in ("insert", "update", "delete"):
            op.execute(f"DROP FUNCTION IF EXISTS record_day_counts_on_{name}()")
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.drop_index('ix_records_officer_operation_day')
    with op.batch_alter_table('record_day_counts', schema=None) as batch_op:
        batch_op.drop_index('ix_record_day_counts_day_area')
    op.drop_table('record_day_counts')
