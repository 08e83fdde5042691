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
    op.create_table('comms_campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('policy', sa.String(length=100), nullable=True),
    sa.Column('level', sa.String(length=10), nullable=True),
    sa.Column('incident_type', sa.String(length=50), nullable=True),
    sa.Column('alarm_id', sa.Integer(), nullable=True),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.Column('warning_id', sa.Integer(), nullable=True),
    sa.Column('exercise', sa.Boolean(), nullable=False),
    sa.Column('msg_type', sa.String(length=10), nullable=False),
    sa.Column('references', sa.String(length=500), nullable=True),
    sa.Column('area_desc', sa.String(length=300), nullable=False),
    sa.Column('area_polygon', sa.JSON(), nullable=True),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comms_campaigns'))
    )
    op.create_table('comms_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('lang', sa.String(length=10), nullable=False),
    sa.Column('groups', sa.JSON(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('supervisor_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['supervisor_id'], ['comms_contacts.id'], name=op.f('fk_comms_contacts_supervisor_id_comms_contacts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comms_contacts'))
    )
    op.create_table('comms_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_ref', sa.String(length=64), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('recipient', sa.String(length=200), nullable=False),
    sa.Column('recipient_name', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('lang', sa.String(length=10), nullable=False),
    sa.Column('alarm_id', sa.Integer(), nullable=True),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.Column('warning_id', sa.Integer(), nullable=True),
    sa.Column('exercise', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('provider', sa.String(length=30), nullable=True),
    sa.Column('provider_id', sa.String(length=100), nullable=True),
    sa.Column('error_code', sa.String(length=30), nullable=True),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.Column('audio_path', sa.String(length=500), nullable=True),
    sa.Column('policy', sa.String(length=100), nullable=True),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('escalated_from_id', sa.Integer(), nullable=True),
    sa.Column('ack_due_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('acked_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ack_via', sa.String(length=30), nullable=True),
    sa.Column('escalated_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('final_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['comms_campaigns.id'], name=op.f('fk_comms_outbox_campaign_id_comms_campaigns'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['escalated_from_id'], ['comms_outbox.id'], name=op.f('fk_comms_outbox_escalated_from_id_comms_outbox'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comms_outbox')),
    sa.UniqueConstraint('client_ref', name=op.f('uq_comms_outbox_client_ref'))
    )
    with op.batch_alter_table('comms_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comms_outbox_alarm_id'), ['alarm_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comms_outbox_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index('ix_comms_outbox_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_comms_outbox_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comms_outbox_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comms_outbox_recipient'), ['recipient'], unique=False)
        batch_op.create_index(batch_op.f('ix_comms_outbox_warning_id'), ['warning_id'], unique=False)

    op.create_table('comms_outbox_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('source', sa.String(length=30), nullable=False),
    sa.Column('provider_id', sa.String(length=100), nullable=True),
    sa.Column('error_code', sa.String(length=30), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['comms_outbox.id'], name=op.f('fk_comms_outbox_events_message_id_comms_outbox'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comms_outbox_events'))
    )
    with op.batch_alter_table('comms_outbox_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comms_outbox_events_message_id'), ['message_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('comms_outbox_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comms_outbox_events_message_id'))

    op.drop_table('comms_outbox_events')
    with op.batch_alter_table('comms_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comms_outbox_warning_id'))
        batch_op.drop_index(batch_op.f('ix_comms_outbox_recipient'))
        batch_op.drop_index(batch_op.f('ix_comms_outbox_provider_id'))
        batch_op.drop_index(batch_op.f('ix_comms_outbox_incident_id'))
        batch_op.drop_index('ix_comms_outbox_due')
        batch_op.drop_index(batch_op.f('ix_comms_outbox_campaign_id'))
        batch_op.drop_index(batch_op.f('ix_comms_outbox_alarm_id'))

    op.drop_table('comms_outbox')
    op.drop_table('comms_contacts')
    op.drop_table('comms_campaigns')
