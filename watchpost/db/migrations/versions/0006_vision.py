"""vision media index, if kept in SQL (issue #4)

Revision ID: 0006_vision
Revises: 0005_plans
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import watchpost.db.base  # noqa: F401

revision = '0006_vision'
down_revision = '0005_plans'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
