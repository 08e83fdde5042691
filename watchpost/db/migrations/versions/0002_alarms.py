"""alarms, warnings, incidents, scheduled deadlines (issue #3)

Revision ID: 0002_alarms
Revises: 0001_core
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import watchpost.db.base  # noqa: F401

revision = '0002_alarms'
down_revision = '0001_core'
branch_labels = None
depends_on = None

TABLES = ["warning_events", "warning_escalations", "warnings", "alarm_keys", "incident_timeline",
          "incident_reports", "alarms", "scheduled_jobs", "incidents"]


def upgrade() -> None:
    op.create_table('incidents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('type', sa.String(length=50), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('response_level', sa.String(length=5), nullable=True),
    sa.Column('location_name', sa.String(length=200), nullable=False),
    sa.Column('site', sa.String(length=100), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('exercise', sa.Boolean(), nullable=False),
    sa.Column('received_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('report_due_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('first_reported_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_report_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('next_followup_due_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents'))
    )
    op.create_index(op.f('ix_incidents_status'), 'incidents', ['status'], unique=False)
    op.create_index(op.f('ix_incidents_type'), 'incidents', ['type'], unique=False)
    op.create_table('scheduled_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('ref_id', sa.Integer(), nullable=False),
    sa.Column('due_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('done_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('created_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduled_jobs'))
    )
    op.create_index('ix_scheduled_jobs_due', 'scheduled_jobs', ['done_at', 'due_at'], unique=False)
    op.create_index(op.f('ix_scheduled_jobs_ref_id'), 'scheduled_jobs', ['ref_id'], unique=False)
    op.create_table('alarms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('source_event_id', sa.String(length=200), nullable=False),
    sa.Column('type', sa.String(length=50), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('occurred_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('occurrences', sa.Integer(), nullable=False),
    sa.Column('merge_key', sa.String(length=400), nullable=False),
    sa.Column('location_name', sa.String(length=200), nullable=False),
    sa.Column('site', sa.String(length=100), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('camera_id', sa.String(length=100), nullable=True),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('boxes', sa.JSON(), nullable=False),
    sa.Column('reading', sa.JSON(), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('raw', sa.JSON(), nullable=False),
    sa.Column('verdict', sa.String(length=10), nullable=True),
    sa.Column('verified_by', sa.String(length=100), nullable=True),
    sa.Column('verified_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('verify_note', sa.Text(), nullable=False),
    sa.Column('exercise', sa.Boolean(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.Column('warning_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_alarms_incident_id_incidents'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alarms')),
    sa.UniqueConstraint('source', 'source_event_id', name='uq_alarms_source_event')
    )
    op.create_index(op.f('ix_alarms_exercise'), 'alarms', ['exercise'], unique=False)
    op.create_index(op.f('ix_alarms_incident_id'), 'alarms', ['incident_id'], unique=False)
    op.create_index(op.f('ix_alarms_level'), 'alarms', ['level'], unique=False)
    op.create_index('ix_alarms_merge', 'alarms', ['merge_key', 'status'], unique=False)
    op.create_index('ix_alarms_occurred', 'alarms', ['occurred_at'], unique=False)
    op.create_index(op.f('ix_alarms_source'), 'alarms', ['source'], unique=False)
    op.create_index(op.f('ix_alarms_status'), 'alarms', ['status'], unique=False)
    op.create_index(op.f('ix_alarms_type'), 'alarms', ['type'], unique=False)
    op.create_table('incident_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('to_authority', sa.String(length=200), nullable=False),
    sa.Column('at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('due_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_reports_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_reports'))
    )
    op.create_index(op.f('ix_incident_reports_incident_id'), 'incident_reports', ['incident_id'], unique=False)
    op.create_table('incident_timeline',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_timeline_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_timeline'))
    )
    op.create_index(op.f('ix_incident_timeline_incident_id'), 'incident_timeline', ['incident_id'], unique=False)
    op.create_table('alarm_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('source_event_id', sa.String(length=200), nullable=False),
    sa.Column('alarm_id', sa.Integer(), nullable=False),
    sa.Column('at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['alarm_id'], ['alarms.id'], name=op.f('fk_alarm_keys_alarm_id_alarms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alarm_keys')),
    sa.UniqueConstraint('source', 'source_event_id', name='uq_alarm_keys_source_event')
    )
    op.create_index(op.f('ix_alarm_keys_alarm_id'), 'alarm_keys', ['alarm_id'], unique=False)
    op.create_table('warnings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('alarm_id', sa.Integer(), nullable=True),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.Column('exercise', sa.Boolean(), nullable=False),
    sa.Column('raised_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('pushed_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('notified', sa.Integer(), nullable=False),
    sa.Column('verify_due_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('feedback_due_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('verified_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('verified_by', sa.String(length=100), nullable=True),
    sa.Column('verify_note', sa.Text(), nullable=False),
    sa.Column('fed_back_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('fed_back_by', sa.String(length=100), nullable=True),
    sa.Column('feedback', sa.Text(), nullable=False),
    sa.Column('closed_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.String(length=100), nullable=True),
    sa.Column('verify_overdue_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('feedback_overdue_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['alarm_id'], ['alarms.id'], name=op.f('fk_warnings_alarm_id_alarms'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_warnings_incident_id_incidents'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_warnings'))
    )
    op.create_index(op.f('ix_warnings_alarm_id'), 'warnings', ['alarm_id'], unique=False)
    op.create_index(op.f('ix_warnings_incident_id'), 'warnings', ['incident_id'], unique=False)
    op.create_index(op.f('ix_warnings_level'), 'warnings', ['level'], unique=False)
    op.create_index(op.f('ix_warnings_raised_at'), 'warnings', ['raised_at'], unique=False)
    op.create_index(op.f('ix_warnings_stage'), 'warnings', ['stage'], unique=False)
    op.create_table('warning_escalations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('warning_id', sa.Integer(), nullable=False),
    sa.Column('deadline', sa.String(length=20), nullable=False),
    sa.Column('due_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.Column('outbox_ids', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['warning_id'], ['warnings.id'], name=op.f('fk_warning_escalations_warning_id_warnings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_warning_escalations'))
    )
    op.create_index(op.f('ix_warning_escalations_warning_id'), 'warning_escalations', ['warning_id'], unique=False)
    op.create_table('warning_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('warning_id', sa.Integer(), nullable=False),
    sa.Column('at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('stage_from', sa.String(length=20), nullable=True),
    sa.Column('stage_to', sa.String(length=20), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['warning_id'], ['warnings.id'], name=op.f('fk_warning_events_warning_id_warnings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_warning_events'))
    )
    op.create_index(op.f('ix_warning_events_warning_id'), 'warning_events', ['warning_id'], unique=False)


def downgrade() -> None:
    # Dropping a table drops its indexes with it on both backends.
    for name in TABLES:
        op.drop_table(name)
