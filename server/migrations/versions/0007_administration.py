"""administration: teams, team memberships, an append-only administrative audit trail, password resets

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 17:30:00

- `teams`: the teams officers belong to, filled from the officers' current teams.
- `team_memberships`: who was in which team from which day, started for every officer with a
  team from the day they were created.
- `admin_audit_entries`: every administrative change (who, when, what, before and after).
  Append-only in the database itself: triggers refuse UPDATE and DELETE on both databases, so
  neither the application nor a mistaken script can rewrite it.
- `officers.must_change_password`: set by an administrator's reset.
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

APPEND_ONLY = "admin_audit_entries"
REFUSAL = "admin_audit_entries is append-only"


def _pg_statements(table: str) -> list[str]:
    return [
        f"""
CREATE FUNCTION {table}_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{REFUSAL}' USING ERRCODE = 'insufficient_privilege';
END $$""",
        *(f"CREATE TRIGGER {table}_no_{verb} BEFORE {verb.upper()} ON {table} "
          f"FOR EACH ROW EXECUTE FUNCTION {table}_refuse_change()" for verb in ("update", "delete")),
        # TRUNCATE skips row triggers: refuse it too.
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_refuse_change()",
    ]


def _sqlite_statements(table: str) -> list[str]:
    return [f"CREATE TRIGGER {table}_no_{verb} BEFORE {verb.upper()} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END" for verb in ("update", "delete")]


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect not in ("postgresql", "sqlite"):  # pragma: no cover
        raise RuntimeError(f"the append-only triggers are written for PostgreSQL and SQLite, not {dialect}")
    op.create_table(
        'teams',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_teams')),
        sa.UniqueConstraint('name', name=op.f('uq_teams_name')),
    )
    op.create_table(
        'team_memberships',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('officer_id', sa.Integer(), nullable=False),
        sa.Column('team', sa.String(length=64), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['officer_id'], ['officers.id'], name=op.f('fk_team_memberships_officer_id_officers')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_team_memberships')),
    )
    op.create_index(op.f('ix_team_memberships_officer_id'), 'team_memberships', ['officer_id'], unique=False)
    op.create_table(
        'admin_audit_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=40), nullable=False),
        sa.Column('officer_id', sa.Integer(), nullable=True),
        sa.Column('operation_id', sa.Integer(), nullable=True),
        sa.Column('team', sa.String(length=64), nullable=True),
        sa.Column('before', sa.JSON(), nullable=True),
        sa.Column('after', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['actor_id'], ['officers.id'], name=op.f('fk_admin_audit_entries_actor_id_officers')),
        sa.ForeignKeyConstraint(['officer_id'], ['officers.id'], name=op.f('fk_admin_audit_entries_officer_id_officers')),
        sa.ForeignKeyConstraint(['operation_id'], ['operations.id'],
                                name=op.f('fk_admin_audit_entries_operation_id_operations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_audit_entries')),
    )
    op.create_index(op.f('ix_admin_audit_entries_at'), 'admin_audit_entries', ['at'], unique=False)
    op.create_index(op.f('ix_admin_audit_entries_officer_id'), 'admin_audit_entries', ['officer_id'], unique=False)
    op.create_index(op.f('ix_admin_audit_entries_operation_id'), 'admin_audit_entries', ['operation_id'], unique=False)
    # Plain ALTER TABLE: rebuilding `officers` (batch mode) is not needed for one column.
    op.add_column('officers', sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                        server_default=sa.false()))
    now = "CURRENT_TIMESTAMP"
    op.execute(f"INSERT INTO teams (name, created_at) SELECT DISTINCT team, {now} FROM officers "
               "WHERE team IS NOT NULL ORDER BY team")
    op.execute("INSERT INTO team_memberships (officer_id, team, starts_on) "
               "SELECT id, team, CAST(created_at AS DATE) FROM officers WHERE team IS NOT NULL"
               if dialect == "postgresql" else
               "INSERT INTO team_memberships (officer_id, team, starts_on) "
               "SELECT id, team, date(created_at) FROM officers WHERE team IS NOT NULL")
    for statement in (_pg_statements if dialect == "postgresql" else _sqlite_statements)(APPEND_ONLY):
        op.execute(statement)


def downgrade():
    pg = op.get_bind().dialect.name == "postgresql"
    for verb in ("update", "delete", "truncate"):
        op.execute(f"DROP TRIGGER IF EXISTS {APPEND_ONLY}_no_{verb}" + (f" ON {APPEND_ONLY}" if pg else ""))
    if pg:
        op.execute(f"DROP FUNCTION IF EXISTS {APPEND_ONLY}_refuse_change()")
    op.execute("ALTER TABLE officers DROP COLUMN must_change_password")
    op.drop_table('admin_audit_entries')
    op.drop_index(op.f('ix_team_memberships_officer_id'), table_name='team_memberships')
    op.drop_table('team_memberships')
    op.drop_table('teams')
