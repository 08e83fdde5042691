"""Drills (DRL-1..4): filed scenarios, drills run from them (clock, injects, seats, each role's
tasks) and their evaluation reports. A drill's state lives here, not in memory, so a service
restart finds it where it was."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from watchpost.db import Base, TimestampMixin


class DrillScenario(TimestampMixin, Base):
    """A scenario (演练脚本 / 演练方案) filed by an enterprise or the park, searchable (DRL-1)."""

    __tablename__ = "drill_scenarios"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(50), index=True)  # the scenario's own id
    title: Mapped[str] = mapped_column(String(300))
    enterprise: Mapped[str] = mapped_column(String(200), default="", index=True)
    source: Mapped[str] = mapped_column(Text)  # the YAML as filed
    body: Mapped[dict] = mapped_column(JSON)  # the validated scenario
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(100), default="")


class Drill(TimestampMixin, Base):
    __tablename__ = "drills"

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("drill_scenarios.id", ondelete="RESTRICT"), index=True)
    scenario: Mapped[dict] = mapped_column(JSON)  # the scenario as it was when the drill started
    title: Mapped[str] = mapped_column(String(300))
    enterprise: Mapped[str] = mapped_column(String(200), default="", index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)  # running | paused | finished | aborted
    clock: Mapped[list] = mapped_column(JSON)  # drills.clock.DrillClock segments
    duration_s: Mapped[float] = mapped_column(Float)
    test_group: Mapped[list] = mapped_column(JSON, default=list)  # numbers that may get real messages
    organizer: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None] = mapped_column(default=None)


class DrillInject(Base):
    __tablename__ = "drill_injects"
    __table_args__ = (UniqueConstraint("drill_id", "key", name="uq_drill_injects_drill_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    drill_id: Mapped[int] = mapped_column(ForeignKey("drills.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(20))
    at_s: Mapped[float] = mapped_column(Float)
    fired_at: Mapped[datetime | None] = mapped_column(default=None)
    fired_s: Mapped[float | None] = mapped_column(Float, default=None)
    # What firing it made: the alarm id (sensor, phone, sms), the drill camera (video), an error.
    result: Mapped[dict] = mapped_column(JSON, default=dict)


class DrillTask(Base):
    """One expected action of one role after one inject, with its deadline in drill seconds."""

    __tablename__ = "drill_tasks"
    __table_args__ = (Index("ix_drill_tasks_drill_role", "drill_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    drill_id: Mapped[int] = mapped_column(ForeignKey("drills.id", ondelete="CASCADE"))
    inject_key: Mapped[str] = mapped_column(String(50))
    role: Mapped[str] = mapped_column(String(30))
    action: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300), default="")
    objective: Mapped[str | None] = mapped_column(String(50), default=None)
    spec: Mapped[dict] = mapped_column(JSON, default=dict)  # level, plan, resource the action must match
    due_s: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    done_s: Mapped[float | None] = mapped_column(Float, default=None)
    done_at: Mapped[datetime | None] = mapped_column(default=None)
    done_by: Mapped[str | None] = mapped_column(String(100), default=None)
    how: Mapped[str] = mapped_column(String(10), default="")  # record | seat
    note: Mapped[str] = mapped_column(Text, default="")


class DrillSeat(Base):
    """A user sitting a role in a drill (LAN multi-seat, DRL-3); one running drill per user."""

    __tablename__ = "drill_seats"
    __table_args__ = (UniqueConstraint("drill_id", "username", name="uq_drill_seats_drill_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    drill_id: Mapped[int] = mapped_column(ForeignKey("drills.id", ondelete="CASCADE"), index=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    role: Mapped[str] = mapped_column(String(30))
    joined_at: Mapped[datetime]


class DrillEvent(Base):
    """The drill's own timeline: start, pause, speed, injects, tasks done, notes, end (the replay
    merges it with the incident's timeline and the alarms)."""

    __tablename__ = "drill_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    drill_id: Mapped[int] = mapped_column(ForeignKey("drills.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    drill_s: Mapped[float] = mapped_column(Float)
    kind: Mapped[str] = mapped_column(String(30))
    actor: Mapped[str] = mapped_column(String(100))
    data: Mapped[dict] = mapped_column(JSON, default=dict)


class DrillReport(Base):
    """A version of a drill's evaluation report: drafts as the organiser edits, then final."""

    __tablename__ = "drill_reports"
    __table_args__ = (UniqueConstraint("drill_id", "version", name="uq_drill_reports_drill_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    drill_id: Mapped[int] = mapped_column(ForeignKey("drills.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    lang: Mapped[str] = mapped_column(String(5))
    status: Mapped[str] = mapped_column(String(10))  # draft | final
    draft: Mapped[dict] = mapped_column(JSON)  # drills.report.ReportDraft
    text: Mapped[str] = mapped_column(Text, default="")  # for search
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
