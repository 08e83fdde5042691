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
    op.create_table('duty_shifts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=100), nullable=False),
    sa.Column('person', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=50), nullable=False),
    sa.Column('starts_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('handover_note', sa.Text(), nullable=False),
    sa.Column('handed_over_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duty_shifts'))
    )
    with op.batch_alter_table('duty_shifts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duty_shifts_ends_at'), ['ends_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_duty_shifts_role'), ['role'], unique=False)
        batch_op.create_index(batch_op.f('ix_duty_shifts_starts_at'), ['starts_at'], unique=False)

    op.create_table('personnel_positions',
    sa.Column('person_id', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('floor', sa.String(length=20), nullable=False),
    sa.Column('at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_personnel_positions'))
    )
    op.create_table('plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('enterprise', sa.String(length=200), nullable=False),
    sa.Column('issuer', sa.String(length=200), nullable=False),
    sa.Column('hazard_types', sa.JSON(), nullable=False),
    sa.Column('trigger_types', sa.String(length=500), nullable=False),
    sa.Column('match_spec', sa.JSON(), nullable=True),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('structured', sa.JSON(), nullable=True),
    sa.Column('effective_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expires_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revise_by', watchpost.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('published_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plans'))
    )
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plans_enterprise'), ['enterprise'], unique=False)
        batch_op.create_index(batch_op.f('ix_plans_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_plans_level'), ['level'], unique=False)
        batch_op.create_index(batch_op.f('ix_plans_scope'), ['scope'], unique=False)
        batch_op.create_index(batch_op.f('ix_plans_trigger_types'), ['trigger_types'], unique=False)
        batch_op.create_index(batch_op.f('ix_plans_status'), ['status'], unique=False)

    op.create_table('resources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('code', sa.String(length=100), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=100), nullable=False),
    sa.Column('site', sa.String(length=100), nullable=False),
    sa.Column('location_name', sa.String(length=200), nullable=False),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('quantity', sa.Float(), nullable=False),
    sa.Column('required_quantity', sa.Float(), nullable=True),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('contact', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=50), nullable=False),
    sa.Column('members', sa.JSON(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('inspection_due_on', sa.Date(), nullable=True),
    sa.Column('attrs', sa.JSON(), nullable=False),
    sa.Column('created_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resources')),
    sa.UniqueConstraint('code', name=op.f('uq_resources_code'))
    )
    with op.batch_alter_table('resources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resources_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_resources_expires_on'), ['expires_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_resources_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_resources_site'), ['site'], unique=False)
        batch_op.create_index(batch_op.f('ix_resources_status'), ['status'], unique=False)

    op.create_table('expert_evaluations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_expert_evaluations_incident_id_incidents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resource_id'], ['resources.id'], name=op.f('fk_expert_evaluations_resource_id_resources'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expert_evaluations'))
    )
    with op.batch_alter_table('expert_evaluations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_evaluations_resource_id'), ['resource_id'], unique=False)

    op.create_table('plan_activations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('plan_version', sa.Integer(), nullable=False),
    sa.Column('response_level', sa.String(length=5), nullable=False),
    sa.Column('at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('warnings', sa.JSON(), nullable=False),
    sa.Column('notifications', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_plan_activations_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_activations_plan_id_plans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_activations'))
    )
    with op.batch_alter_table('plan_activations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_activations_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_activations_plan_id'), ['plan_id'], unique=False)

    op.create_table('plan_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=300), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_attachments_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_attachments'))
    )
    with op.batch_alter_table('plan_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_attachments_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_attachments_sha256'), ['sha256'], unique=False)

    op.create_table('plan_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_events_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_events'))
    )
    with op.batch_alter_table('plan_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_events_plan_id'), ['plan_id'], unique=False)

    op.create_table('plan_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('reviewer', sa.String(length=100), nullable=False),
    sa.Column('opinion', sa.Text(), nullable=False),
    sa.Column('approve', sa.Boolean(), nullable=False),
    sa.Column('at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_reviews_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_reviews'))
    )
    with op.batch_alter_table('plan_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_reviews_plan_id'), ['plan_id'], unique=False)

    op.create_table('plan_search_docs',
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_search_docs_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('plan_id', name=op.f('pk_plan_search_docs'))
    )
    op.create_table('plan_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('structured', sa.JSON(), nullable=True),
    sa.Column('meta', sa.JSON(), nullable=False),
    sa.Column('at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_versions_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_versions')),
    sa.UniqueConstraint('plan_id', 'version', name='uq_plan_versions_plan_version')
    )
    with op.batch_alter_table('plan_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_versions_plan_id'), ['plan_id'], unique=False)

    op.create_table('vehicle_dispatches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=True),
    sa.Column('vehicle', sa.String(length=100), nullable=False),
    sa.Column('driver', sa.String(length=100), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.Column('origin', sa.String(length=200), nullable=False),
    sa.Column('destination', sa.String(length=200), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('departed_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('arrived_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('returned_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_vehicle_dispatches_incident_id_incidents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resource_id'], ['resources.id'], name=op.f('fk_vehicle_dispatches_resource_id_resources'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vehicle_dispatches'))
    )
    with op.batch_alter_table('vehicle_dispatches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vehicle_dispatches_incident_id'), ['incident_id'], unique=False)

    op.create_table('resource_reservations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('activation_id', sa.Integer(), nullable=True),
    sa.Column('quantity', sa.Float(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['activation_id'], ['plan_activations.id'], name=op.f('fk_resource_reservations_activation_id_plan_activations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_resource_reservations_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resource_id'], ['resources.id'], name=op.f('fk_resource_reservations_resource_id_resources'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resource_reservations'))
    )
    with op.batch_alter_table('resource_reservations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resource_reservations_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_resource_reservations_resource_id'), ['resource_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_resource_reservations_status'), ['status'], unique=False)

    op.create_table('tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activation_id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('card_id', sa.String(length=50), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('role', sa.String(length=100), nullable=False),
    sa.Column('assignee', sa.String(length=100), nullable=False),
    sa.Column('assignee_phone', sa.String(length=50), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('due_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('updated_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activation_id'], ['plan_activations.id'], name=op.f('fk_tasks_activation_id_plan_activations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_tasks_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tasks'))
    )
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tasks_activation_id'), ['activation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tasks_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tasks_status'), ['status'], unique=False)

    op.create_table('resource_dispatches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('quantity', sa.Float(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('history', sa.JSON(), nullable=False),
    sa.Column('created_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_resource_dispatches_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resource_id'], ['resources.id'], name=op.f('fk_resource_dispatches_resource_id_resources'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_resource_dispatches_task_id_tasks'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resource_dispatches'))
    )
    with op.batch_alter_table('resource_dispatches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resource_dispatches_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_resource_dispatches_resource_id'), ['resource_id'], unique=False)

    op.create_table('task_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('at', watchpost.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_task_events_task_id_tasks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_events'))
    )
    with op.batch_alter_table('task_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_events_task_id'), ['task_id'], unique=False)

    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # Trigram FTS5 matches any 3+ character substring, so Chinese text needs no word splitting.
        op.execute("CREATE VIRTUAL TABLE plan_fts USING fts5(content, tokenize='trigram')")
    elif bind.dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_plan_search_docs_trgm ON plan_search_docs USING gin (content gin_trgm_ops)")
        op.execute("CREATE INDEX ix_plans_title_trgm ON plans USING gin (title gin_trgm_ops)")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS plan_fts")
    elif bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_plans_title_trgm")
        op.execute("DROP INDEX IF EXISTS ix_plan_search_docs_trgm")
    with op.batch_alter_table('task_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_events_task_id'))

    op.drop_table('task_events')
    with op.batch_alter_table('resource_dispatches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resource_dispatches_resource_id'))
        batch_op.drop_index(batch_op.f('ix_resource_dispatches_incident_id'))

    op.drop_table('resource_dispatches')
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tasks_status'))
        batch_op.drop_index(batch_op.f('ix_tasks_incident_id'))
        batch_op.drop_index(batch_op.f('ix_tasks_activation_id'))

    op.drop_table('tasks')
    with op.batch_alter_table('resource_reservations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resource_reservations_status'))
        batch_op.drop_index(batch_op.f('ix_resource_reservations_resource_id'))
        batch_op.drop_index(batch_op.f('ix_resource_reservations_incident_id'))

    op.drop_table('resource_reservations')
    with op.batch_alter_table('vehicle_dispatches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vehicle_dispatches_incident_id'))

    op.drop_table('vehicle_dispatches')
    with op.batch_alter_table('plan_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_versions_plan_id'))

    op.drop_table('plan_versions')
    op.drop_table('plan_search_docs')
    with op.batch_alter_table('plan_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_reviews_plan_id'))

    op.drop_table('plan_reviews')
    with op.batch_alter_table('plan_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_events_plan_id'))

    op.drop_table('plan_events')
    with op.batch_alter_table('plan_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_attachments_sha256'))
        batch_op.drop_index(batch_op.f('ix_plan_attachments_plan_id'))

    op.drop_table('plan_attachments')
    with op.batch_alter_table('plan_activations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_activations_plan_id'))
        batch_op.drop_index(batch_op.f('ix_plan_activations_incident_id'))

    op.drop_table('plan_activations')
    with op.batch_alter_table('expert_evaluations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expert_evaluations_resource_id'))

    op.drop_table('expert_evaluations')
    with op.batch_alter_table('resources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resources_status'))
        batch_op.drop_index(batch_op.f('ix_resources_site'))
        batch_op.drop_index(batch_op.f('ix_resources_kind'))
        batch_op.drop_index(batch_op.f('ix_resources_expires_on'))
        batch_op.drop_index(batch_op.f('ix_resources_category'))

    op.drop_table('resources')
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plans_trigger_types'))
        batch_op.drop_index(batch_op.f('ix_plans_status'))
        batch_op.drop_index(batch_op.f('ix_plans_scope'))
        batch_op.drop_index(batch_op.f('ix_plans_level'))
        batch_op.drop_index(batch_op.f('ix_plans_expires_at'))
        batch_op.drop_index(batch_op.f('ix_plans_enterprise'))

    op.drop_table('plans')
    op.drop_table('personnel_positions')
    with op.batch_alter_table('duty_shifts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_duty_shifts_starts_at'))
        batch_op.drop_index(batch_op.f('ix_duty_shifts_role'))
        batch_op.drop_index(batch_op.f('ix_duty_shifts_ends_at'))

    op.drop_table('duty_shifts')
