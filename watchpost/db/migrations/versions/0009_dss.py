"""decision support: model runs, drafted response plans, consultation messages (issue #25)

Revision ID: 0009_dss
Revises: 0008_plan_imports
"""
from alembic import op
import sqlalchemy as sa
import watchpost.db.base


revision = '0009_dss'
down_revision = '0008_plan_imports'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dss_simulations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.Column('model', sa.String(length=50), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('weather', sa.JSON(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.Column('zones', sa.JSON(), nullable=False),
    sa.Column('versions', sa.JSON(), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.Column('exercise', sa.Boolean(), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_dss_simulations_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dss_simulations'))
    )
    with op.batch_alter_table('dss_simulations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dss_simulations_incident_id'), ['incident_id'], unique=False)

    op.create_table('dss_response_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('simulation_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('approved_by', sa.String(length=100), nullable=True),
    sa.Column('approved_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('outbox_ids', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_dss_response_drafts_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['simulation_id'], ['dss_simulations.id'], name=op.f('fk_dss_response_drafts_simulation_id_dss_simulations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dss_response_drafts'))
    )
    with op.batch_alter_table('dss_response_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dss_response_drafts_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dss_response_drafts_status'), ['status'], unique=False)

    op.create_table('consult_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('author', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=30), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('file_name', sa.String(length=300), nullable=True),
    sa.Column('file_type', sa.String(length=100), nullable=True),
    sa.Column('file_size', sa.Integer(), nullable=True),
    sa.Column('file_sha256', sa.String(length=64), nullable=True),
    sa.Column('file_path', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_consult_messages_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consult_messages'))
    )
    with op.batch_alter_table('consult_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consult_messages_incident_id'), ['incident_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('consult_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consult_messages_incident_id'))
    op.drop_table('consult_messages')
    with op.batch_alter_table('dss_response_drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dss_response_drafts_status'))
        batch_op.drop_index(batch_op.f('ix_dss_response_drafts_incident_id'))
    op.drop_table('dss_response_drafts')
    with op.batch_alter_table('dss_simulations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dss_simulations_incident_id'))
    op.drop_table('dss_simulations')
