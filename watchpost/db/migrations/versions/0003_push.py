"""push events (issue #3)

Revision ID: 0003_push
Revises: 0002_alarms
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import watchpost.db.base  # noqa: F401

revision = '0003_push'
down_revision = '0002_alarms'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'push_events',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('topic', sa.String(length=20), nullable=False),
        sa.Column('action', sa.String(length=40), nullable=False),
        sa.Column('at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_push_events')),
    )
    op.create_index(op.f('ix_push_events_topic'), 'push_events', ['topic'], unique=False)
    op.create_index(op.f('ix_push_events_at'), 'push_events', ['at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_push_events_at'), table_name='push_events')
    op.drop_index(op.f('ix_push_events_topic'), table_name='push_events')
    op.drop_table('push_events')
