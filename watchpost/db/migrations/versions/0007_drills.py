"""drills, worker commands, drill test groups (issue #20)

Revision ID: 0007_drills
Revises: 0006_vision
"""
from alembic import op
import sqlalchemy as sa
import watchpost.db.base


revision = '0007_drills'
down_revision = '0006_vision'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('comms_drill_recipients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.String(length=200), nullable=False),
    sa.Column('drill_ref', sa.String(length=50), nullable=False),
    sa.Column('until', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comms_drill_recipients'))
    )
    with op.batch_alter_table('comms_drill_recipients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comms_drill_recipients_drill_ref'), ['drill_ref'], unique=False)
        batch_op.create_index(batch_op.f('ix_comms_drill_recipients_recipient'), ['recipient'], unique=False)

    op.create_table('drill_scenarios',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=50), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('enterprise', sa.String(length=200), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drill_scenarios'))
    )
    with op.batch_alter_table('drill_scenarios', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drill_scenarios_enterprise'), ['enterprise'], unique=False)
        batch_op.create_index(batch_op.f('ix_drill_scenarios_key'), ['key'], unique=False)

    op.create_table('worker_commands',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('target', sa.String(length=100), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('created_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_worker_commands'))
    )
    with op.batch_alter_table('worker_commands', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_worker_commands_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_worker_commands_target'), ['target'], unique=False)

    op.create_table('drills',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scenario_id', sa.Integer(), nullable=False),
    sa.Column('scenario', sa.JSON(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('enterprise', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('clock', sa.JSON(), nullable=False),
    sa.Column('duration_s', sa.Float(), nullable=False),
    sa.Column('test_group', sa.JSON(), nullable=False),
    sa.Column('organizer', sa.String(length=100), nullable=False),
    sa.Column('started_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['scenario_id'], ['drill_scenarios.id'], name=op.f('fk_drills_scenario_id_drill_scenarios'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drills'))
    )
    with op.batch_alter_table('drills', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drills_enterprise'), ['enterprise'], unique=False)
        batch_op.create_index(batch_op.f('ix_drills_scenario_id'), ['scenario_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_drills_status'), ['status'], unique=False)

    op.create_table('drill_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('drill_id', sa.Integer(), nullable=False),
    sa.Column('at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('drill_s', sa.Float(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['drill_id'], ['drills.id'], name=op.f('fk_drill_events_drill_id_drills'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drill_events'))
    )
    with op.batch_alter_table('drill_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drill_events_drill_id'), ['drill_id'], unique=False)

    op.create_table('drill_injects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('drill_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=50), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('at_s', sa.Float(), nullable=False),
    sa.Column('fired_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('fired_s', sa.Float(), nullable=True),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['drill_id'], ['drills.id'], name=op.f('fk_drill_injects_drill_id_drills'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drill_injects')),
    sa.UniqueConstraint('drill_id', 'key', name='uq_drill_injects_drill_key')
    )
    with op.batch_alter_table('drill_injects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drill_injects_drill_id'), ['drill_id'], unique=False)

    op.create_table('drill_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('drill_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('lang', sa.String(length=5), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('draft', sa.JSON(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['drill_id'], ['drills.id'], name=op.f('fk_drill_reports_drill_id_drills'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drill_reports')),
    sa.UniqueConstraint('drill_id', 'version', name='uq_drill_reports_drill_version')
    )
    with op.batch_alter_table('drill_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drill_reports_drill_id'), ['drill_id'], unique=False)

    op.create_table('drill_seats',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('drill_id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=30), nullable=False),
    sa.Column('joined_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['drill_id'], ['drills.id'], name=op.f('fk_drill_seats_drill_id_drills'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drill_seats')),
    sa.UniqueConstraint('drill_id', 'username', name='uq_drill_seats_drill_user')
    )
    with op.batch_alter_table('drill_seats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drill_seats_drill_id'), ['drill_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_drill_seats_username'), ['username'], unique=False)

    op.create_table('drill_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('drill_id', sa.Integer(), nullable=False),
    sa.Column('inject_key', sa.String(length=50), nullable=False),
    sa.Column('role', sa.String(length=30), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=False),
    sa.Column('objective', sa.String(length=50), nullable=True),
    sa.Column('spec', sa.JSON(), nullable=False),
    sa.Column('due_s', sa.Float(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('done_s', sa.Float(), nullable=True),
    sa.Column('done_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('done_by', sa.String(length=100), nullable=True),
    sa.Column('how', sa.String(length=10), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['drill_id'], ['drills.id'], name=op.f('fk_drill_tasks_drill_id_drills'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drill_tasks'))
    )
    with op.batch_alter_table('drill_tasks', schema=None) as batch_op:
        batch_op.create_index('ix_drill_tasks_drill_role', ['drill_id', 'role'], unique=False)
        batch_op.create_index(batch_op.f('ix_drill_tasks_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('drill_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drill_tasks_status'))
        batch_op.drop_index('ix_drill_tasks_drill_role')

    op.drop_table('drill_tasks')
    with op.batch_alter_table('drill_seats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drill_seats_username'))
        batch_op.drop_index(batch_op.f('ix_drill_seats_drill_id'))

    op.drop_table('drill_seats')
    with op.batch_alter_table('drill_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drill_reports_drill_id'))

    op.drop_table('drill_reports')
    with op.batch_alter_table('drill_injects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drill_injects_drill_id'))

    op.drop_table('drill_injects')
    with op.batch_alter_table('drill_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drill_events_drill_id'))

    op.drop_table('drill_events')
    with op.batch_alter_table('drills', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drills_status'))
        batch_op.drop_index(batch_op.f('ix_drills_scenario_id'))
        batch_op.drop_index(batch_op.f('ix_drills_enterprise'))

    op.drop_table('drills')
    with op.batch_alter_table('worker_commands', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_worker_commands_target'))
        batch_op.drop_index(batch_op.f('ix_worker_commands_created_at'))

    op.drop_table('worker_commands')
    with op.batch_alter_table('drill_scenarios', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drill_scenarios_key'))
        batch_op.drop_index(batch_op.f('ix_drill_scenarios_enterprise'))

    op.drop_table('drill_scenarios')
    with op.batch_alter_table('comms_drill_recipients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comms_drill_recipients_recipient'))
        batch_op.drop_index(batch_op.f('ix_comms_drill_recipients_drill_ref'))

    op.drop_table('comms_drill_recipients')
