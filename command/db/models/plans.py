"""Emergency plans (PLAN-1..7): plans, every version, review/publish history, attachments,
the search text, and what an activation created (tasks and their field feedback, CMD-5)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from watchpost.db import Base, TimestampMixin


class Plan(TimestampMixin, Base):
    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(20), index=True)  # enterprise | park | authority
    title: Mapped[str] = mapped_column(String(300))
    enterprise: Mapped[str] = mapped_column(String(200), default="", index=True)
    issuer: Mapped[str] = mapped_column(String(200), default="")  # authority that issued it (PLAN-4)
    hazard_types: Mapped[list] = mapped_column(JSON, default=list)
    # "|fire|leak|": the structured plan's incident types, so matching can pre-filter in SQL.
    trigger_types: Mapped[str] = mapped_column(String(500), default="", index=True)
    # Triggers and response levels only: what matching reads, small enough to load thousands per query.
    match_spec: Mapped[dict | None] = mapped_column(JSON, default=None)
    level: Mapped[str] = mapped_column(String(20), default="", index=True)  # e.g. 综合/专项/现场处置
    status: Mapped[str] = mapped_column(String(20), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    body: Mapped[str] = mapped_column(Text, default="")
    structured: Mapped[dict | None] = mapped_column(JSON, default=None)
    effective_at: Mapped[datetime | None] = mapped_column(default=None)
    expires_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    revise_by: Mapped[datetime | None] = mapped_column(default=None)
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    created_by: Mapped[str] = mapped_column(String(100), default="")


class PlanVersion(Base):
    """A frozen copy of the plan each time its content changed (PLAN-7)."""

    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("plan_id", "version", name="uq_plan_versions_plan_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    structured: Mapped[dict | None] = mapped_column(JSON, default=None)
    meta: Mapped[dict] = mapped_column(JSON, default=dict)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(Text, default="")


class PlanEvent(Base):
    """Workflow history: submitted, accepted, returned (with reasons), reviewed, published..."""

    __tablename__ = "plan_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20), default=None)
    to_status: Mapped[str | None] = mapped_column(String(20), default=None)
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)


class PlanReview(Base):
    """One reviewer's opinion (评审意见) on one version of a park plan."""

    __tablename__ = "plan_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    reviewer: Mapped[str] = mapped_column(String(100))
    opinion: Mapped[str] = mapped_column(Text)
    approve: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime]


class PlanAttachment(Base):
    __tablename__ = "plan_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))


class PlanImport(Base):
    """A plan drafted from its document (PLAN-5): the document's paragraphs as read, and the
    drafting report (which paragraph became which item, what could not be placed, what was guessed),
    kept for the side-by-side review."""

    __tablename__ = "plan_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("plan_attachments.id", ondelete="SET NULL"),
                                                      default=None)
    filename: Mapped[str] = mapped_column(String(300))
    paragraphs: Mapped[list] = mapped_column(JSON, default=list)
    report: Mapped[dict] = mapped_column(JSON, default=dict)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))


class PlanSearchDoc(Base):
    """All searchable text of a plan (title, body, structured plan, attachments) in one row.
    PostgreSQL searches it through a pg_trgm index; SQLite mirrors it into the FTS5 table plan_fts."""

    __tablename__ = "plan_search_docs"

    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True)
    content: Mapped[str] = mapped_column(Text, default="")


class PlanActivation(Base):
    __tablename__ = "plan_activations"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    plan_version: Mapped[int] = mapped_column(Integer)
    response_level: Mapped[str] = mapped_column(String(5))
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    warnings: Mapped[list] = mapped_column(JSON, default=list)
    notifications: Mapped[int] = mapped_column(Integer, default=0)


class Task(Base):
    """One action card turned into work for a person on duty (CMD-5)."""

    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    activation_id: Mapped[int] = mapped_column(ForeignKey("plan_activations.id", ondelete="CASCADE"), index=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    card_id: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(300))
    detail: Mapped[str] = mapped_column(Text, default="")
    role: Mapped[str] = mapped_column(String(100))
    assignee: Mapped[str] = mapped_column(String(100), default="")
    assignee_phone: Mapped[str] = mapped_column(String(50), default="")
    seq: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    updated_at: Mapped[datetime]


class TaskEvent(Base):
    """Progress and field feedback on a task: status changes, reassignment, resources added."""

    __tablename__ = "task_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))  # status | feedback | reassign | resources
    status: Mapped[str | None] = mapped_column(String(20), default=None)
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
