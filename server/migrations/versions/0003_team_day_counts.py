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
PostgreSQL locks the authors' officer rows before reading their teams (see
server/migrations/count_tables.py, which generates the triggers).

On SQLite both count tables are WITHOUT ROWID (stored in primary-key order), so
a tally's range scan reads the counts from the key's own b-tree instead of
looking up each row by rowid: 17,520 rows (a year of one team) in 7 ms instead
of 18. `record_day_counts` (0002) is rebuilt that way here, with its triggers
dropped and created again around the rebuild; the downgrade leaves it so (it
is the same table to every query).
"""
from alembic import op
import sqlalchemy as sa

from server.migrations.count_tables import (DAY_COUNTS, TEAM_DAY_COUNTS_BY_AUTHOR, create_statements,
                                            drop_statements, fill_statement)


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def _rebuild_day_counts_without_rowid() -> None:
    for statement in drop_statements(DAY_COUNTS, "sqlite"):
        op.execute(statement)
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
    key = ", ".join(DAY_COUNTS.key)
    op.execute(f"INSERT INTO record_day_counts_rebuilt ({key}, n) SELECT {key}, n FROM record_day_counts")
    op.execute("DROP TABLE record_day_counts")
    op.execute("ALTER TABLE record_day_counts_rebuilt RENAME TO record_day_counts")
    op.create_index('ix_record_day_counts_day_area', 'record_day_counts', ['occurred_on', 'area'], unique=False)
    for statement in create_statements(DAY_COUNTS, "sqlite"):
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
    op.execute(fill_statement(TEAM_DAY_COUNTS_BY_AUTHOR, dialect))
    for statement in create_statements(TEAM_DAY_COUNTS_BY_AUTHOR, dialect):
        op.execute(statement)


def downgrade():
    for statement in drop_statements(TEAM_DAY_COUNTS_BY_AUTHOR, op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table('record_team_day_counts')
