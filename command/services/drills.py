"""Drills on the live system (DRL-2, DRL-3, DRL-4; HG/T 6313 S4).

A drill replays a scenario through the real pipeline: a video inject is a clip the vision worker
plays as a camera (its alarm is what the duty officer must verify), a sensor reading, a phone
call or an SMS goes through the alarm intake, a message goes to a role. Everything is marked as
an exercise; notifications go to the drill sink unless the organiser names a test group.

The drill's state is in the database (clock, injects fired, seats, each role's tasks), so the
runner (``DrillRunner``, a background loop on the service that leads) finds it where it was after
a restart. Each round it fires the injects that are due on the drill clock and reads the records
to see which expected actions have been done (``drill_facts``); a seat marks the others done.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from command.db.models.drills import Drill, DrillEvent, DrillInject, DrillSeat, DrillTask
from command.db.models.resources import Resource
from command.db.models.users import User
from command.errors import Conflict, Invalid, NotFound
from command.services import audit, drill_facts, drill_scenarios, intake, worker_commands
from command.state import ServiceState
from comms.models import DrillRecipient
from drills import evaluation as ev
from drills import progress
from drills.clock import DrillClock
from drills.scenario import RECORDED_ACTIONS, Inject, Scenario
from watchpost.events import AlarmEvent, Location, WorkerCommand
from watchpost.loops import PeriodicLoop

log = logging.getLogger(__name__)
LIVE = ("running", "paused")


# -- reading ----------------------------------------------------------------------------------------
def get(db: Session, drill_id: int, lock: bool = False) -> Drill:
    q = select(Drill).where(Drill.id == drill_id)
    if lock:
        q = q.with_for_update()
    d = db.execute(q).scalar_one_or_none()
    if d is None:
        raise NotFound(f"drill {drill_id} not found")
    return d


def clock_of(d: Drill) -> DrillClock:
    return DrillClock.from_json(d.clock)


def scenario_of(d: Drill) -> Scenario:
    return Scenario.model_validate(d.scenario)


def drill_s(d: Drill, now: datetime) -> float:
    c = clock_of(d)
    return min(c.drill_s(d.ended_at or now), d.duration_s) if d.status not in LIVE else c.drill_s(now)


def to_json(db: Session, d: Drill, now: datetime) -> dict[str, Any]:
    c = clock_of(d)
    seats = db.execute(select(DrillSeat).where(DrillSeat.drill_id == d.id).order_by(DrillSeat.id)).scalars()
    fired = db.execute(select(DrillInject.id).where(DrillInject.drill_id == d.id, DrillInject.fired_at.is_not(None)))
    return {"id": d.id, "title": d.title, "title_en": d.scenario.get("title_en", ""), "enterprise": d.enterprise,
            "scenario_id": d.scenario_id, "scenario_key": d.scenario["id"], "status": d.status, "speed": c.speed,
            "paused": c.paused, "drill_s": round(drill_s(d, now), 1), "duration_s": d.duration_s,
            "organizer": d.organizer, "started_at": d.started_at.isoformat(),
            "ended_at": d.ended_at.isoformat() if d.ended_at else None, "test_group": d.test_group,
            "roles": d.scenario["roles"], "injects": len(d.scenario["injects"]), "fired": len(fired.all()),
            "seats": [{"username": s.username, "role": s.role} for s in seats]}


def task_json(t: DrillTask) -> dict[str, Any]:
    return {"id": t.id, "drill_id": t.drill_id, "inject": t.inject_key, "role": t.role, "action": t.action,
            "title": t.title, "title_en": t.title_en, "objective": t.objective, "spec": t.spec, "due_s": t.due_s,
            "status": t.status, "done_s": t.done_s, "done_by": t.done_by, "how": t.how, "note": t.note,
            "manual": t.action not in RECORDED_ACTIONS}


def tasks(db: Session, drill_id: int, role: str | None = None) -> list[DrillTask]:
    q = select(DrillTask).where(DrillTask.drill_id == drill_id)
    if role:
        q = q.where(DrillTask.role == role)
    return list(db.execute(q.order_by(DrillTask.due_s, DrillTask.id)).scalars())


def seat_of(db: Session, drill_id: int, username: str) -> DrillSeat | None:
    return db.execute(select(DrillSeat).where(DrillSeat.drill_id == drill_id, DrillSeat.username == username)
                      ).scalar_one_or_none()


def live_for(db: Session, username: str | None = None) -> list[Drill]:
    """Running or paused drills: all of them, or those ``username`` sits in."""
    q = select(Drill).where(Drill.status.in_(LIVE))
    if username is not None:
        q = q.join(DrillSeat, DrillSeat.drill_id == Drill.id).where(DrillSeat.username == username)
    return list(db.execute(q.order_by(Drill.id)).scalars())


def search(db: Session, q: str = "", status: str | None = None, enterprise: str | None = None,
           limit: int = 50, offset: int = 0) -> list[Drill]:
    stmt = select(Drill)
    for term in q.split():
        stmt = stmt.where(Drill.title.like(f"%{term}%") | Drill.enterprise.like(f"%{term}%"))
    if status:
        stmt = stmt.where(Drill.status == status)
    if enterprise:
        stmt = stmt.where(Drill.enterprise == enterprise)
    return list(db.execute(stmt.order_by(Drill.id.desc()).limit(limit).offset(offset)).scalars())


# -- writing ------------------------------------------------------------------------------------------
def _event(db: Session, d: Drill, now: datetime, kind: str, actor: str, data: dict | None = None) -> None:
    db.add(DrillEvent(drill_id=d.id, at=now, drill_s=round(drill_s(d, now), 3), kind=kind, actor=actor,
                      data=data or {}))


def _push(state: ServiceState, db: Session, d: Drill, action: str, now: datetime, extra: dict | None = None) -> None:
    state.push.record(db, "drill", action, to_json(db, d, now) | (extra or {}))


def start(db: Session, state: ServiceState, actor: str, scenario_id: int, seats: dict[str, str],
          speed: float | None = None, test_group: list[str] | None = None) -> Drill:
    """Start a drill of a filed scenario with ``seats`` (username -> role). The scenario is
    checked against the site again (a camera or plan may have gone since it was filed)."""
    row = drill_scenarios.get(db, scenario_id)
    sc = drill_scenarios.check(db, state, row.source)
    unknown_roles = sorted({r for r in seats.values() if r not in sc.roles})
    if unknown_roles:
        raise Invalid(f"seats: roles {', '.join(unknown_roles)} are not in scenario {sc.id} ({', '.join(sc.roles)})")
    users = {u.username: u for u in db.execute(select(User).where(User.username.in_(list(seats)))).scalars()}
    missing = sorted(set(seats) - {n for n, u in users.items() if u.active})
    if missing:
        raise Invalid(f"seats: no active user {', '.join(missing)}")
    busy = [s for s in db.execute(select(DrillSeat).join(Drill, Drill.id == DrillSeat.drill_id).where(
        Drill.status.in_(LIVE), DrillSeat.username.in_(list(seats)))).scalars()]
    if busy:
        raise Conflict(f"seats: {', '.join(sorted({s.username for s in busy}))} already sit in drill "
                       f"{', '.join(sorted({str(s.drill_id) for s in busy}))}")
    now = state.clock.now()
    clock = DrillClock.start(now, float(speed or sc.speed))
    d = Drill(scenario_id=row.id, scenario=sc.model_dump(mode="json"), title=sc.title, enterprise=sc.enterprise,
              status="running", clock=clock.to_json(), duration_s=sc.duration_s(), test_group=list(test_group or []),
              organizer=actor, started_at=now, created_at=now, updated_at=now)
    db.add(d)
    db.flush()
    db.add_all(DrillInject(drill_id=d.id, key=i.id, kind=i.kind, at_s=i.at_s, result={}) for i in sc.injects)
    db.add_all(DrillSeat(drill_id=d.id, username=u, role=r, joined_at=now) for u, r in seats.items())
    until = now + timedelta(hours=state.config.drills.test_group_hours)
    db.add_all(DrillRecipient(recipient=n, drill_ref=f"drill {d.id}", until=until) for n in d.test_group)
    _event(db, d, now, "started", actor, {"title": f"{d.title} · {clock.speed:g}×", "speed": clock.speed,
                                          "seats": seats, "test_group": d.test_group})
    db.flush()
    audit.record(db, actor, "drill.start", "drill", d.id, after=to_json(db, d, now), clock=state.clock)
    _push(state, db, d, "started", now)
    db.commit()
    return d


def control(db: Session, state: ServiceState, actor: str, drill_id: int, action: str,
            speed: float | None = None) -> Drill:
    """pause | resume | speed | abort."""
    d = get(db, drill_id, lock=True)
    if d.status not in LIVE:
        raise Conflict(f"drill {drill_id} is {d.status}")
    now = state.clock.now()
    c = clock_of(d)
    if action == "pause":
        if c.paused:
            raise Conflict(f"drill {drill_id} is already paused")
        c, d.status = c.pause(now), "paused"
    elif action == "resume":
        if not c.paused:
            raise Conflict(f"drill {drill_id} is not paused")
        c, d.status = c.resume(now), "running"
    elif action == "speed":
        if speed is None:
            raise Invalid("speed: required")
        c = c.with_speed(now, speed)
    elif action == "abort":
        d.clock = c.pause(now).to_json()
        _end(db, state, d, now, "aborted", actor)
        audit.record(db, actor, "drill.abort", "drill", d.id, clock=state.clock)
        db.commit()
        return d
    else:
        raise Invalid(f"action: pause, resume, speed or abort, not {action!r}")
    d.clock, d.updated_at = c.to_json(), now
    _event(db, d, now, action, actor, {"title": f"{c.speed:g}×", "speed": c.speed} if action == "speed" else {})
    audit.record(db, actor, f"drill.{action}", "drill", d.id, after={"speed": c.speed, "paused": c.paused},
                 clock=state.clock)
    _push(state, db, d, action, now)
    db.commit()
    return d


def _end(db: Session, state: ServiceState, d: Drill, now: datetime, status: str, actor: str) -> None:
    """Finish or abort: undone tasks are missed, the test group stops getting real messages."""
    d.status, d.ended_at, d.updated_at = status, now, now
    end_s = drill_s(d, now)
    for t in tasks(db, d.id):
        if t.status in ("pending", "overdue"):
            t.status = "missed"
    db.execute(delete(DrillRecipient).where(DrillRecipient.drill_ref == f"drill {d.id}"))
    _event(db, d, now, status, actor, {"drill_s": round(end_s, 1)})
    _push(state, db, d, status, now)


def mark_task(db: Session, state: ServiceState, user: User, task_id: int, note: str) -> DrillTask:
    """A seat marks one of its role's tasks done (the organiser may mark any)."""
    t = db.execute(select(DrillTask).where(DrillTask.id == task_id).with_for_update()).scalar_one_or_none()
    if t is None:
        raise NotFound(f"drill task {task_id} not found")
    d = get(db, t.drill_id)
    if d.status not in LIVE:
        raise Conflict(f"drill {d.id} is {d.status}; its tasks can no longer change")
    seat = seat_of(db, d.id, user.username)
    if user.username != d.organizer and (seat is None or seat.role != t.role):
        raise Conflict(f"task {task_id} belongs to the {t.role} seat of drill {d.id}")
    if t.done_s is not None:
        raise Conflict(f"task {task_id} is already {t.status}")
    now = state.clock.now()
    t.done_s, t.done_at, t.done_by, t.how, t.note = drill_s(d, now), now, user.username, "seat", note
    t.status = progress.status(t.due_s, t.done_s, t.done_s, False)
    _event(db, d, now, "task_done", user.username, {"task_id": t.id, "title": f"{t.title} · {t.role}",
                                                   "status": t.status, "note": note})
    audit.record(db, user.username, "drill.task_done", "drill", d.id, after=task_json(t), clock=state.clock)
    state.push.record(db, "drill", "task", task_json(t))
    db.commit()
    return t


# -- the runner ---------------------------------------------------------------------------------------
ALARM_SOURCES = {"sensor": "sensor", "phone": "phone", "sms": "sms"}


def _raise_alarm(state: ServiceState, d: Drill, inj: Inject, now: datetime) -> int:
    """Post a sensor reading, a phone call or an SMS inject through the alarm intake, as an
    exercise alarm; its id. Idempotent (the intake's key is the drill and the inject), so an
    inject delivered again after a crash finds the alarm it made the first time."""
    event = AlarmEvent(source=ALARM_SOURCES[inj.kind], source_event_id=f"drill{d.id}:{inj.id}",
                       type=inj.alarm_type or f"{inj.kind}_report", level=inj.level, occurred_at=now,
                       location=Location(name=inj.location or inj.camera or "", site=inj.site),
                       title=f"【演练 DRILL】{inj.title}", description=inj.text or inj.title, exercise=True,
                       reading=inj.reading,
                       raw={"drill_id": d.id, "inject_id": inj.id, "caller": inj.caller})
    with state.sessions() as db:  # the intake commits on a session of its own
        alarm, _ = intake.ingest(db, state, event, f"drill {d.id}")
        return alarm.id


def _fire(db: Session, state: ServiceState, d: Drill, row: DrillInject, inj: Inject, now: datetime,
          alarm_id: int | None) -> None:
    """Record one inject as delivered; its tasks start counting now. A clip is queued for the
    vision worker here, in the same transaction."""
    fired_s = drill_s(d, now)
    result: dict[str, Any] = {}
    if inj.kind == "video":
        clip = drill_scenarios.resolve_clip(state, inj.clip or "")
        cmd = WorkerCommand(command="play_clip", play_as=inj.camera, clip_url=clip, drill_id=d.id, inject_id=inj.id,
                            reason=inj.title)
        worker_commands.queue(db, cmd, now)
        result = {"camera": drill_facts.drill_camera(inj.camera or "", d.id, inj.id), "clip": clip}
    elif alarm_id is not None:
        result = {"alarm_ids": [alarm_id]}
    elif inj.kind == "weather":
        result = {"weather": inj.weather.model_dump() if inj.weather else {}}
    row.fired_at, row.fired_s, row.result = now, fired_s, result
    for e in inj.expected:
        zh, en = e.titles()
        spec = {k: v for k, v in (("level", e.level), ("plan", e.plan), ("resource", e.resource)) if v is not None}
        db.add(DrillTask(drill_id=d.id, inject_key=inj.id, role=e.role, action=e.action, title=zh, title_en=en,
                         objective=e.objective, spec=spec, due_s=fired_s + e.within_s, status="pending", note=""))
    shown = {"inject": inj.id, "kind": inj.kind, "title": inj.title, "title_en": inj.title_en, "text": inj.text,
             "to_role": inj.to_role}
    _event(db, d, now, "inject", f"drill {d.id}", shown | {"result": result})
    state.push.record(db, "drill", "inject", shown | {"drill_id": d.id, "drill_s": round(fired_s, 1)})


def _resource_id(db: Session, code: str | None) -> int | None:
    return None if code is None else db.execute(select(Resource.id).where(Resource.code == code)).scalar()


def _check_tasks(db: Session, state: ServiceState, d: Drill, now: datetime) -> int:
    """Read the records for every undone task; how many changed status."""
    now_s = drill_s(d, now)
    clock = clock_of(d)
    injects = {r.key: r for r in db.execute(select(DrillInject).where(DrillInject.drill_id == d.id)).scalars()}
    changed = 0
    for t in tasks(db, d.id):
        if t.done_s is not None:
            continue
        if t.action in RECORDED_ACTIONS:
            resp = drill_facts.response(db, d.id, injects[t.inject_key], t.spec.get("level"), t.spec.get("plan"),
                                        _resource_id(db, t.spec.get("resource")))
            step = resp.steps.get(drill_facts.ACTION_STEP[t.action])
            if step is not None:
                t.done_at, t.done_by, t.how = step.at, step.by or None, "record"
                t.done_s = max(clock.drill_s(step.at), injects[t.inject_key].fired_s or 0.0)
        new = progress.status(t.due_s, t.done_s, now_s, False)
        if new != t.status:
            t.status = new
            changed += 1
            state.push.record(db, "drill", "task", task_json(t))
    return changed


def tick(state: ServiceState, drill_id: int) -> None:
    """One round of one drill: fire what is due, read the records, finish at the end.

    Alarms are posted first, each in its own transaction (on SQLite a second writer inside this
    round's transaction would wait on its own lock); the round then records them in one."""
    now = state.clock.now()
    with state.sessions() as db:
        db.connection(execution_options={"readonly": True})
        d = get(db, drill_id)
        if d.status != "running":
            return
        sc = scenario_of(d)
        due_keys = list(db.execute(select(DrillInject.key).where(
            DrillInject.drill_id == d.id, DrillInject.fired_at.is_(None), DrillInject.at_s <= drill_s(d, now))
            .order_by(DrillInject.at_s, DrillInject.id)).scalars())
    alarms: dict[str, int] = {}
    errors: dict[str, str] = {}
    for key in due_keys:
        inj = sc.inject(key)
        if inj.kind in ALARM_SOURCES:
            try:
                alarms[key] = _raise_alarm(state, d, inj, now)
            except Exception as exc:  # one inject that cannot be delivered must not stop the drill
                log.exception("drill %s: inject %s failed", d.id, key)
                errors[key] = f"{type(exc).__name__}: {exc}"[:500]
    with state.sessions() as db:
        d = get(db, drill_id, lock=True)
        if d.status != "running":  # paused or aborted meanwhile: what was posted is fired next time
            return
        rows = {r.key: r for r in db.execute(select(DrillInject).where(DrillInject.drill_id == d.id,
                                                                       DrillInject.key.in_(due_keys))).scalars()}
        for key in due_keys:
            row = rows[key]
            if row.fired_at is not None:
                continue
            if key in errors:
                row.fired_at, row.fired_s, row.result = now, drill_s(d, now), {"error": errors[key]}
                _event(db, d, now, "inject_failed", f"drill {d.id}", {"inject": key, "error": errors[key]})
                continue
            _fire(db, state, d, row, sc.inject(key), now, alarms.get(key))
        _check_tasks(db, state, d, now)
        left = db.execute(select(DrillInject.id).where(DrillInject.drill_id == d.id,
                                                       DrillInject.fired_at.is_(None))).first()
        undone = db.execute(select(DrillTask.id).where(DrillTask.drill_id == d.id,
                                                       DrillTask.done_s.is_(None))).first()
        if left is None and (undone is None or drill_s(d, now) >= d.duration_s):
            _end(db, state, d, now, "finished", f"drill {d.id}")
            audit.record(db, d.organizer, "drill.finish", "drill", d.id, clock=state.clock)
        elif due_keys:
            _push(state, db, d, "progress", now)
        db.commit()


def run_due(state: ServiceState) -> int:
    """One round over every running drill (the runner's loop; tests call it directly)."""
    with state.sessions() as db:
        db.connection(execution_options={"readonly": True})
        ids = db.execute(select(Drill.id).where(Drill.status == "running")).scalars().all()
    for drill_id in ids:
        tick(state, drill_id)
    return len(ids)


def next_inject_at(state: ServiceState) -> datetime | None:
    """The wall instant the next unfired inject of any running drill is due (the runner wakes
    then rather than at its next tick, so an inject reaches the consoles on time)."""
    with state.sessions() as db:
        db.connection(execution_options={"readonly": True})
        rows = db.execute(select(Drill.clock, func.min(DrillInject.at_s)).join(DrillInject, DrillInject.drill_id == Drill.id)
                          .where(Drill.status == "running", DrillInject.fired_at.is_(None)).group_by(Drill.id)).all()
    walls = [w for clock, at_s in rows if (w := DrillClock.from_json(clock).wall_at(at_s)) is not None]
    return min(walls, default=None)


class DrillRunner(PeriodicLoop):
    """The background loop: ``run_due`` every ``drills.tick_s`` on the service that leads, and
    at the instant the next inject is due when that comes sooner."""

    name = "watchpost-drills"

    def __init__(self, state: ServiceState):
        super().__init__(state.config.drills.tick_s)
        self.state = state

    def round(self) -> float | None:
        run_due(self.state)
        due = next_inject_at(self.state)
        if due is None:
            return None
        return min(self.period_s, max(0.01, (due - self.state.clock.now()).total_seconds()))


# -- the record ------------------------------------------------------------------------------------
def record(db: Session, state: ServiceState, drill_id: int) -> ev.DrillRecord:
    """Everything the evaluation needs, read from the tables (``drills.evaluation``)."""
    d = get(db, drill_id)
    now = state.clock.now()
    clock = clock_of(d)
    sc = scenario_of(d)
    rows = {r.key: r for r in db.execute(select(DrillInject).where(DrillInject.drill_id == d.id)).scalars()}
    injects: list[ev.InjectRecord] = []
    alarm_ids: list[int] = []
    incident_ids: list[int] = []
    for inj in sc.injects:
        row = rows[inj.id]
        resp = drill_facts.response(db, d.id, row)
        alarm_ids += resp.alarm_ids
        incident_ids += resp.incident_ids
        injects.append(ev.InjectRecord(
            id=inj.id, kind=inj.kind, title=inj.title, title_en=inj.title_en, at_s=inj.at_s, fired_s=row.fired_s,
            fired_wall=row.fired_at, camera=inj.camera,
            milestones={k: max(clock.drill_s(s.at), row.fired_s or 0.0) for k, s in resp.steps.items()},
            alarm_wall=resp.first_alarm.occurred_at if resp.first_alarm is not None else None,
            alarm_type=resp.first_alarm.type if resp.first_alarm is not None else None, alarm_ids=resp.alarm_ids))
    seats: dict[str, list[str]] = {r: [] for r in sc.roles}
    for s in db.execute(select(DrillSeat).where(DrillSeat.drill_id == d.id).order_by(DrillSeat.id)).scalars():
        seats.setdefault(s.role, []).append(s.username)
    speeds = sorted({seg.speed for seg in clock.segments})
    return ev.DrillRecord(
        drill_id=d.id, title=d.title, title_en=sc.title_en, enterprise=d.enterprise, description=sc.description,
        organizer=d.organizer, status=d.status, started_at=d.started_at, ended_at=d.ended_at, speeds=speeds,
        duration_s=round(drill_s(d, now), 1), seats=seats, injects=injects,
        tasks=[ev.TaskRecord(id=t.id, inject_id=t.inject_key, role=t.role, action=t.action, title=t.title,
                             title_en=t.title_en, due_s=t.due_s, done_s=t.done_s, status=t.status, objective=t.objective,
                             done_by=t.done_by, how=t.how, note=t.note) for t in tasks(db, d.id)],
        objectives=[ev.ObjectiveRecord(o.id, o.title, o.title_en, list(o.capabilities)) for o in sc.objectives],
        deliveries=ev.Deliveries(drill_facts.deliveries(db, sorted(set(alarm_ids)), sorted(set(incident_ids)))),
        test_group=list(d.test_group))
