"""One-click plan activation (CMD-5) and dispatch tracking from field feedback.

``activate`` runs in ONE transaction: tasks from the level's action cards (assigned to whoever
holds the role on duty now), reservations of the required resources, notifications queued in the
comms outbox, and the incident moved to ``activated``. Any conflict (plan not activatable,
incident in the wrong state, a reservation that no longer fits) raises before commit, so nothing
is half-applied.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from command.db.models.plans import PlanActivation, Task, TaskEvent
from command.domain import plan_workflow as wf
from command.domain.plan_match import IncidentFacts, candidate_from_stored, rank
from command.domain.plan_schema import StructuredPlan, parse
from command.domain.resource_checks import Need
from command.errors import Conflict, Invalid, NotFound
from command.services import audit, dispatch, duty, plans
from command.services import resources as res
from watchpost.fields import QUANTITY_MAX, Id, Real, Text

TASK_FLOW = {"pending": {"accepted", "in_progress", "blocked", "cancelled"},
             "accepted": {"in_progress", "blocked", "done", "cancelled"},
             "in_progress": {"done", "blocked", "cancelled"},
             "blocked": {"in_progress", "cancelled"},
             "done": set(), "cancelled": set()}


class Pick(BaseModel):
    model_config = ConfigDict(extra="forbid")
    resource_id: Id
    quantity: Real = Field(default=1, gt=0, le=QUANTITY_MAX)


class ActivateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    plan_id: Id
    response_level: Literal["I", "II", "III", "IV"]
    note: Text = Field(default="", max_length=4000)
    # Chosen by the commander instead of the automatic allocation (e.g. from the nearest-resources map).
    reservations: list[Pick] | None = Field(default=None, max_length=500)


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: Text = Field(default="", max_length=4000)
    status: Literal[tuple(TASK_FLOW)] | None = None  # type: ignore[valid-type]
    reassign_to: Text | None = Field(default=None, max_length=100)
    reassign_phone: Text = Field(default="", max_length=50)
    add_resources: list[Pick] = Field(default_factory=list, max_length=500)


def facts_of(incident: Any, substance: str = "", casualties: int = 0) -> IncidentFacts:
    return IncidentFacts(type=incident.type, level=incident.level or "", substance=substance,
                         site=incident.site or "", casualties=casualties,
                         text=f"{incident.title} {incident.location_name}")


# Parsed match specs by plan id, valid while the plan's version is unchanged (every content change
# bumps the version, so a stale entry can never be used; status is filtered in SQL).
# Keyed by database URL too: one process may serve (or test) several databases.
_SPECS: dict[tuple[str, int], tuple[int, Any]] = {}


def match(db: Session, facts: IncidentFacts, limit: int = 10) -> list[dict]:
    """Rank activatable plans for the incident (PLAN-6); SQL pre-filters on the incident type."""
    from command.db.models.plans import Plan

    active = ((Plan.scope == "park") & (Plan.status == "published")) | \
             ((Plan.scope == "enterprise") & (Plan.status == "accepted"))
    rows = db.execute(select(Plan.id, Plan.version, Plan.title, Plan.scope, Plan.enterprise).where(
        Plan.trigger_types.contains(f"|{facts.type}|", autoescape=True), active)).all()
    url = str(db.get_bind().url)
    missing = [r.id for r in rows if _SPECS.get((url, r.id), (None,))[0] != r.version]
    for s in range(0, len(missing), 900):
        for pid, ver, spec in db.execute(select(Plan.id, Plan.version, Plan.match_spec)
                                         .where(Plan.id.in_(missing[s:s + 900]))).all():
            if spec:
                _SPECS[(url, pid)] = (ver, spec)
    cands = []
    for r in rows:
        hit = _SPECS.get((url, r.id))
        if hit and hit[0] == r.version:
            c = hit[1]
            if isinstance(c, dict):  # parse once, keep the light candidate
                c = candidate_from_stored(r.id, r.title, r.scope, c, r.enterprise)
                _SPECS[(url, r.id)] = (r.version, c)
            cands.append(c)
    return [m.__dict__ for m in rank(cands, facts, limit)]


def preview(db: Session, state: Any, plan_id: int, level: str) -> dict:
    """What activation would reserve and what is missing or expired (checked before dispatch)."""
    p = plans.get(db, plan_id)
    sp = _structured(p, level)
    _, needs, _ = sp.for_level(level)
    allocs = res.check_needs(db, state, [Need(n.kind, n.category, n.quantity) for n in needs])
    return {"plan_id": p.id, "response_level": level,
            "needs": [{"kind": a.need.kind, "category": a.need.category, "quantity": a.need.quantity,
                       "picks": [{"resource_id": r, "quantity": q} for r, q in a.picks],
                       "shortfall": a.shortfall, "flags": a.flags} for a in allocs],
            "flags": [f for a in allocs for f in a.flags]}


def _structured(p: Any, level: str) -> StructuredPlan:
    if not p.structured:
        raise Conflict(f"plan {p.id} has no digital split (structured plan); it cannot be activated")
    sp = parse(p.structured)
    if level not in sp.levels():
        raise Invalid(f"response_level: plan {p.id} defines levels {', '.join(sp.levels())}, not {level}")
    return sp


def task_json(t: Task) -> dict:
    return {"id": t.id, "activation_id": t.activation_id, "incident_id": t.incident_id, "card_id": t.card_id,
            "title": t.title, "detail": t.detail, "role": t.role, "assignee": t.assignee,
            "assignee_phone": t.assignee_phone, "seq": t.seq, "due_at": t.due_at.isoformat() if t.due_at else None,
            "status": t.status, "updated_at": t.updated_at.isoformat()}


def activate(db: Session, state: Any, actor: Any, incident_id: int, data: ActivateIn) -> dict:
    from comms import outbox
    from command.services import incidents
    from watchpost.events import OutboxMessage

    actor = plans.actor_name(actor)
    inc = incidents.get(db, incident_id, lock=True)
    p = plans.get(db, data.plan_id)
    why = wf.why_not_activatable(p.scope, p.status)
    if why:
        raise Conflict(f"plan {p.id}: {why}")
    level = data.response_level
    sp = _structured(p, level)
    cards, needs, notifs = sp.for_level(level)
    now = state.clock.now()

    # Incident first: a wrong incident state is the commonest refusal and must come before any write.
    incidents.transition(db, state, incident_id, "activated", actor, note=data.note or f"预案启动: {p.title}",
                         response_level=level, plan_id=p.id)
    act = PlanActivation(incident_id=incident_id, plan_id=p.id, plan_version=p.version, response_level=level,
                         at=now, actor=actor, warnings=[])
    db.add(act)
    db.flush()

    warnings: list[str] = []
    if data.reservations is not None:
        picks = [(r.resource_id, r.quantity) for r in data.reservations]
    else:
        allocs = res.check_needs(db, state, [Need(n.kind, n.category, n.quantity) for n in needs])
        picks = [pk for a in allocs for pk in a.picks]
        warnings += [f for a in allocs for f in a.flags]
    reservations = res.reserve(db, state, actor, incident_id, picks, activation_id=act.id,
                               note=f"plan {p.id} level {level}")

    # Work: the level's action cards, then the steps of the scenario cards (处置卡) that fit the incident.
    work = [(c.id, c.role, c.action, c.action, c.deadline_min) for c in cards]
    roles = [r.role for r in sp.organisation]
    commander = next((r for r in roles if "指挥" in r), roles[0] if roles else "")
    for sc in sp.scenario_cards_for(inc.type):
        for k, step_text in enumerate(sc.steps, start=1):
            work.append((f"{sc.id}.{k}", sc.role or commander, f"{sc.title}: {step_text}", step_text, None))
    tasks = []
    for seq, (card_id, role, title, detail, deadline_min) in enumerate(work):
        holders = duty.on_duty(db, now, role) if role else []
        if not holders:
            warnings.append(f"nobody on duty as {role or '(no role)'}; card {card_id} unassigned")
        h = holders[0] if holders else None
        t = Task(activation_id=act.id, incident_id=incident_id, card_id=card_id, title=title[:300], detail=detail,
                 role=role, assignee=h.person if h else "", assignee_phone=h.phone if h else "", seq=seq,
                 due_at=now + timedelta(minutes=deadline_min) if deadline_min is not None else None,
                 status="pending", updated_at=now)
        db.add(t)
        tasks.append(t)
    db.flush()
    # The plan's reporting chain may hold the incident to a sooner first report than the policy.
    within = sp.reporting.first_within_min()
    if within is not None and incidents.shorten_first_report(db, state, inc, within * 60.0):
        warnings.append(f"first report due within {within} min (the plan's reporting chain)")
    db.add_all(TaskEvent(task_id=t.id, at=now, actor=actor, kind="status", status="pending",
                         note="created by plan activation") for t in tasks)

    messages, seen = [], set()
    prefix = f"【{state.config.park_name}】{inc.title} {level}级响应: "
    for n in notifs:
        targets = list(n.recipients)
        for role in n.roles_on_duty:
            targets += [s.phone for s in duty.on_duty(db, now, role) if s.phone]
        for r in targets:
            if (n.channel, r) in seen:
                continue
            seen.add((n.channel, r))
            messages.append(OutboxMessage(channel=n.channel, recipient=r, body=(prefix + n.message)[:2000],
                                          incident_id=incident_id, exercise=bool(inc.exercise)))
    # Task assignees hear about their cards too (console channel shows in their task list).
    for t in tasks:
        if t.assignee_phone and ("sms", t.assignee_phone) not in seen:
            seen.add(("sms", t.assignee_phone))
            messages.append(OutboxMessage(channel="sms", recipient=t.assignee_phone,
                                          body=(prefix + f"任务 {t.title}")[:2000], incident_id=incident_id,
                                          exercise=bool(inc.exercise)))
    outbox_ids = outbox.enqueue_many(db, messages, now=now, push=state.push) if messages else []

    act.warnings = warnings
    act.notifications = len(outbox_ids)
    summary = {"activation_id": act.id, "incident_id": incident_id, "plan_id": p.id, "plan_version": p.version,
               "response_level": level, "tasks": [task_json(t) for t in tasks],
               "reservations": [{"id": r.id, "resource_id": r.resource_id, "quantity": r.quantity} for r in reservations],
               "notifications": len(outbox_ids), "warnings": warnings}
    audit.record(db, actor, "plan.activate", "incident", incident_id,
                 after={k: v for k, v in summary.items() if k != "tasks"} | {"task_ids": [t.id for t in tasks]},
                 clock=state.clock)
    state.push.record(db, "task", "activated", {k: v for k, v in summary.items() if k != "tasks"}
                      | {"task_count": len(tasks)})
    db.commit()
    return summary


def tasks_of(db: Session, incident_id: int) -> list[dict]:
    return [task_json(t) for t in db.execute(select(Task).where(Task.incident_id == incident_id)
                                            .order_by(Task.activation_id, Task.seq)).scalars()]


def activations_of(db: Session, incident_id: int) -> list[dict]:
    return [{"id": a.id, "plan_id": a.plan_id, "plan_version": a.plan_version, "response_level": a.response_level,
             "at": a.at.isoformat(), "actor": a.actor, "warnings": a.warnings, "notifications": a.notifications}
            for a in db.execute(select(PlanActivation).where(PlanActivation.incident_id == incident_id)
                                .order_by(PlanActivation.id)).scalars()]


def feedback(db: Session, state: Any, actor: Any, task_id: int, data: FeedbackIn) -> dict:
    """Field feedback on a task: progress, reassignment, more resources (adjusts the dispatch)."""
    actor = plans.actor_name(actor)
    t = db.execute(select(Task).where(Task.id == task_id).with_for_update()).scalar_one_or_none()
    if t is None:
        raise NotFound(f"task {task_id} not found")
    if not (data.status or data.reassign_to or data.add_resources or data.note.strip()):
        raise Invalid("feedback needs a status, a note, a reassignment or resources to add")
    before = task_json(t)
    now = state.clock.now()
    events = []
    if data.status:
        if data.status not in TASK_FLOW:
            raise Invalid(f"status: one of {', '.join(TASK_FLOW)}")
        if data.status not in TASK_FLOW[t.status]:
            raise Conflict(f"task {task_id} is {t.status}; next may be {', '.join(sorted(TASK_FLOW[t.status])) or 'nothing'}")
        t.status = data.status
        events.append(TaskEvent(task_id=t.id, at=now, actor=actor, kind="status", status=data.status, note=data.note))
    if data.reassign_to:
        events.append(TaskEvent(task_id=t.id, at=now, actor=actor, kind="reassign", note=data.note,
                                data={"from": t.assignee, "to": data.reassign_to}))
        t.assignee, t.assignee_phone = data.reassign_to, data.reassign_phone
    sent = []
    if data.add_resources:
        picks = [(r.resource_id, r.quantity) for r in data.add_resources]
        res.reserve(db, state, actor, t.incident_id, picks, activation_id=t.activation_id, note=f"task {t.id} feedback")
        sent = [dispatch.send(db, state, actor, t.incident_id, rid, q, task_id=t.id, note=data.note) for rid, q in picks]
        events.append(TaskEvent(task_id=t.id, at=now, actor=actor, kind="resources", note=data.note,
                                data={"dispatch_ids": [d.id for d in sent], "picks": picks}))
    if not events:
        events.append(TaskEvent(task_id=t.id, at=now, actor=actor, kind="feedback", note=data.note))
    db.add_all(events)
    t.updated_at = now
    db.flush()
    after = task_json(t)
    audit.record(db, actor, "task.feedback", "task", t.id, before=before, after=after, note=data.note, clock=state.clock)
    state.push.record(db, "task", "updated", after)
    db.commit()
    return after | {"dispatch_ids": [d.id for d in sent]}


def task_events(db: Session, task_id: int) -> list[dict]:
    return [{"at": e.at.isoformat(), "actor": e.actor, "kind": e.kind, "status": e.status, "note": e.note,
             "data": e.data} for e in db.execute(select(TaskEvent).where(TaskEvent.task_id == task_id)
                                                 .order_by(TaskEvent.id)).scalars()]
