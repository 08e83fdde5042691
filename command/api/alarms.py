"""Alarm intake and verification (ALM-4, CMD-2 接处警). The JSON shape is ``intake.to_json``."""

from __future__ import annotations

from typing import Literal

from fastapi import Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from command.api.cached import cached_json
from command.api.deps import get_db, get_state, require
from command.api.openapi import follow
from command.api.routing import api_router
from command.db.models.users import User
from command.domain.roles import READERS, Role
from command.services import intake
from command.services.auth import AuthError
from command.state import ServiceState
from watchpost.events import AlarmEvent, AlarmSource, EvidenceAttach, Level
from watchpost.fields import Count, Id, Instant, Text

router = api_router(prefix="/api/alarms", tags=["alarms"])

POSTERS = (Role.service, Role.duty_officer, Role.commander, Role.admin, Role.drill_organizer)
VERIFIERS = (Role.duty_officer, Role.commander, Role.admin)


class VerifyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    verdict: Literal["true", "false", "drill"]
    note: Text = Field(default="", max_length=2000)


@router.post("", status_code=201, responses=follow(
    201, "alarm_id", "GET /api/alarms/{alarm_id}", "POST /api/alarms/{alarm_id}/verify") | {
    200: {"description": "a retry (same source and source_event_id) or a repeat merged into an open alarm; "
                         "header X-Alarm-Outcome says which"}})
def post_alarm(event: AlarmEvent, response: Response, db: Session = Depends(get_db),
               user: User = Depends(require(*POSTERS)), state: ServiceState = Depends(get_state)) -> dict:
    """Ingest one alarm from any source. 201 when a new alarm was opened; 200 for a retry (same
    source + source_event_id) or a repeat merged into an open alarm (header X-Alarm-Outcome)."""
    if user.role == Role.drill_organizer and not event.exercise:
        raise AuthError("drill organisers may only post exercise alarms (exercise: true)", 403)
    alarm, created = intake.ingest(db, state, event, user.username)
    if created:
        outcome = "created"
    elif alarm.source_event_id == event.source_event_id and alarm.source == event.source:
        outcome = "duplicate"
    else:
        outcome = "merged"  # or a retry of an earlier merged repeat; either way, no new alarm
    response.status_code = 201 if created else 200
    response.headers["X-Alarm-Outcome"] = outcome
    return intake.to_json(alarm)


@router.post("/evidence")
def attach_evidence(body: EvidenceAttach, db: Session = Depends(get_db), user: User = Depends(require(*POSTERS)),
                    state: ServiceState = Depends(get_state)) -> dict:
    """Attach evidence that became ready after the alarm was posted (the clip, post_s later)."""
    alarm = intake.attach_evidence(db, state, body.source, body.source_event_id,
                                   [e.model_dump(mode="json") for e in body.evidence], user.username)
    return intake.to_json(alarm)


@router.get("")
async def list_alarms(request: Request,
                      status: Literal["new", "verified", "false_alarm", "drill", "closed"] | None = None,
                      type: Text | None = Query(None, max_length=50), level: Level | None = None,
                      source: AlarmSource | None = None, since: Instant | None = None, exercise: bool | None = None,
                      incident_id: Id | None = None,
                      camera_id: Text | None = Query(None, max_length=100, description="one camera's alarms"),
                      until: Instant | None = Query(None, description="occurred at or before (with since: a time range)"),
                      limit: int = Query(100, ge=1, le=1000), offset: Count = 0,
                      db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> list[dict]:
    """Alarms, newest first (``since`` matches the last sighting, ``until`` the first)."""
    return await cached_json(request, db, ("alarms",), lambda: intake.search_json(  # type: ignore[return-value]
        db, status=status, type_=type, level=level, source=source, since=since, exercise=exercise,
        incident_id=incident_id, camera_id=camera_id, until=until, limit=limit, offset=offset))


@router.get("/{alarm_id}")
async def get_alarm(request: Request, alarm_id: Id, db: Session = Depends(get_db),
                    _: User = Depends(require(*READERS, Role.service))) -> dict:
    return await cached_json(request, db, ("alarms",),  # type: ignore[return-value]
                             lambda: intake.to_json(intake.get(db, alarm_id)))


@router.post("/{alarm_id}/verify")
def verify_alarm(alarm_id: Id, body: VerifyBody, db: Session = Depends(get_db),
                 user: User = Depends(require(*VERIFIERS)), state: ServiceState = Depends(get_state)) -> dict:
    """Mark an alarm true / false / drill; the verdict is kept with who and when."""
    alarm = intake.verify(db, state, alarm_id, body.verdict, user.username, body.note)
    db.commit()
    return intake.to_json(alarm)
