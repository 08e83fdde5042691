"""plans, resources, duty, dispatch (issue #7)

Revision ID: 0005_plans
Revises: 0004_comms
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import watchpost.db.base  # noqa: F401

revision = '0005_plans'
down_revision = '0004_comms'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
