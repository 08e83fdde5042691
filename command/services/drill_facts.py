"""What the live system's records say about the response to one drill inject: the alarms it
raised and when each step after them happened (verification, incident, plan activation,
notification, dispatch, first report). Both the seats' task list and the evaluation report read
these, so a task marked done and a number in the report always come from the same record."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from command.db.models.alarms import Alarm
from command.db.models.drills import DrillInject
from command.db.models.duty import ResourceDispatch, VehicleDispatch
from command.db.models.incidents import Incident
from command.db.models.plans import PlanActivation
from comms.models import Campaign, OutboxRecord


@dataclass
class Step:
    at: datetime
    by: str = ""
    detail: dict = field(default_factory=dict)


@dataclass
class Response:
    alarm_ids: list[int] = field(default_factory=list)
    incident_ids: list[int] = field(default_factory=list)
    first_alarm: Alarm | None = None
    steps: dict[str, Step] = field(default_factory=dict)  # milestone -> the first time it happened


def drill_camera(play_as: str, drill_id: int, inject_key: str) -> str:
    """The id the worker gives a drill clip playing in the place of camera ``play_as``."""
    return f"{play_as}.drill{drill_id}.{inject_key}"


def alarms_of(db: Session, drill_id: int, inject: DrillInject) -> list[Alarm]:
    """The exercise alarms an inject raised: the ones the drill posted itself, or, for a clip,
    what the vision worker raised on it."""
    ids = inject.result.get("alarm_ids") or []
    q = select(Alarm).where(Alarm.exercise.is_(True))
    if inject.kind == "video":
        cam = inject.result.get("camera")
        if not cam:
            return []
        q = q.where(Alarm.camera_id == cam)
    elif ids:
        q = q.where(Alarm.id.in_(ids))
    else:
        return []
    return list(db.execute(q.order_by(Alarm.occurred_at, Alarm.id)).scalars())


def _first(rows: list[tuple]) -> Step | None:
    rows = [r for r in rows if r[0] is not None]
    if not rows:
        return None
    at, by, *rest = min(rows, key=lambda r: r[0])
    return Step(at, by or "", rest[0] if rest else {})


def response(db: Session, drill_id: int, inject: DrillInject, level: str | None = None,
             plan_id: int | None = None, resource_id: int | None = None) -> Response:
    """The response to ``inject`` as recorded. ``level`` / ``plan_id`` narrow plan activation to
    the one a task expects (a level I activation also answers a level II expectation: it is
    the stronger response); ``resource_id`` narrows dispatch to that resource."""
    out = Response()
    alarms = alarms_of(db, drill_id, inject)
    if not alarms:
        return out
    out.alarm_ids = [a.id for a in alarms]
    out.first_alarm = alarms[0]
    out.steps["alarm"] = Step(alarms[0].created_at, alarms[0].created_by, {"alarm_id": alarms[0].id})
    if v := _first([(a.verified_at, a.verified_by, {"alarm_id": a.id, "verdict": a.verdict}) for a in alarms]):
        out.steps["verified"] = v
    out.incident_ids = sorted({a.incident_id for a in alarms if a.incident_id is not None})
    if not out.incident_ids:
        return out
    incidents = list(db.execute(select(Incident).where(Incident.id.in_(out.incident_ids))).scalars())
    if s := _first([(i.received_at, i.created_by, {"incident_id": i.id}) for i in incidents]):
        out.steps["incident"] = s
    acts = db.execute(select(PlanActivation).where(PlanActivation.incident_id.in_(out.incident_ids))).scalars()
    order = "I II III IV".split()
    wanted = [a for a in acts if (plan_id is None or a.plan_id == plan_id)
              and (level is None or order.index(a.response_level) <= order.index(level))]
    if s := _first([(a.at, a.actor, {"plan_id": a.plan_id, "response_level": a.response_level}) for a in wanted]):
        out.steps["activated"] = s
    camps = db.execute(select(Campaign.created_at, Campaign.created_by, Campaign.id).where(
        or_(Campaign.incident_id.in_(out.incident_ids), Campaign.alarm_id.in_(out.alarm_ids)))).all()
    if s := _first([(c[0], c[1], {"campaign_id": c[2]}) for c in camps]):
        out.steps["notified"] = s
    sent_q = select(ResourceDispatch.created_at, ResourceDispatch.actor, ResourceDispatch.id).where(
        ResourceDispatch.incident_id.in_(out.incident_ids))
    trips_q = select(VehicleDispatch.departed_at, VehicleDispatch.recorded_by, VehicleDispatch.id).where(
        VehicleDispatch.incident_id.in_(out.incident_ids))
    if resource_id is not None:
        sent_q = sent_q.where(ResourceDispatch.resource_id == resource_id)
        trips_q = trips_q.where(VehicleDispatch.resource_id == resource_id)
    sent, trips = db.execute(sent_q).all(), db.execute(trips_q).all()
    if s := _first([(r[0], r[1], {"dispatch_id": r[2]}) for r in sent] + [(r[0], r[1], {"trip_id": r[2]}) for r in trips]):
        out.steps["dispatched"] = s
    if s := _first([(i.first_reported_at, "", {"incident_id": i.id}) for i in incidents]):
        out.steps["reported"] = s
    return out


def deliveries(db: Session, alarm_ids: list[int], incident_ids: list[int]) -> dict[str, int]:
    """The drill's messages by status: those about its alarms, their warnings, or its incidents."""
    if not alarm_ids and not incident_ids:
        return {}
    warning_ids = [w for w in db.execute(select(Alarm.warning_id).where(Alarm.id.in_(alarm_ids))).scalars() if w]
    rows = db.execute(select(OutboxRecord.status, func.count()).where(
        OutboxRecord.exercise.is_(True),
        or_(OutboxRecord.alarm_id.in_(alarm_ids), OutboxRecord.incident_id.in_(incident_ids),
            OutboxRecord.warning_id.in_(warning_ids))).group_by(OutboxRecord.status)).all()
    return {status: n for status, n in rows}


# Which milestone answers which expected action.
ACTION_STEP = {"verify_alarm": "verified", "open_incident": "incident", "activate_plan": "activated",
               "notify": "notified", "dispatch": "dispatched", "first_report": "reported"}
