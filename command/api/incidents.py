"""Incidents (CMD-2): lifecycle, statutory reports, linked alarms, timeline."""

from __future__ import annotations

from typing import Literal

from fastapi import Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy.orm import Session

from command.api.cached import cached_json
from command.api.deps import get_db, get_state, require
from command.api.openapi import follow
from command.api.routing import api_router
from command.db.models.users import User
from command.domain.incident_fsm import STATES
from command.domain.roles import OPERATORS, READERS, Role
from command.services import incidents as svc
from command.services import intake
from command.services.auth import AuthError
from command.state import ServiceState
from watchpost.events import Level, Location
from watchpost.fields import Count, Id, Text

router = api_router(prefix="/api/incidents", tags=["incidents"])

State = Literal["received", "verified", "reported", "activated", "dispatching", "deployed", "terminated", "closed",
                "false_alarm", "cancelled"]
assert set(State.__args__) == set(STATES)  # type: ignore[attr-defined]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IncidentCreate(Strict):
    alarm_ids: list[Id] = Field(default_factory=list, max_length=500)
    type: str | None = Field(default=None, min_length=1, max_length=50, pattern=r"^[a-z0-9_]+$")
    title: Text | None = Field(default=None, max_length=300)
    level: Level | None = None
    location: Location | None = None
    exercise: bool | None = None

    @model_validator(mode="after")
    def _need_type_or_alarms(self) -> "IncidentCreate":
        if not self.alarm_ids and not self.type:
            raise ValueError("type: required for a manual incident (or give alarm_ids)")
        return self


class TransitionBody(Strict):
    to: State
    note: Text = Field(default="", max_length=4000)
    response_level: Literal["I", "II", "III", "IV"] | None = None


class ReportBody(Strict):
    kind: Literal["initial", "followup"]
    body: Text = Field(min_length=1, max_length=20000)
    to_authority: Text = Field(default="", max_length=200)


class LinkBody(Strict):
    alarm_ids: list[Id] = Field(min_length=1, max_length=500)


def _detail(db: Session, i) -> dict:  # noqa: ANN001
    return svc.to_json(db, i) | {
        "alarms": [intake.to_json(a) for a in intake.search(db, incident_id=i.id, limit=1000)],
        "timeline": svc.timeline(db, i.id), "reports": svc.reports(db, i.id),
    }


@router.post("", status_code=201, responses=follow(
    201, "incident_id", "GET /api/incidents/{incident_id}", "GET /api/incidents/{incident_id}/timeline",
    "POST /api/incidents/{incident_id}/transitions", "POST /api/incidents/{incident_id}/reports",
    "GET /api/incidents/{incident_id}/plan-matches", "GET /api/incidents/{incident_id}/nearest-resources",
    "POST /api/incidents/{incident_id}/dispatches", "GET /api/incidents/{incident_id}/tasks",
    "POST /api/comms/incidents/{incident_id}/notify", "GET /api/incidents/{incident_id}/reports/{kind}"))
def create(body: IncidentCreate, db: Session = Depends(get_db),
           user: User = Depends(require(*OPERATORS, Role.drill_organizer)),
           state: ServiceState = Depends(get_state)) -> dict:
    """Open an incident from alarm ids, or by hand with type/title/location/level."""
    i = svc.create(db, state, user.username, alarm_ids=body.alarm_ids, type_=body.type, title=body.title,
                   level=body.level, location=body.location.model_dump() if body.location else None,
                   exercise=body.exercise)
    if user.role == Role.drill_organizer and not i.exercise:
        raise AuthError("drill organisers may only open exercise incidents", 403)
    db.commit()
    return _detail(db, i)


@router.get("")
async def list_incidents(request: Request, status: State | None = None,
                         type: Text | None = Query(None, max_length=50), exercise: bool | None = None,
                         limit: int = Query(100, ge=1, le=1000), offset: Count = 0,
                         db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> list[dict]:
    return await cached_json(request, db, ("incidents", "alarms"), lambda: [  # type: ignore[return-value]
        svc.to_json(db, i) for i in svc.search(db, status=status, type_=type, exercise=exercise, limit=limit,
                                               offset=offset)])


@router.get("/{incident_id}")
def get_incident(incident_id: Id, db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> dict:
    return _detail(db, svc.get(db, incident_id))


@router.get("/{incident_id}/timeline")
async def get_timeline(request: Request, incident_id: Id, db: Session = Depends(get_db),
                       _: User = Depends(require(*READERS))) -> list[dict]:
    def read() -> list[dict]:
        svc.get(db, incident_id)
        return svc.timeline(db, incident_id)

    return await cached_json(request, db, ("incidents", "incident_timeline"), read)  # type: ignore[return-value]


@router.post("/{incident_id}/transitions")
def post_transition(incident_id: Id, body: TransitionBody, db: Session = Depends(get_db),
                    user: User = Depends(require(*OPERATORS)), state: ServiceState = Depends(get_state)) -> dict:
    """Move the incident; 409 with the reason when the move is illegal from its current state."""
    i = svc.transition(db, state, incident_id, body.to, user.username, body.note, response_level=body.response_level)
    db.commit()
    return _detail(db, i)


@router.post("/{incident_id}/reports", status_code=201)
def post_report(incident_id: Id, body: ReportBody, db: Session = Depends(get_db),
                user: User = Depends(require(*OPERATORS)), state: ServiceState = Depends(get_state)) -> dict:
    """File the initial report (上报) or a follow-up (续报) to the authority."""
    svc.add_report(db, state, incident_id, body.kind, body.body, body.to_authority, user.username)
    db.commit()
    return _detail(db, svc.get(db, incident_id))


@router.post("/{incident_id}/alarms")
def post_link(incident_id: Id, body: LinkBody, db: Session = Depends(get_db),
              user: User = Depends(require(*OPERATORS)), state: ServiceState = Depends(get_state)) -> dict:
    i = svc.link_alarms(db, state, incident_id, body.alarm_ids, user.username)
    db.commit()
    return _detail(db, i)
