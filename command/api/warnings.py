"""Four-level warnings, their closed loop and metrics (ALM-1..3)."""

from __future__ import annotations

from typing import Literal

from fastapi import Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from command.api.cached import cached_json
from command.api.deps import get_db, get_state, require
from command.api.routing import api_router
from command.db.models.users import User
from command.domain.roles import OPERATORS, READERS
from command.services import warnings as svc
from command.state import ServiceState
from watchpost.events import Level
from watchpost.fields import Count, Id, Instant, Text

router = api_router(prefix="/api/warnings", tags=["warnings"])


class NoteBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: Text = Field(default="", max_length=4000)


class FeedbackBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: Text = Field(min_length=1, max_length=4000)


@router.get("/metrics")
def metrics(period_start: Instant | None = None, period_end: Instant | None = None, level: Level | None = None,
            exercise: bool | None = False, db: Session = Depends(get_db), _: User = Depends(require(*READERS)),
            state: ServiceState = Depends(get_state)) -> dict:
    """Per level: raised, pushed, verified, fed_back, overdue, closed, closed_loop_rate (%).
    Warnings count in the period they were raised in; by default real warnings only
    (exercise=false); pass exercise=true for a drill's warnings."""
    return svc.metrics(db, state.clock.now(), period_start, period_end, level, exercise)


@router.get("")
async def list_warnings(request: Request,
                        stage: Literal["raised", "pushed", "verified", "fed_back", "closed"] | None = None,
                        level: Level | None = None, alarm_id: Id | None = None, incident_id: Id | None = None,
                        overdue: bool | None = None, exercise: bool | None = None,
                        limit: int = Query(100, ge=1, le=1000), offset: Count = 0,
                        db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> list[dict]:
    # orjson writes datetimes as isoformat() does, without FastAPI's generic encoder pass (issue #23).
    return await cached_json(request, db, ("warnings",), lambda: [  # type: ignore[return-value]
        svc.to_json(w) for w in svc.search(db, stage=stage, level=level, alarm_id=alarm_id, incident_id=incident_id,
                                           overdue=overdue, exercise=exercise, limit=limit, offset=offset)])


def _detail(db: Session, w) -> dict:  # noqa: ANN001
    return svc.to_json(w) | {"history": svc.history(db, w.id), "escalations": svc.escalations(db, w.id)}


@router.get("/{warning_id}")
def get_warning(warning_id: Id, db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> dict:
    return _detail(db, svc.get(db, warning_id))


@router.post("/{warning_id}/verify")
def verify(warning_id: Id, body: NoteBody, db: Session = Depends(get_db), user: User = Depends(require(*OPERATORS)),
           state: ServiceState = Depends(get_state)) -> dict:
    """核查: confirm the warning was checked."""
    w = svc.verify(db, state, warning_id, user.username, body.note)
    db.commit()
    return _detail(db, w)


@router.post("/{warning_id}/feedback")
def feedback(warning_id: Id, body: FeedbackBody, db: Session = Depends(get_db),
             user: User = Depends(require(*OPERATORS)), state: ServiceState = Depends(get_state)) -> dict:
    """反馈: what was found and done."""
    w = svc.feedback(db, state, warning_id, user.username, body.text)
    db.commit()
    return _detail(db, w)


@router.post("/{warning_id}/close")
def close(warning_id: Id, body: NoteBody, db: Session = Depends(get_db), user: User = Depends(require(*OPERATORS)),
          state: ServiceState = Depends(get_state)) -> dict:
    w = svc.close(db, state, warning_id, user.username, body.note)
    db.commit()
    return _detail(db, w)
