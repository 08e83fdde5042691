"""GB/T 28181 device recordings (VID-5): workers' answers to commands an API call waits for

Revision ID: 0013_worker_command_results
Revises: 0012_worker_relay
"""
from alembic import op
import sqlalchemy as sa

import watchpost.db.base


revision = '0013_worker_command_results'
down_revision = '0012_worker_relay'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('worker_command_results',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('request_id', sa.String(length=64), nullable=False),
    sa.Column('worker_id', sa.String(length=100), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('created_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_worker_command_results')),
    sa.UniqueConstraint('request_id', name=op.f('uq_worker_command_results_request_id'))
    )
    with op.batch_alter_table('worker_command_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_worker_command_results_created_at'), ['created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('worker_command_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_worker_command_results_created_at'))

    op.drop_table('worker_command_results')
