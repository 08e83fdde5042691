"""Routes for the duty roster (CMD-1, CMD-7)."""

from __future__ import annotations

from fastapi import Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from command.api.deps import get_db, get_state, require
from command.api.openapi import follow
from command.api.routing import api_router
from command.db.models.users import User
from command.domain.roles import OPERATORS, READERS
from command.services import duty
from command.state import ServiceState
from watchpost.fields import Id, Instant, Text

router = api_router(prefix="/api/duty", tags=["duty"])


class HandoverIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: Text = Field(min_length=1, max_length=4000)


@router.post("/shifts", status_code=201, responses=follow(
    201, "shift_id", "POST /api/duty/shifts/{shift_id}/handover"))
def add_shift(data: duty.ShiftIn, db: Session = Depends(get_db), st: ServiceState = Depends(get_state),
              user: User = Depends(require(*OPERATORS))) -> dict:
    return duty.to_json(duty.add_shift(db, st, user.username, data))


@router.get("/shifts")
def roster(since: Instant, until: Instant, db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> list[dict]:
    return [duty.to_json(s) for s in duty.roster(db, since, until)]


@router.get("/now")
def on_duty_now(role: Text | None = Query(None, max_length=100), at: Instant | None = None, db: Session = Depends(get_db),
                st: ServiceState = Depends(get_state), _: User = Depends(require(*READERS))) -> list[dict]:
    return [duty.to_json(s) for s in duty.on_duty(db, at or st.clock.now(), role)]


@router.post("/shifts/{shift_id}/handover")
def handover(shift_id: Id, data: HandoverIn, db: Session = Depends(get_db), st: ServiceState = Depends(get_state),
             user: User = Depends(require(*OPERATORS))) -> dict:
    return duty.to_json(duty.handover(db, st, user.username, shift_id, data.note))
