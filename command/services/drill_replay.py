"""Debrief replay (推演复盘, DRL-2): a drill's whole timeline in one list, in the order it
happened — injects, alarms with their snapshots and clips, verdicts, incident transitions and
reports, plan activations, notifications, dispatches, each task done, pauses and speed changes —
each stamped with its wall time and drill second, for the console to step through."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from command.db.models.drills import DrillEvent, DrillInject
from command.db.models.duty import ResourceDispatch
from command.db.models.incidents import TimelineEntry
from command.db.models.plans import PlanActivation
from command.services import drill_facts, drills
from command.state import ServiceState
from comms.models import Campaign


def timeline(db: Session, state: ServiceState, drill_id: int) -> list[dict[str, Any]]:
    d = drills.get(db, drill_id)
    clock = drills.clock_of(d)
    out: list[dict[str, Any]] = []

    def add(at, kind: str, actor: str, title: str, data: dict[str, Any]) -> None:  # noqa: ANN001
        out.append({"at": at.isoformat(), "drill_s": round(clock.drill_s(at), 1), "kind": kind, "actor": actor or "",
                    "title": title, "data": data})

    for e in db.execute(select(DrillEvent).where(DrillEvent.drill_id == d.id).order_by(DrillEvent.id)).scalars():
        title = e.data.get("title") or e.kind
        add(e.at, f"drill.{e.kind}", e.actor, title, e.data)
    alarm_ids: list[int] = []
    incident_ids: set[int] = set()
    for row in db.execute(select(DrillInject).where(DrillInject.drill_id == d.id)).scalars():
        for a in drill_facts.alarms_of(db, d.id, row):
            alarm_ids.append(a.id)
            add(a.created_at, "alarm", a.created_by, a.title, {
                "alarm_id": a.id, "type": a.type, "level": a.level, "camera_id": a.camera_id, "inject": row.key,
                "evidence": [{"kind": x.get("kind"), "uri": x.get("uri")} for x in a.evidence or []]})
            if a.verified_at is not None:
                add(a.verified_at, "alarm.verified", a.verified_by or "", f"{a.verdict}: {a.title}",
                    {"alarm_id": a.id, "verdict": a.verdict, "note": a.verify_note})
            if a.incident_id is not None:
                incident_ids.add(a.incident_id)
    if incident_ids:
        for t in db.execute(select(TimelineEntry).where(TimelineEntry.incident_id.in_(incident_ids))
                            .order_by(TimelineEntry.id)).scalars():
            add(t.at, f"incident.{t.kind}", t.actor, t.note or (t.to_status or t.kind),
                {"incident_id": t.incident_id, "from_status": t.from_status, "to_status": t.to_status})
        for a in db.execute(select(PlanActivation).where(PlanActivation.incident_id.in_(incident_ids))).scalars():
            add(a.at, "plan.activated", a.actor, f"plan {a.plan_id} level {a.response_level}",
                {"plan_id": a.plan_id, "incident_id": a.incident_id, "response_level": a.response_level})
        for r in db.execute(select(ResourceDispatch).where(ResourceDispatch.incident_id.in_(incident_ids))).scalars():
            add(r.created_at, "dispatch", r.actor, f"resource {r.resource_id} × {r.quantity:g}",
                {"dispatch_id": r.id, "resource_id": r.resource_id, "incident_id": r.incident_id})
    if alarm_ids or incident_ids:
        camps = select(Campaign).where(Campaign.alarm_id.in_(alarm_ids) | Campaign.incident_id.in_(incident_ids))
        for c in db.execute(camps).scalars():
            add(c.created_at, "notification", c.created_by, c.title, {"campaign_id": c.id, "exercise": c.exercise})
    for t in drills.tasks(db, d.id):
        if t.done_at is not None and t.how == "record":  # a seat's own "done" is already a drill event
            add(t.done_at, "task.done", t.done_by or "", t.title, {"task_id": t.id, "role": t.role, "status": t.status})
    out.sort(key=lambda e: (e["at"], e["kind"]))
    return out
