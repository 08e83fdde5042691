"""Duty roster (值班管理, CMD-1): shifts, handover notes, who is on duty now.

``on_duty(db, at, role=None)`` is the contract other modules (notification policies, plan
activation) use to find the people holding a role at a moment.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from command.db.models.duty import DutyShift
from command.errors import Conflict, Invalid, NotFound
from command.services import audit
from watchpost.fields import AwareInstant, Text


class ShiftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Text = Field(min_length=1, max_length=100)
    person: Text = Field(min_length=1, max_length=100)
    phone: Text = Field(default="", max_length=50)
    starts_at: AwareInstant
    ends_at: AwareInstant

    @model_validator(mode="after")
    def _order(self) -> "ShiftIn":
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


def to_json(s: DutyShift) -> dict:
    return {"id": s.id, "role": s.role, "person": s.person, "phone": s.phone, "starts_at": s.starts_at.isoformat(),
            "ends_at": s.ends_at.isoformat(), "handover_note": s.handover_note,
            "handed_over_at": s.handed_over_at.isoformat() if s.handed_over_at else None}


def on_duty(db: Session, at: datetime, role: str | None = None) -> list[DutyShift]:
    """Shifts covering ``at`` (start inclusive, end exclusive), optionally for one role."""
    q = select(DutyShift).where(DutyShift.starts_at <= at, DutyShift.ends_at > at)
    if role is not None:
        q = q.where(DutyShift.role == role)
    return list(db.execute(q.order_by(DutyShift.role, DutyShift.starts_at, DutyShift.id)).scalars())


def add_shift(db: Session, state: Any, actor: str, data: ShiftIn) -> DutyShift:
    clash = db.execute(select(DutyShift).where(DutyShift.person == data.person, DutyShift.role == data.role,
                                               DutyShift.starts_at < data.ends_at,
                                               DutyShift.ends_at > data.starts_at)).scalars().first()
    if clash:
        raise Conflict(f"{data.person} already holds {data.role} in shift {clash.id} overlapping this one")
    s = DutyShift(**data.model_dump(), created_by=actor)
    db.add(s)
    db.flush()
    audit.record(db, actor, "duty.add", "duty_shift", s.id, after=to_json(s), clock=state.clock)
    db.commit()
    return s


def roster(db: Session, start: datetime, end: datetime) -> list[DutyShift]:
    if end <= start:
        raise Invalid("until must be after since")
    return list(db.execute(select(DutyShift).where(DutyShift.starts_at < end, DutyShift.ends_at > start)
                           .order_by(DutyShift.starts_at, DutyShift.role)).scalars())


def handover(db: Session, state: Any, actor: str, shift_id: int, note: str) -> DutyShift:
    s = db.get(DutyShift, shift_id)
    if s is None:
        raise NotFound(f"shift {shift_id} not found")
    if not note.strip():
        raise Invalid("note: a handover note is required")
    before = to_json(s)
    s.handover_note = note
    s.handed_over_at = state.clock.now()
    audit.record(db, actor, "duty.handover", "duty_shift", s.id, before=before, after=to_json(s), clock=state.clock)
    db.commit()
    return s
