"""Routes for vehicle trips, resource dispatch with field status, personnel positions and
the one-click incident reports (CMD-1, CMD-3, CMD-5, CMD-6, CMD-7)."""

from __future__ import annotations

from typing import Literal

from fastapi import Depends
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from command.api.deps import get_db, get_state, require
from command.api.openapi import file_answer, follow
from command.api.routing import api_router
from command.db.models.users import User
from command.domain.roles import OPERATORS, READERS, Role
from command.services import dispatch, reports
from command.services.dispatch import DISPATCH_FLOW
from command.state import ServiceState
from watchpost.fields import QUANTITY_MAX, Id, Instant, Real, Text

router = api_router(prefix="/api", tags=["dispatch"])
DispatchStatus = Literal[tuple(DISPATCH_FLOW)]  # type: ignore[valid-type]


class TripEventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: Instant | None = None


class DispatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    resource_id: Id
    quantity: Real = Field(default=1, gt=0, le=QUANTITY_MAX)
    note: Text = Field(default="", max_length=4000)


class FieldStatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: DispatchStatus
    note: Text = Field(default="", max_length=4000)


class PositionsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    positions: list[dispatch.PositionIn] = Field(max_length=10_000)


@router.post("/dispatch/vehicles", status_code=201, responses=follow(
    201, "trip_id", "POST /api/dispatch/vehicles/{trip_id}/{event}"))
def depart(data: dispatch.VehicleTripIn, db: Session = Depends(get_db), st: ServiceState = Depends(get_state),
           user: User = Depends(require(*OPERATORS))) -> dict:
    return dispatch.trip_json(dispatch.record_trip(db, st, user.username, data))


@router.get("/dispatch/vehicles")
def list_trips(incident_id: Id | None = None, db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> list[dict]:
    return [dispatch.trip_json(v) for v in dispatch.trips(db, incident_id)]


@router.post("/dispatch/vehicles/{trip_id}/{event}")
def trip_event(trip_id: Id, event: Literal["arrived", "returned"], data: TripEventIn | None = None,
               db: Session = Depends(get_db), st: ServiceState = Depends(get_state),
               user: User = Depends(require(*OPERATORS))) -> dict:
    return dispatch.trip_json(dispatch.trip_event(db, st, user.username, trip_id, event, data.at if data else None))


@router.post("/incidents/{incident_id}/dispatches", status_code=201, responses=follow(
    201, "dispatch_id", "POST /api/dispatches/{dispatch_id}/status"))
def send_resource(incident_id: Id, data: DispatchIn, db: Session = Depends(get_db), st: ServiceState = Depends(get_state),
                  user: User = Depends(require(*OPERATORS))) -> dict:
    from command.services import incidents

    incidents.get(db, incident_id)
    d = dispatch.send(db, st, user.username, incident_id, data.resource_id, data.quantity, note=data.note)
    db.commit()
    return dispatch.dispatch_json(d)


@router.get("/incidents/{incident_id}/dispatches")
def list_dispatches(incident_id: Id, db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> list[dict]:
    return [dispatch.dispatch_json(d) for d in dispatch.dispatches(db, incident_id)]


@router.post("/dispatches/{dispatch_id}/status")
def dispatch_status(dispatch_id: Id, data: FieldStatusIn, db: Session = Depends(get_db),
                    st: ServiceState = Depends(get_state), user: User = Depends(require(*OPERATORS))) -> dict:
    return dispatch.dispatch_json(dispatch.field_status(db, st, user.username, dispatch_id, data.status, data.note))


@router.post("/positions")
def ingest_positions(data: PositionsIn, db: Session = Depends(get_db), st: ServiceState = Depends(get_state),
                     user: User = Depends(require(Role.service, Role.admin))) -> dict:
    """Inbound from the park's personnel-location system (service account)."""
    return {"accepted": dispatch.ingest_positions(db, st, user.username, data.positions)}


@router.get("/positions")
def list_positions(since: Instant | None = None, db: Session = Depends(get_db),
                   _: User = Depends(require(*READERS))) -> list[dict]:
    return dispatch.positions(db, since)


@router.get("/incidents/{incident_id}/reports/{kind}", responses=file_answer(
    "application/pdf", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"))
def incident_report(incident_id: Id, kind: reports.Kind, format: reports.Format = "pdf", db: Session = Depends(get_db),
                    st: ServiceState = Depends(get_state), _: User = Depends(require(*READERS))) -> Response:
    """A read: generated from the current records each time (GET sessions never write)."""
    data, media, name = reports.generate(db, st, incident_id, kind, format)
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})
