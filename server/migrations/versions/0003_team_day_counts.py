"""tallies: per-team day counts kept by triggers

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 01:15:00

`record_team_day_counts` holds, for each (operation, team, local day, kind,
area, status), how many records the officers now in that team have. A
sergeant's tally (and a force-wide tally filtered to one team) sums it instead
of counting the team's records, so its cost follows days, not history.

Kept exact by triggers, like `record_day_counts` (0002):
- on `records` insert/update/delete (the team is the author's current team;
  officers without a team are not counted here, nothing asks for them);
- on `officers` when an officer's team changes: their records move from the old
  team's counts to the new team's (a GROUP BY over one officer's records).
PostgreSQL uses statement-level triggers with transition tables and sorted
upserts (concurrent batches cannot deadlock on it); SQLite row-level triggers.

On SQLite both count tables are WITHOUT ROWID (stored in primary-key order), so
a tally's range scan reads the counts from the key's own b-tree instead of
looking up each row by rowid: 17,520 rows (a year of one team) in 7 ms instead
of 18. `record_day_counts` (0002) is rebuilt that way here, with its triggers
dropped and created again around the rebuild; the downgrade leaves it so (it
is the same table to every query).
"""
import importlib.util
from pathlib import Path

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

KEY = "operation_id, team, occurred_on, kind, area, status"
RKEY = "r.operation_id, o.team, r.occurred_on, r.kind, r.area, r.status"
ROW = "operation_id, occurred_on, kind, area, status"

# PostgreSQL: the authors' officer rows are locked FOR SHARE (in id order) before their team is
# read. A team change (UPDATE officers, which needs the row) then waits for the batch to commit
# and its trigger sees the batch's records; a batch waits for an uncommitted team change and
# then reads the new team (each statement of a plpgsql function takes a new snapshot under
# READ COMMITTED). Without it, a batch and a team change at the same moment could leave the
# batch's records counted under the old team.
_PG_LOCK_AUTHORS = """
    PERFORM 1 FROM officers WHERE id IN (SELECT officer_id FROM {rows}) ORDER BY id FOR SHARE;"""

PG_FUNCTIONS = [
    f"""
CREATE FUNCTION record_team_day_counts_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{_PG_LOCK_AUTHORS.format(rows="new_rows")}
    INSERT INTO record_team_day_counts AS c ({KEY}, n)
    SELECT {RKEY}, count(*) FROM new_rows r JOIN officers o ON o.id = r.officer_id
     WHERE o.team IS NOT NULL GROUP BY {RKEY} ORDER BY {RKEY}
    ON CONFLICT ({KEY}) DO UPDATE SET n = c.n + EXCLUDED.n;
    RETURN NULL;
END $$""",
    f"""
CREATE FUNCTION record_team_day_counts_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM officers WHERE id IN (SELECT officer_id FROM old_rows UNION SELECT officer_id FROM new_rows)
     ORDER BY id FOR SHARE;
    INSERT INTO record_team_day_counts AS c ({KEY}, n)
    SELECT {KEY}, sum(d) FROM (
        SELECT o.operation_id, ot.team, o.occurred_on, o.kind, o.area, o.status, -1 AS d
          FROM old_rows o JOIN new_rows w ON w.id = o.id JOIN officers ot ON ot.id = o.officer_id
         WHERE ot.team IS NOT NULL
           AND (o.operation_id, o.officer_id, o.occurred_on, o.kind, o.area, o.status)
               IS DISTINCT FROM (w.operation_id, w.officer_id, w.occurred_on, w.kind, w.area, w.status)
        UNION ALL
        SELECT w.operation_id, wt.team, w.occurred_on, w.kind, w.area, w.status, 1 AS d
          FROM old_rows o JOIN new_rows w ON w.id = o.id JOIN officers wt ON wt.id = w.officer_id
         WHERE wt.team IS NOT NULL
           AND (o.operation_id, o.officer_id, o.occurred_on, o.kind, o.area, o.status)
               IS DISTINCT FROM (w.operation_id, w.officer_id, w.occurred_on, w.kind, w.area, w.status)
    ) AS delta
    GROUP BY {KEY} HAVING sum(d) <> 0 ORDER BY {KEY}
    ON CONFLICT ({KEY}) DO UPDATE SET n = c.n + EXCLUDED.n;
    RETURN NULL;
END $$""",
    f"""
CREATE FUNCTION record_team_day_counts_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{_PG_LOCK_AUTHORS.format(rows="old_rows")}
    UPDATE record_team_day_counts AS c SET n = c.n - d.cnt
      FROM (SELECT {RKEY}, count(*) AS cnt FROM old_rows r JOIN officers o ON o.id = r.officer_id
             WHERE o.team IS NOT NULL GROUP BY {RKEY}) AS d
     WHERE (c.operation_id, c.team, c.occurred_on, c.kind, c.area, c.status)
         = (d.operation_id, d.team, d.occurred_on, d.kind, d.area, d.status);
    RETURN NULL;
END $$""",
    f"""
CREATE FUNCTION record_team_day_counts_on_team_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.team IS NOT NULL THEN
        UPDATE record_team_day_counts AS c SET n = c.n - d.cnt
          FROM (SELECT {ROW}, count(*) AS cnt FROM records WHERE officer_id = OLD.id GROUP BY {ROW}) AS d
         WHERE c.team = OLD.team AND (c.operation_id, c.occurred_on, c.kind, c.area, c.status)
             = (d.operation_id, d.occurred_on, d.kind, d.area, d.status);
    END IF;
    IF NEW.team IS NOT NULL THEN
        INSERT INTO record_team_day_counts AS c ({KEY}, n)
        SELECT operation_id, NEW.team, occurred_on, kind, area, status, count(*) FROM records
         WHERE officer_id = NEW.id GROUP BY {ROW} ORDER BY {ROW}
        ON CONFLICT ({KEY}) DO UPDATE SET n = c.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END $$""",
]
PG_TRIGGERS = [
    "CREATE TRIGGER records_team_day_counts_insert AFTER INSERT ON records REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION record_team_day_counts_on_insert()",
    "CREATE TRIGGER records_team_day_counts_update AFTER UPDATE ON records REFERENCING OLD TABLE AS old_rows "
    "NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_team_day_counts_on_update()",
    "CREATE TRIGGER records_team_day_counts_delete AFTER DELETE ON records REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION record_team_day_counts_on_delete()",
    "CREATE TRIGGER officers_team_day_counts AFTER UPDATE OF team ON officers FOR EACH ROW "
    "WHEN (OLD.team IS DISTINCT FROM NEW.team) EXECUTE FUNCTION record_team_day_counts_on_team_change()",
]

_SQLITE_ADD = (f"INSERT INTO record_team_day_counts ({KEY}, n) "
               "SELECT NEW.operation_id, o.team, NEW.occurred_on, NEW.kind, NEW.area, NEW.status, 1 "
               "FROM officers o WHERE o.id = NEW.officer_id AND o.team IS NOT NULL "
               f"ON CONFLICT ({KEY}) DO UPDATE SET n = n + 1;")
_SQLITE_REMOVE = ("UPDATE record_team_day_counts SET n = n - 1 WHERE operation_id = OLD.operation_id "
                  "AND team = (SELECT team FROM officers WHERE id = OLD.officer_id) "
                  "AND occurred_on = OLD.occurred_on AND kind = OLD.kind AND area = OLD.area "
                  "AND status = OLD.status;")
SQLITE_TRIGGERS = [
    f"CREATE TRIGGER records_team_day_counts_insert AFTER INSERT ON records BEGIN {_SQLITE_ADD} END",
    "CREATE TRIGGER records_team_day_counts_update "
    "AFTER UPDATE OF operation_id, officer_id, occurred_on, kind, area, status ON records "
    "WHEN OLD.operation_id IS NOT NEW.operation_id OR OLD.officer_id IS NOT NEW.officer_id "
    "OR OLD.occurred_on IS NOT NEW.occurred_on OR OLD.kind IS NOT NEW.kind OR OLD.area IS NOT NEW.area "
    f"OR OLD.status IS NOT NEW.status BEGIN {_SQLITE_REMOVE} {_SQLITE_ADD} END",
    f"CREATE TRIGGER records_team_day_counts_delete AFTER DELETE ON records BEGIN {_SQLITE_REMOVE} END",
    # The old team's rows exist (they hold these records), so the negative upsert always updates.
    "CREATE TRIGGER officers_team_day_counts AFTER UPDATE OF team ON officers WHEN OLD.team IS NOT NEW.team BEGIN "
    f"INSERT INTO record_team_day_counts ({KEY}, n) "
    f"SELECT operation_id, OLD.team, occurred_on, kind, area, status, -count(*) FROM records "
    f"WHERE officer_id = OLD.id AND OLD.team IS NOT NULL GROUP BY {ROW} "
    f"ON CONFLICT ({KEY}) DO UPDATE SET n = n + excluded.n; "
    f"INSERT INTO record_team_day_counts ({KEY}, n) "
    f"SELECT operation_id, NEW.team, occurred_on, kind, area, status, count(*) FROM records "
    f"WHERE officer_id = NEW.id AND NEW.team IS NOT NULL GROUP BY {ROW} "
    f"ON CONFLICT ({KEY}) DO UPDATE SET n = n + excluded.n; "
    "END",
]


def _revision_0002():
    spec = importlib.util.spec_from_file_location("beatbook_migration_0002",
                                                  Path(__file__).with_name("0002_tally_counts.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rebuild_day_counts_without_rowid() -> None:
    m0002 = _revision_0002()
    for name in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS records_day_counts_{name}")
    op.create_table('record_day_counts_rebuilt',
    sa.Column('operation_id', sa.Integer(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('area', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('operation_id', 'occurred_on', 'kind', 'area', 'status', name='pk_record_day_counts'),
    sqlite_with_rowid=False,
    )
    op.execute(f"INSERT INTO record_day_counts_rebuilt ({m0002.KEY}, n) SELECT {m0002.KEY}, n FROM record_day_counts")
    op.execute("DROP TABLE record_day_counts")
    op.execute("ALTER TABLE record_day_counts_rebuilt RENAME TO record_day_counts")
    op.create_index('ix_record_day_counts_day_area', 'record_day_counts', ['occurred_on', 'area'], unique=False)
    for statement in m0002.SQLITE_TRIGGERS:
        op.execute(statement)


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _rebuild_day_counts_without_rowid()
    op.create_table('record_team_day_counts',
    sa.Column('operation_id', sa.Integer(), nullable=False),
    sa.Column('team', sa.String(length=64), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('area', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('operation_id', 'team', 'occurred_on', 'kind', 'area', 'status',
                            name=op.f('pk_record_team_day_counts')),
    sqlite_with_rowid=False,
    )
    # Counts for records already there, then the triggers that keep them exact.
    op.execute(f"INSERT INTO record_team_day_counts ({KEY}, n) SELECT {RKEY}, count(*) FROM records r "
               f"JOIN officers o ON o.id = r.officer_id WHERE o.team IS NOT NULL GROUP BY {RKEY}")
    if dialect == "postgresql":
        for statement in PG_FUNCTIONS + PG_TRIGGERS:
            op.execute(statement)
    elif dialect == "sqlite":
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
    else:  # pragma: no cover
        raise RuntimeError(f"record_team_day_counts triggers are written for PostgreSQL and SQLite, not {dialect}")


def downgrade():
    pg = op.get_bind().dialect.name == "postgresql"
    for name in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS records_team_day_counts_{name}" + (" ON records" if pg else ""))
    op.execute("DROP TRIGGER IF EXISTS officers_team_day_counts" + (" ON officers" if pg else ""))
    if pg:
        for name in ("insert", "update", "delete", "team_change"):
            op.execute(f"DROP FUNCTION IF EXISTS record_team_day_counts_on_{name}()")
    op.drop_table('record_team_day_counts')
