"""plans drafted from their documents; the plan's reporting chain on the incident's report clock (issue #24)

Revision ID: 0008_plan_imports
Revises: 0007_drills
"""
from alembic import op
import sqlalchemy as sa
import watchpost.db.base


revision = '0008_plan_imports'
down_revision = '0007_drills'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('plan_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('attachment_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=300), nullable=False),
    sa.Column('paragraphs', sa.JSON(), nullable=False),
    sa.Column('report', sa.JSON(), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.Column('at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['attachment_id'], ['plan_attachments.id'], name=op.f('fk_plan_imports_attachment_id_plan_attachments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_imports_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_imports'))
    )
    with op.batch_alter_table('plan_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_imports_plan_id'), ['plan_id'], unique=False)
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('report_within_s', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_column('report_within_s')
    with op.batch_alter_table('plan_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_imports_plan_id'))
    op.drop_table('plan_imports')
