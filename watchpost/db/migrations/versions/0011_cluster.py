"""scale-out: the vision workers' camera leases and the service processes' heartbeats (issue #26)

Revision ID: 0011_cluster
Revises: 0010_monitor
"""
from alembic import op
import sqlalchemy as sa
import watchpost.db.base


revision = '0011_cluster'
down_revision = '0010_monitor'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('worker_leases',
    sa.Column('worker_id', sa.String(length=100), nullable=False),
    sa.Column('epoch', sa.BigInteger(), nullable=False),
    sa.Column('at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('leaving', sa.Boolean(), nullable=False),
    sa.Column('running', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('worker_id', name=op.f('pk_worker_leases'))
    )
    op.create_table('service_replicas',
    sa.Column('replica_id', sa.String(length=40), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('started_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('leader', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('replica_id', name=op.f('pk_service_replicas'))
    )


def downgrade() -> None:
    op.drop_table('service_replicas')
    op.drop_table('worker_leases')
