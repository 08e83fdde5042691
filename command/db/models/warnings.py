"""Four-level warnings and their closed loop (ALM-1..3): stages, history, supervision."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from watchpost.db import Base, TimestampMixin


class Warning(TimestampMixin, Base):
    __tablename__ = "warnings"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), default="alarm")  # alarm | report_overdue
    level: Mapped[str] = mapped_column(String(10), index=True)
    stage: Mapped[str] = mapped_column(String(20), index=True, default="raised")
    title: Mapped[str] = mapped_column(String(300), default="")
    alarm_id: Mapped[int | None] = mapped_column(ForeignKey("alarms.id", ondelete="SET NULL"), index=True, default=None)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="SET NULL"), index=True,
                                                    default=None)
    exercise: Mapped[bool] = mapped_column(default=False)
    raised_at: Mapped[datetime] = mapped_column(index=True)
    pushed_at: Mapped[datetime | None] = mapped_column(default=None)
    notified: Mapped[int] = mapped_column(default=0)
    verify_due_at: Mapped[datetime]
    feedback_due_at: Mapped[datetime]
    verified_at: Mapped[datetime | None] = mapped_column(default=None)
    verified_by: Mapped[str | None] = mapped_column(String(100), default=None)
    verify_note: Mapped[str] = mapped_column(Text, default="")
    fed_back_at: Mapped[datetime | None] = mapped_column(default=None)
    fed_back_by: Mapped[str | None] = mapped_column(String(100), default=None)
    feedback: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_by: Mapped[str | None] = mapped_column(String(100), default=None)
    verify_overdue_at: Mapped[datetime | None] = mapped_column(default=None)
    feedback_overdue_at: Mapped[datetime | None] = mapped_column(default=None)


class WarningEvent(Base):
    """History of one warning: every stage change, notification batch and supervision."""

    __tablename__ = "warning_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("warnings.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(30))  # raised | pushed | verified | fed_back | closed | supervised
    stage_from: Mapped[str | None] = mapped_column(String(20), default=None)
    stage_to: Mapped[str | None] = mapped_column(String(20), default=None)
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)


class Escalation(Base):
    """A supervision (督办) record: which deadline was missed and who was told."""

    __tablename__ = "warning_escalations"

    id: Mapped[int] = mapped_column(primary_key=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("warnings.id", ondelete="CASCADE"), index=True)
    deadline: Mapped[str] = mapped_column(String(20))  # verify | feedback
    due_at: Mapped[datetime]
    at: Mapped[datetime]
    roles: Mapped[list] = mapped_column(JSON, default=list)
    outbox_ids: Mapped[list] = mapped_column(JSON, default=list)
