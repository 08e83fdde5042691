"""comms outbox and delivery records (issue #6)

Revision ID: 0004_comms
Revises: 0003_push
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import watchpost.db.base  # noqa: F401

revision = '0004_comms'
down_revision = '0003_push'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
