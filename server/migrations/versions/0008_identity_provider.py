"""officers: the identity provider's stable id for officers who sign in through it

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 17:30:00

`officers.provider_object_id`: the provider's stable, never reassigned id for the
person (Entra ID's `oid` claim), set at their first sign-in through the provider.
Unique, so one provider account is one officer; null for officers who only ever
use a local password. An email address or a display name is never used for this:
both change and are reassigned.
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('officers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provider_object_id', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_officers_provider_object_id'), ['provider_object_id'])


def downgrade():
    with op.batch_alter_table('officers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_officers_provider_object_id'), type_='unique')
        batch_op.drop_column('provider_object_id')
