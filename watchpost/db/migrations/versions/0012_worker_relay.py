"""scale-out: each vision worker's GB/T 28181 live relay address, from its claim

Revision ID: 0012_worker_relay
Revises: 0011_cluster
"""
from alembic import op
import sqlalchemy as sa


revision = '0012_worker_relay'
down_revision = '0011_cluster'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('worker_leases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('relay_url', sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('worker_leases', schema=None) as batch_op:
        batch_op.drop_column('relay_url')
