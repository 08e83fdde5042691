"""Dispatch records (CMD-1, CMD-3, CMD-7): vehicle trips, resources sent to an incident with
their field status, personnel positions from the park's location system."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from command.db.models.duty import PersonnelPosition, ResourceDispatch, VehicleDispatch
from command.db.models.resources import Resource
from command.errors import Conflict, Invalid, NotFound
from command.db.models.incidents import Incident
from command.services import audit
from command.services.refs import must_exist
from watchpost.fields import Id, Instant, Text

DISPATCH_FLOW = {"ordered": {"en_route", "cancelled"}, "en_route": {"on_scene", "cancelled"},
                 "on_scene": {"returned"}, "returned": set(), "cancelled": set()}


class VehicleTripIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    vehicle: Text = Field(min_length=1, max_length=100)
    resource_id: Id | None = None
    driver: Text = Field(min_length=1, max_length=100)
    incident_id: Id | None = None
    origin: Text = Field(min_length=1, max_length=200)
    destination: Text = Field(min_length=1, max_length=200)
    purpose: Text = Field(default="", max_length=4000)
    departed_at: Instant | None = None


class PositionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    person_id: Text = Field(min_length=1, max_length=100)
    name: Text = Field(default="", max_length=100)
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    floor: Text = Field(default="", max_length=20)
    at: Instant


def trip_json(v: VehicleDispatch) -> dict:
    iso = lambda t: t.isoformat() if t else None  # noqa: E731
    return {"id": v.id, "vehicle": v.vehicle, "resource_id": v.resource_id, "driver": v.driver,
            "incident_id": v.incident_id, "origin": v.origin, "destination": v.destination, "purpose": v.purpose,
            "departed_at": iso(v.departed_at), "arrived_at": iso(v.arrived_at), "returned_at": iso(v.returned_at),
            "recorded_by": v.recorded_by}


def record_trip(db: Session, state: Any, actor: str, data: VehicleTripIn) -> VehicleDispatch:
    must_exist(db, Resource, data.resource_id, "resource_id")
    must_exist(db, Incident, data.incident_id, "incident_id")
    v = VehicleDispatch(**data.model_dump(exclude={"departed_at"}), departed_at=data.departed_at or state.clock.now(),
                        recorded_by=actor)
    db.add(v)
    db.flush()
    audit.record(db, actor, "vehicle.depart", "vehicle_dispatch", v.id, after=trip_json(v), clock=state.clock)
    db.commit()
    return v


def trip_event(db: Session, state: Any, actor: str, trip_id: int, event: Literal["arrived", "returned"],
               at: datetime | None = None) -> VehicleDispatch:
    v = db.get(VehicleDispatch, trip_id)
    if v is None:
        raise NotFound(f"vehicle trip {trip_id} not found")
    at = at or state.clock.now()
    before = trip_json(v)
    if event == "arrived":
        if v.arrived_at:
            raise Conflict(f"trip {trip_id} already arrived")
        v.arrived_at = at
    else:
        if v.returned_at:
            raise Conflict(f"trip {trip_id} already returned")
        v.returned_at = at
    if at < v.departed_at:
        raise Invalid(f"{event} time is before departure")
    audit.record(db, actor, f"vehicle.{event}", "vehicle_dispatch", v.id, before=before, after=trip_json(v), clock=state.clock)
    db.commit()
    return v


def trips(db: Session, incident_id: int | None = None, limit: int = 200) -> list[VehicleDispatch]:
    q = select(VehicleDispatch)
    if incident_id is not None:
        q = q.where(VehicleDispatch.incident_id == incident_id)
    return list(db.execute(q.order_by(VehicleDispatch.departed_at.desc()).limit(limit)).scalars())


def dispatch_json(d: ResourceDispatch) -> dict:
    return {"id": d.id, "incident_id": d.incident_id, "resource_id": d.resource_id, "task_id": d.task_id,
            "quantity": d.quantity, "status": d.status, "note": d.note, "history": d.history,
            "created_at": d.created_at.isoformat(), "updated_at": d.updated_at.isoformat(), "actor": d.actor}


def send(db: Session, state: Any, actor: str, incident_id: int, resource_id: int, quantity: float,
         task_id: int | None = None, note: str = "") -> ResourceDispatch:
    """Create a resource dispatch task; caller commits (activation and feedback call this too)."""
    if db.get(Resource, resource_id) is None:
        raise NotFound(f"resource {resource_id} not found")
    now = state.clock.now()
    d = ResourceDispatch(incident_id=incident_id, resource_id=resource_id, task_id=task_id, quantity=quantity,
                         status="ordered", note=note, created_at=now, updated_at=now, actor=actor,
                         history=[{"at": now.isoformat(), "status": "ordered", "actor": actor, "note": note}])
    db.add(d)
    db.flush()
    audit.record(db, actor, "dispatch.create", "resource_dispatch", d.id, after=dispatch_json(d), clock=state.clock)
    state.push.record(db, "task", "dispatch", dispatch_json(d))
    return d


def field_status(db: Session, state: Any, actor: str, dispatch_id: int, status: str, note: str = "") -> ResourceDispatch:
    d = db.get(ResourceDispatch, dispatch_id)
    if d is None:
        raise NotFound(f"dispatch {dispatch_id} not found")
    if status not in DISPATCH_FLOW:
        raise Invalid(f"status: one of {', '.join(DISPATCH_FLOW)}")
    if status not in DISPATCH_FLOW[d.status]:
        raise Conflict(f"dispatch {dispatch_id} is {d.status}; next may be {', '.join(sorted(DISPATCH_FLOW[d.status])) or 'nothing'}")
    before = dispatch_json(d)
    now = state.clock.now()
    d.status = status
    d.note = note or d.note
    d.updated_at = now
    d.history = [*d.history, {"at": now.isoformat(), "status": status, "actor": actor, "note": note}]
    if status in ("returned", "cancelled"):
        from command.db.models.resources import Reservation

        for rv in db.execute(select(Reservation).where(Reservation.incident_id == d.incident_id,
                                                       Reservation.resource_id == d.resource_id,
                                                       Reservation.status == "active")).scalars():
            rv.status = "released"
    audit.record(db, actor, "dispatch.status", "resource_dispatch", d.id, before=before, after=dispatch_json(d),
                 clock=state.clock)
    state.push.record(db, "task", "dispatch", dispatch_json(d))
    db.commit()
    return d


def dispatches(db: Session, incident_id: int) -> list[ResourceDispatch]:
    return list(db.execute(select(ResourceDispatch).where(ResourceDispatch.incident_id == incident_id)
                           .order_by(ResourceDispatch.id)).scalars())


def ingest_positions(db: Session, state: Any, actor: str, positions: list[PositionIn]) -> int:
    """Upsert the latest position per person; older reports than what we hold are ignored."""
    if not positions:
        return 0
    ids = [p.person_id for p in positions]
    held = {p.person_id: p for p in db.execute(select(PersonnelPosition).where(PersonnelPosition.person_id.in_(ids))).scalars()}
    n = 0
    for p in positions:
        row = held.get(p.person_id)
        if row is None:
            row = PersonnelPosition(person_id=p.person_id, name=p.name, lon=p.lon, lat=p.lat, floor=p.floor, at=p.at,
                                    source=actor)
            db.add(row)
            held[p.person_id] = row
        elif p.at >= row.at:
            row.name, row.lon, row.lat, row.floor, row.at, row.source = p.name or row.name, p.lon, p.lat, p.floor, p.at, actor
        else:
            continue
        n += 1
    audit.record(db, actor, "positions.ingest", "personnel_positions", None, after={"count": n}, clock=state.clock)
    db.commit()
    return n


def positions(db: Session, since: datetime | None = None) -> list[dict]:
    q = select(PersonnelPosition)
    if since:
        q = q.where(PersonnelPosition.at >= since)
    return [{"person_id": p.person_id, "name": p.name, "lon": p.lon, "lat": p.lat, "floor": p.floor,
             "at": p.at.isoformat(), "source": p.source} for p in db.execute(q.order_by(PersonnelPosition.person_id)).scalars()]
