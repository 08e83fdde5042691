"""Routes for the duty roster (CMD-1, CMD-7)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from command.api.deps import get_db, get_state, require
from command.db.models.users import User
from command.domain.roles import OPERATORS, READERS
from command.services import duty
from command.state import ServiceState

router = APIRouter(prefix="/api/duty", tags=["duty"])


class HandoverIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str


@router.post("/shifts", status_code=201)
def add_shift(data: duty.ShiftIn, db: Session = Depends(get_db), st: ServiceState = Depends(get_state),
              user: User = Depends(require(*OPERATORS))) -> dict:
    return duty.to_json(duty.add_shift(db, st, user.username, data))


@router.get("/shifts")
def roster(since: datetime, until: datetime, db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> list[dict]:
    return [duty.to_json(s) for s in duty.roster(db, since, until)]


@router.get("/now")
def on_duty_now(role: str | None = None, at: datetime | None = None, db: Session = Depends(get_db),
                st: ServiceState = Depends(get_state), _: User = Depends(require(*READERS))) -> list[dict]:
    return [duty.to_json(s) for s in duty.on_duty(db, at or st.clock.now(), role)]


@router.post("/shifts/{shift_id}/handover")
def handover(shift_id: int, data: HandoverIn, db: Session = Depends(get_db), st: ServiceState = Depends(get_state),
             user: User = Depends(require(*OPERATORS))) -> dict:
    return duty.to_json(duty.handover(db, st, user.username, shift_id, data.note))
