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
    pass


def downgrade() -> None:
    pass
