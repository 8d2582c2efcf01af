"""records: one audit entry per version of a record

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 14:30:00

A unique (record_id, version) on `audit_entries`: every change writes the
record's next version and its audit entry in one transaction, so two entries
with the same version mean two writers both changed the same version and one
change was lost. The application locks the record before comparing versions
(records/service.py); this makes the database refuse the second write too.

Entries already duplicated (written before that lock) are never renumbered or
removed here: the audit trail is append-only and they are the only trace of a
lost change. The upgrade stops and names the affected records instead.
"""
import uuid

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    duplicated = op.get_bind().execute(sa.text(
        "SELECT record_id, version, count(*) FROM audit_entries GROUP BY record_id, version "
        "HAVING count(*) > 1 ORDER BY record_id, version")).all()
    if duplicated:
        shown = ", ".join(f"{uuid.UUID(str(r[0]))} v{r[1]} ({r[2]} entries)" for r in duplicated[:10])
        raise RuntimeError(
            f"{len(duplicated)} record versions have more than one audit entry: {shown}. "
            "Each is a change overwritten by another made at the same moment, and these entries are its only "
            "trace: check those records before this upgrade, which refuses to run while they remain.")
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_audit_entries_record_id_version'), ['record_id', 'version'])


def downgrade():
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_entries_record_id_version'), type_='unique')
