"""records keep the team they were logged under; operations say whether they are a named policing operation

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 14:30:00

- `records.team`: the author's team when the record was created, filled in for
  the records already there from their authors' current teams. A team's past
  figures then belong to that team for good: an officer moving team no longer
  moves their records' counts (0003's trigger on `officers.team` is dropped).
- `record_team_day_counts` is keyed by `records.team`: its triggers on
  `records` are generated again (server/migrations/count_tables.py). They no
  longer read `officers`, so they need no lock on the authors' rows either. The counts themselves do not change here:
  every record's team is its author's current team, which is what 0003 counted.
- `operations.is_policing_operation`: true for a named policing operation (what
  police.uk's "Part of a policing operation" means), false for routine patrol
  or a baseline kept for comparison.
"""
from alembic import op
import sqlalchemy as sa

from server.migrations.count_tables import (TEAM_DAY_COUNTS, TEAM_DAY_COUNTS_BY_AUTHOR, create_statements,
                                            drop_statements, fill_statement)


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    dialect = op.get_bind().dialect.name
    for statement in drop_statements(TEAM_DAY_COUNTS_BY_AUTHOR, dialect):
        op.execute(statement)
    # Plain ALTER TABLE on both databases: rebuilding `records` (batch mode) would drop SQLite's triggers.
    op.add_column('operations', sa.Column('is_policing_operation', sa.Boolean(), nullable=False,
                                          server_default=sa.true()))
    op.add_column('records', sa.Column('team', sa.String(length=64), nullable=True))
    op.execute("UPDATE records SET team = (SELECT officers.team FROM officers WHERE officers.id = records.officer_id)")
    op.create_index('ix_records_team_operation_day', 'records',
                    ['team', 'operation_id', 'occurred_on', 'kind', 'area', 'status', 'officer_id'], unique=False)
    for statement in create_statements(TEAM_DAY_COUNTS, dialect):
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for statement in drop_statements(TEAM_DAY_COUNTS, dialect):
        op.execute(statement)
    # Back to counting each record under its author's current team.
    op.execute("DELETE FROM record_team_day_counts")
    op.execute(fill_statement(TEAM_DAY_COUNTS_BY_AUTHOR, dialect))
    op.drop_index('ix_records_team_operation_day', table_name='records')
    op.execute("ALTER TABLE records DROP COLUMN team")  # SQLite 3.35+; no table rebuild, triggers kept
    op.execute("ALTER TABLE operations DROP COLUMN is_policing_operation")
    for statement in create_statements(TEAM_DAY_COUNTS_BY_AUTHOR, dialect):
        op.execute(statement)
