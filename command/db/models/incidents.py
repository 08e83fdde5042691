"""Incidents (CMD-2): lifecycle state, statutory reports and the timeline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from watchpost.db import Base, TimestampMixin


class Incident(TimestampMixin, Base):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    type: Mapped[str] = mapped_column(String(50), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True, default="received")
    level: Mapped[str] = mapped_column(String(10))
    response_level: Mapped[str | None] = mapped_column(String(5), default=None)
    location_name: Mapped[str] = mapped_column(String(200), default="")
    site: Mapped[str | None] = mapped_column(String(100), default=None)
    lon: Mapped[float | None] = mapped_column(Float, default=None)
    lat: Mapped[float | None] = mapped_column(Float, default=None)
    exercise: Mapped[bool] = mapped_column(default=False)
    received_at: Mapped[datetime]
    report_due_at: Mapped[datetime]
    # The activated plan's reporting chain when it asks for the first report sooner than the policy.
    report_within_s: Mapped[float | None] = mapped_column(Float, default=None)
    first_reported_at: Mapped[datetime | None] = mapped_column(default=None)
    last_report_at: Mapped[datetime | None] = mapped_column(default=None)
    next_followup_due_at: Mapped[datetime | None] = mapped_column(default=None)
    created_by: Mapped[str] = mapped_column(String(100), default="")


class IncidentReport(Base):
    """A report to the authority: the initial 上报 or a follow-up 续报."""

    __tablename__ = "incident_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # initial | followup
    body: Mapped[str] = mapped_column(Text)
    to_authority: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    due_at: Mapped[datetime | None] = mapped_column(default=None)
    late: Mapped[bool] = mapped_column(default=False)


class TimelineEntry(Base):
    __tablename__ = "incident_timeline"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))  # created | transition | report | alarm_linked | report_overdue
    from_status: Mapped[str | None] = mapped_column(String(20), default=None)
    to_status: Mapped[str | None] = mapped_column(String(20), default=None)
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
