"""Alarms from every source (ALM-4) and the idempotency keys that point at them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from watchpost.db import Base, TimestampMixin


class Alarm(TimestampMixin, Base):
    __tablename__ = "alarms"
    __table_args__ = (
        UniqueConstraint("source", "source_event_id", name="uq_alarms_source_event"),
        Index("ix_alarms_merge", "merge_key", "status"),
        Index("ix_alarms_occurred", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(20), index=True)
    source_event_id: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(50), index=True)
    level: Mapped[str] = mapped_column(String(10), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True, default="new")
    occurred_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    occurrences: Mapped[int] = mapped_column(default=1)
    merge_key: Mapped[str] = mapped_column(String(400))
    location_name: Mapped[str] = mapped_column(String(200), default="")
    site: Mapped[str | None] = mapped_column(String(100), default=None)
    lon: Mapped[float | None] = mapped_column(Float, default=None)
    lat: Mapped[float | None] = mapped_column(Float, default=None)
    camera_id: Mapped[str | None] = mapped_column(String(100), default=None)
    score: Mapped[float | None] = mapped_column(Float, default=None)
    boxes: Mapped[list] = mapped_column(JSON, default=list)
    reading: Mapped[dict | None] = mapped_column(JSON, default=None)
    title: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[list] = mapped_column(JSON, default=list)
    raw: Mapped[dict] = mapped_column(JSON, default=dict)
    verdict: Mapped[str | None] = mapped_column(String(10), default=None)
    verified_by: Mapped[str | None] = mapped_column(String(100), default=None)
    verified_at: Mapped[datetime | None] = mapped_column(default=None)
    verify_note: Mapped[str] = mapped_column(Text, default="")
    exercise: Mapped[bool] = mapped_column(default=False, index=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="SET NULL"), index=True,
                                                    default=None)
    warning_id: Mapped[int | None] = mapped_column(default=None)
    created_by: Mapped[str] = mapped_column(String(100), default="")


class AlarmKey(Base):
    """Every (source, source_event_id) ever accepted, including repeats merged into an older alarm,
    so a retried repeat is recognised and never counted twice."""

    __tablename__ = "alarm_keys"
    __table_args__ = (UniqueConstraint("source", "source_event_id", name="uq_alarm_keys_source_event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(20))
    source_event_id: Mapped[str] = mapped_column(String(200))
    alarm_id: Mapped[int] = mapped_column(ForeignKey("alarms.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
