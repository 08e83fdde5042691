"""Incident lifecycle (CMD-2): create from alarms, transitions, statutory reports, timeline.

Functions flush in the caller's transaction; the caller commits (the API does, and the plans
work calls ``transition`` inside its own unit of work).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from command.db.models.alarms import Alarm
from command.db.models.incidents import Incident, IncidentReport, TimelineEntry
from command.db.models.scheduler import ScheduledJob
from command.domain import incident_fsm, report_clock
from command.errors import Conflict, Invalid, NotFound
from command.services import audit, warnings
from command.services.intake import to_json as alarm_json
from command.services.scheduler import handles, schedule
from command.services.warnings import actor_name
from command.state import ServiceState

LEVEL_RANK = {"red": 0, "orange": 1, "yellow": 2, "blue": 3}


def _iso(v: datetime | None) -> str | None:
    return v.isoformat() if v is not None else None


def alarm_ids(db: Session, incident_id: int) -> list[int]:
    return list(db.execute(select(Alarm.id).where(Alarm.incident_id == incident_id).order_by(Alarm.id)).scalars())


def to_json(db: Session, i: Incident) -> dict:
    return {
        "id": i.id, "title": i.title, "type": i.type, "status": i.status, "level": i.level,
        "response_level": i.response_level,
        "location": {"name": i.location_name, "site": i.site, "lon": i.lon, "lat": i.lat},
        "created_at": _iso(i.created_at), "updated_at": _iso(i.updated_at), "exercise": i.exercise,
        "alarm_ids": alarm_ids(db, i.id), "received_at": _iso(i.received_at),
        "report_due_at": _iso(i.report_due_at), "first_reported_at": _iso(i.first_reported_at),
        "last_report_at": _iso(i.last_report_at), "next_followup_due_at": _iso(i.next_followup_due_at),
        "created_by": i.created_by,
    }


def timeline(db: Session, incident_id: int) -> list[dict]:
    rows = db.execute(select(TimelineEntry).where(TimelineEntry.incident_id == incident_id)
                      .order_by(TimelineEntry.at, TimelineEntry.id)).scalars()
    return [{"id": t.id, "at": _iso(t.at), "actor": t.actor, "kind": t.kind, "from": t.from_status,
             "to": t.to_status, "note": t.note, "data": t.data} for t in rows]


def reports(db: Session, incident_id: int) -> list[dict]:
    rows = db.execute(select(IncidentReport).where(IncidentReport.incident_id == incident_id)
                      .order_by(IncidentReport.id)).scalars()
    return [{"id": r.id, "kind": r.kind, "body": r.body, "to_authority": r.to_authority, "at": _iso(r.at),
             "actor": r.actor, "due_at": _iso(r.due_at), "late": r.late} for r in rows]


def get(db: Session, incident_id: int, lock: bool = False) -> Incident:
    q = select(Incident).where(Incident.id == incident_id)
    i = db.execute(q.with_for_update() if lock else q).scalar_one_or_none()
    if i is None:
        raise NotFound(f"incident {incident_id} not found")
    return i


def add_entry(db: Session, i: Incident, actor: str, kind: str, now: datetime, from_status: str | None = None,
              to_status: str | None = None, note: str = "", data: dict | None = None) -> None:
    """One line on the incident's timeline (a transition, a report, a model run, a consultation message...)."""
    db.add(TimelineEntry(incident_id=i.id, at=now, actor=actor, kind=kind, from_status=from_status,
                         to_status=to_status, note=note, data=data or {}))


def _next_due(i: Incident, p) -> report_clock.Due | None:  # noqa: ANN001
    """The report owed next; an activated plan's reporting chain may ask for the first one sooner."""
    first_s = min(p.report_due_s, i.report_within_s) if i.report_within_s is not None else p.report_due_s
    return report_clock.next_due(i.status, i.received_at, i.first_reported_at, i.last_report_at, first_s,
                                 p.followup_every_s)


def shorten_first_report(db: Session, state: ServiceState, i: Incident, within_s: float) -> bool:
    """Hold the incident to a plan's shorter first-report deadline (its reporting chain, PLAN-5);
    a longer one never loosens the statutory policy. True when the deadline moved."""
    if i.first_reported_at is not None or within_s >= state.config.policies.report_due_s or \
            (i.report_within_s is not None and within_s >= i.report_within_s):
        return False
    i.report_within_s = within_s
    i.report_due_at = i.received_at + timedelta(seconds=within_s)
    _schedule_report_clock(db, state, i, state.clock.now())
    return True


def _schedule_report_clock(db: Session, state: ServiceState, i: Incident, now: datetime) -> None:
    p = state.config.policies
    due = _next_due(i, p)
    i.next_followup_due_at = due.at if due is not None and due.kind == "followup" else None
    if due is not None:
        schedule(db, "incident_report", i.id, due.at, now)


def _load_alarms(db: Session, ids: list[int], incident_id: int | None = None) -> list[Alarm]:
    out = []
    for aid in dict.fromkeys(ids):
        a = db.execute(select(Alarm).where(Alarm.id == aid).with_for_update()).scalar_one_or_none()
        if a is None:
            raise NotFound(f"alarm {aid} not found")
        if a.incident_id is not None and a.incident_id != incident_id:
            raise Conflict(f"alarm {aid} already belongs to incident {a.incident_id}")
        out.append(a)
    return out


def create(db: Session, state: ServiceState, actor: Any, *, alarm_ids: list[int] | None = None, type_: str | None = None,
           title: str | None = None, level: str | None = None, location: dict | None = None,
           exercise: bool | None = None) -> Incident:
    """Open an incident from alarms (type/title/level/place default from the most severe one) or by hand."""
    actor = actor_name(actor)
    now = state.clock.now()
    alarms = _load_alarms(db, alarm_ids or [])
    lead = min(alarms, key=lambda a: (LEVEL_RANK.get(a.level, 9), a.id)) if alarms else None
    type_ = type_ or (lead.type if lead else None)
    if not type_:
        raise Invalid("type: required when no alarm_ids are given")
    loc = location or ({"name": lead.location_name, "site": lead.site, "lon": lead.lon, "lat": lead.lat} if lead else {})
    i = Incident(
        title=(title or (lead.title if lead else "") or type_)[:300], type=type_, status="received",
        level=level or (lead.level if lead else "yellow"),
        location_name=loc.get("name") or "", site=loc.get("site"), lon=loc.get("lon"), lat=loc.get("lat"),
        exercise=exercise if exercise is not None else any(a.exercise for a in alarms),
        received_at=now, report_due_at=now + timedelta(seconds=state.config.policies.report_due_s),
        created_by=actor, created_at=now, updated_at=now,
    )
    db.add(i)
    db.flush()
    for a in alarms:
        a.incident_id = i.id
        a.updated_at = now
        state.push.record(db, "alarm", "updated", alarm_json(a))
    add_entry(db, i, actor, "created", now, None, "received", data={"alarm_ids": [a.id for a in alarms]})
    _schedule_report_clock(db, state, i, now)
    db.flush()
    after = to_json(db, i)
    audit.record(db, actor, "incident.create", "incident", i.id, after=after, clock=state.clock)
    state.push.record(db, "incident", "created", after)
    return i


def link_alarms(db: Session, state: ServiceState, incident_id: int, ids: list[int], actor: Any) -> Incident:
    actor = actor_name(actor)
    i = get(db, incident_id, lock=True)
    if i.status in incident_fsm.FINAL:
        raise Conflict(f"incident {incident_id} is {i.status}; alarms can no longer be linked")
    now = state.clock.now()
    before = to_json(db, i)
    alarms = _load_alarms(db, ids, incident_id)
    new = [a for a in alarms if a.incident_id != i.id]
    for a in new:
        a.incident_id = i.id
        a.updated_at = now
        state.push.record(db, "alarm", "updated", alarm_json(a))
    i.updated_at = now
    add_entry(db, i, actor, "alarm_linked", now, note=", ".join(f"#{a.id}" for a in new),
           data={"alarm_ids": [a.id for a in new]})
    db.flush()
    after = to_json(db, i)
    audit.record(db, actor, "incident.link_alarms", "incident", i.id, before=before, after=after, clock=state.clock)
    state.push.record(db, "incident", "updated", after)
    return i


def transition(db: Session, state: ServiceState, incident_id: int, to: str, actor: Any, note: str = "",
               response_level: str | None = None, **kw: Any) -> Incident:
    """Move an incident along its lifecycle; 409 (Conflict) with the reason when illegal.

    Extra keyword arguments are kept on the timeline entry's data (e.g. a plan id)."""
    actor = actor_name(actor)
    i = get(db, incident_id, lock=True)
    reason = incident_fsm.why_illegal(i.status, to, note=note, response_level=response_level)
    if reason:
        raise Conflict(f"incident {incident_id}: {reason}")
    now = state.clock.now()
    before = to_json(db, i)
    from_status = i.status
    i.status = to
    i.updated_at = now
    if to == "activated":
        i.response_level = response_level
    if to in report_clock.NO_FOLLOWUPS:
        i.next_followup_due_at = None
    if to in ("closed", "false_alarm", "cancelled"):
        closing = "false_alarm" if to == "false_alarm" else "closed"
        for a in db.execute(select(Alarm).where(Alarm.incident_id == i.id, Alarm.status.in_(("new", "verified")))).scalars():
            a.status = closing
            a.updated_at = now
            state.push.record(db, "alarm", "updated", alarm_json(a))
    data = {k: v for k, v in kw.items() if v is not None} | ({"response_level": response_level} if response_level else {})
    add_entry(db, i, actor, "transition", now, from_status, to, note, data)
    db.flush()
    after = to_json(db, i)
    audit.record(db, actor, f"incident.{to}", "incident", i.id, before=before, after=after, note=note,
                 clock=state.clock)
    state.push.record(db, "incident", "transition", after | {"from": from_status, "to": to})
    return i


def add_report(db: Session, state: ServiceState, incident_id: int, kind: str, body: str, to_authority: str,
               actor: Any) -> IncidentReport:
    """File the initial report (上报) or a follow-up (续报); restarts the report clock."""
    actor = actor_name(actor)
    i = get(db, incident_id, lock=True)
    if not incident_fsm.can_report(i.status):
        raise Conflict(f"incident {incident_id} is {i.status}; no more reports")
    if kind == "initial" and i.first_reported_at is not None:
        raise Conflict(f"incident {incident_id}: the initial report was already filed; file a followup")
    if kind == "followup" and i.first_reported_at is None:
        raise Conflict(f"incident {incident_id}: file the initial report first")
    now = state.clock.now()
    p = state.config.policies
    before = to_json(db, i)
    due = _next_due(i, p)
    r = IncidentReport(incident_id=i.id, kind=kind, body=body, to_authority=to_authority, at=now, actor=actor,
                       due_at=due.at if due else None, late=report_clock.is_overdue(due, now))
    db.add(r)
    if kind == "initial":
        i.first_reported_at = now
    i.last_report_at = now
    i.updated_at = now
    db.flush()
    add_entry(db, i, actor, "report", now, note=body[:500],
           data={"report_id": r.id, "kind": kind, "to_authority": to_authority, "late": r.late})
    _schedule_report_clock(db, state, i, now)
    db.flush()
    audit.record(db, actor, f"incident.report.{kind}", "incident", i.id, before=before, after=to_json(db, i),
                 note=body[:500], clock=state.clock)
    state.push.record(db, "incident", "report", to_json(db, i) | {"report": reports(db, i.id)[-1]})
    if kind == "initial" and i.status == "verified":
        transition(db, state, i.id, "reported", actor, note=f"initial report #{r.id} to {to_authority}".strip())
    return r


@handles("incident_report")
def on_report_deadline(db: Session, state: ServiceState, job: ScheduledJob, now: datetime) -> None:
    """Scheduler handler: a statutory report is overdue → raise a warning (once per missed deadline)."""
    i = db.get(Incident, job.ref_id)
    if i is None:
        return
    p = state.config.policies
    due = _next_due(i, p)
    # A report filed since this job was scheduled moved the deadline: this job is stale.
    if due is None or abs((due.at - job.due_at).total_seconds()) > 0.001 or not report_clock.is_overdue(due, now):
        return
    word = "首报超时/initial report overdue" if due.kind == "initial" else "续报超时/follow-up report overdue"
    w = warnings.raise_warning(db, state, level=i.level, title=f"{word}: #{i.id} {i.title}", actor="scheduler",
                               incident_id=i.id, kind="report_overdue", exercise=i.exercise)
    add_entry(db, i, "scheduler", "report_overdue", now, note=word, data={"due_at": _iso(due.at), "warning_id": w.id})
    i.updated_at = now
    db.flush()
    audit.record(db, "scheduler", "incident.report_overdue", "incident", i.id,
                 after={"due_at": due.at, "kind": due.kind, "warning_id": w.id}, clock=state.clock)
    state.push.record(db, "incident", "report_overdue", to_json(db, i) | {"warning_id": w.id})


def search(db: Session, *, status: str | None = None, type_: str | None = None, exercise: bool | None = None,
           limit: int = 100, offset: int = 0) -> list[Incident]:
    q = select(Incident)
    if status:
        q = q.where(Incident.status == status)
    if type_:
        q = q.where(Incident.type == type_)
    if exercise is not None:
        q = q.where(Incident.exercise.is_(exercise))
    return list(db.execute(q.order_by(Incident.id.desc()).limit(limit).offset(offset)).scalars())
