"""self-monitoring: the vision workers' latest heartbeats (issue #26)

Revision ID: 0010_monitor
Revises: 0009_dss
"""
from alembic import op
import sqlalchemy as sa
import watchpost.db.base


revision = '0010_monitor'
down_revision = '0009_dss'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('worker_heartbeats',
    sa.Column('worker_id', sa.String(length=100), nullable=False),
    sa.Column('at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('worker_id', name=op.f('pk_worker_heartbeats'))
    )


def downgrade() -> None:
    op.drop_table('worker_heartbeats')
