"""Four-level warnings and their closed loop (ALM-1..3): raise, push, verify, feed back, close,
and supervise (督办) when a deadline passes. Functions flush in the caller's transaction; the
caller commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from command.db.models.alarms import Alarm
from command.db.models.scheduler import ScheduledJob
from command.db.models.users import User
from command.db.models.warnings import Escalation, Warning, WarningEvent
from command.domain import warning_policy as wp
from command.errors import Conflict, NotFound
from command.services import audit
from command.services.scheduler import handles, schedule
from command.state import ServiceState
from watchpost.events import OutboxMessage


def actor_name(actor: Any) -> str:
    return actor if isinstance(actor, str) else getattr(actor, "username", str(actor))


def to_json(w: Warning) -> dict:
    return {
        "id": w.id, "kind": w.kind, "level": w.level, "stage": w.stage, "title": w.title,
        "alarm_id": w.alarm_id, "incident_id": w.incident_id, "exercise": w.exercise,
        "raised_at": w.raised_at, "pushed_at": w.pushed_at, "notified": w.notified,
        "verify_due_at": w.verify_due_at, "feedback_due_at": w.feedback_due_at,
        "verified_at": w.verified_at, "verified_by": w.verified_by, "verify_note": w.verify_note,
        "fed_back_at": w.fed_back_at, "fed_back_by": w.fed_back_by, "feedback": w.feedback,
        "closed_at": w.closed_at, "closed_by": w.closed_by,
        "verify_overdue_at": w.verify_overdue_at, "feedback_overdue_at": w.feedback_overdue_at,
        "created_at": w.created_at, "updated_at": w.updated_at,
    }


def _jsonable(d: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in d.items()}


def history(db: Session, warning_id: int) -> list[dict]:
    rows = db.execute(select(WarningEvent).where(WarningEvent.warning_id == warning_id)
                      .order_by(WarningEvent.id)).scalars().all()
    return [{"id": e.id, "at": e.at, "actor": e.actor, "action": e.action, "from": e.stage_from,
             "to": e.stage_to, "note": e.note, "data": e.data} for e in rows]


def escalations(db: Session, warning_id: int) -> list[dict]:
    rows = db.execute(select(Escalation).where(Escalation.warning_id == warning_id).order_by(Escalation.id)).scalars()
    return [{"id": e.id, "deadline": e.deadline, "due_at": e.due_at, "at": e.at, "roles": e.roles,
             "outbox_ids": e.outbox_ids} for e in rows]


def get(db: Session, warning_id: int) -> Warning:
    w = db.get(Warning, warning_id)
    if w is None:
        raise NotFound(f"warning {warning_id} not found")
    return w


def _event(db: Session, w: Warning, actor: str, action: str, now: datetime, before: str | None = None,
           note: str = "", data: dict | None = None) -> None:
    db.add(WarningEvent(warning_id=w.id, at=now, actor=actor, action=action, stage_from=before,
                        stage_to=w.stage if before is not None or action == "raised" else None,
                        note=note, data=data or {}))


def _notify(db: Session, state: ServiceState, w: Warning, roles: list[str], channels: list[str], body: str,
            now: datetime) -> list[int]:
    """One outbox record per recipient and channel (console is a push event, not a record)."""
    from comms.outbox import enqueue

    users = db.execute(select(User).where(User.active.is_(True), User.role.in_(roles)).order_by(User.id)).scalars().all()
    ids: list[int] = []
    for channel in channels:
        if channel == "console":
            continue
        if channel == "sms":
            recipients = [u.phone for u in users if u.phone]
        else:  # broadcast: the configured PA zones
            recipients = list(state.config.comms.broadcast.zones)
        for recipient in recipients:
            msg = OutboxMessage(channel=channel, recipient=recipient, body=body, alarm_id=w.alarm_id,
                                incident_id=w.incident_id, warning_id=w.id, exercise=w.exercise)
            ids.append(enqueue(db, msg, now=now, push=state.push))
    return ids


def _body(w: Warning, prefix: str = "") -> str:
    level_zh = {"red": "红色", "orange": "橙色", "yellow": "黄色", "blue": "蓝色"}[w.level]
    return f"{prefix}【{level_zh}预警/{w.level.upper()}】#{w.id} {w.title}"[:2000]


def raise_warning(db: Session, state: ServiceState, *, level: str, title: str, actor: Any, alarm_id: int | None = None,
                  incident_id: int | None = None, kind: str = "alarm", exercise: bool = False) -> Warning:
    """Raise a warning at ``level``, schedule its deadlines and push it out (ALM-1, ALM-2)."""
    actor = actor_name(actor)
    now = state.clock.now()
    policy = state.config.policies.levels[level]
    due = wp.deadlines(now, policy.verify_within_s, policy.feedback_within_s)
    w = Warning(kind=kind, level=level, stage="raised", title=title[:300], alarm_id=alarm_id, incident_id=incident_id,
                exercise=exercise, raised_at=now, verify_due_at=due.verify_due_at, feedback_due_at=due.feedback_due_at,
                created_at=now, updated_at=now)
    db.add(w)
    db.flush()
    _event(db, w, actor, "raised", now)
    schedule(db, "warning_verify", w.id, due.verify_due_at, now)
    schedule(db, "warning_feedback", w.id, due.feedback_due_at, now)
    outbox_ids = _notify(db, state, w, policy.notify_roles, policy.channels, _body(w), now)
    before = w.stage
    w.stage, w.pushed_at, w.notified = "pushed", now, len(outbox_ids)
    _event(db, w, actor, "pushed", now, before, data={"channels": policy.channels, "outbox_ids": outbox_ids})
    audit.record(db, actor, "warning.raise", "warning", w.id, after=to_json(w), clock=state.clock)
    state.push.record(db, "warning", "raised", _jsonable(to_json(w)))
    return w


def _advance(db: Session, state: ServiceState, w: Warning, target: str, actor: str, note: str = "") -> None:
    reason = wp.why_illegal(w.stage, target)
    if reason:
        raise Conflict(f"warning {w.id}: {reason}")
    now = state.clock.now()
    before_json = to_json(w)
    before = w.stage
    w.stage = target
    w.updated_at = now
    if target == "verified":
        w.verified_at, w.verified_by, w.verify_note = now, actor, note
    elif target == "fed_back":
        w.fed_back_at, w.fed_back_by, w.feedback = now, actor, note
    elif target == "closed":
        w.closed_at, w.closed_by = now, actor
    _event(db, w, actor, target, now, before, note)
    audit.record(db, actor, f"warning.{target}", "warning", w.id, before=before_json, after=to_json(w),
                 clock=state.clock)
    state.push.record(db, "warning", target, _jsonable(to_json(w)))


def verify(db: Session, state: ServiceState, warning_id: int, actor: Any, note: str = "") -> Warning:
    w = get(db, warning_id)
    _advance(db, state, w, "verified", actor_name(actor), note)
    return w


def feedback(db: Session, state: ServiceState, warning_id: int, actor: Any, text: str) -> Warning:
    w = get(db, warning_id)
    _advance(db, state, w, "fed_back", actor_name(actor), text)
    return w


def close(db: Session, state: ServiceState, warning_id: int, actor: Any, note: str = "") -> Warning:
    w = get(db, warning_id)
    _advance(db, state, w, "closed", actor_name(actor), note)
    if w.alarm_id is not None:
        alarm = db.get(Alarm, w.alarm_id)
        if alarm is not None and alarm.status in ("new", "verified"):
            alarm.status = "closed"
    return w


def verify_for_alarm(db: Session, state: ServiceState, alarm: Alarm, actor: Any, note: str) -> None:
    """Verifying an alarm verifies its warning (核查) if that is still pending."""
    if alarm.warning_id is None:
        return
    w = db.get(Warning, alarm.warning_id)
    if w is not None and w.stage in ("raised", "pushed"):
        _advance(db, state, w, "verified", actor_name(actor), note)


@handles("warning_verify", "warning_feedback")
def on_deadline(db: Session, state: ServiceState, job: ScheduledJob, now: datetime) -> None:
    """Scheduler handler: supervise (督办) a warning whose verify/feedback deadline passed unmet."""
    w = db.get(Warning, job.ref_id)
    if w is None:
        return
    deadline = "verify" if job.kind == "warning_verify" else "feedback"
    snap = wp.Snapshot(w.stage, w.verify_due_at, w.feedback_due_at, w.verified_at, w.fed_back_at,
                       w.verify_overdue_at, w.feedback_overdue_at)
    if deadline not in wp.overdue(snap, now):
        return
    policy = state.config.policies.levels[w.level]
    due_at = w.verify_due_at if deadline == "verify" else w.feedback_due_at
    if deadline == "verify":
        w.verify_overdue_at = now
    else:
        w.feedback_overdue_at = now
    w.updated_at = now
    word = {"verify": "核查超时/verification overdue", "feedback": "反馈超时/feedback overdue"}[deadline]
    outbox_ids = _notify(db, state, w, policy.supervise_roles, [c for c in policy.channels if c != "broadcast"]
                         or ["console"], _body(w, f"【督办】{word} "), now)
    esc = Escalation(warning_id=w.id, deadline=deadline, due_at=due_at, at=now, roles=list(policy.supervise_roles),
                     outbox_ids=outbox_ids)
    db.add(esc)
    _event(db, w, "scheduler", "supervised", now, note=word, data={"deadline": deadline, "outbox_ids": outbox_ids})
    db.flush()
    audit.record(db, "scheduler", "warning.supervise", "warning", w.id,
                 after={"deadline": deadline, "due_at": due_at, "escalation_id": esc.id}, clock=state.clock)
    state.push.record(db, "warning", "supervised", _jsonable({**to_json(w), "deadline": deadline}))


def search(db: Session, *, stage: str | None = None, level: str | None = None, alarm_id: int | None = None,
           incident_id: int | None = None, overdue: bool | None = None, exercise: bool | None = None,
           limit: int = 100, offset: int = 0) -> list[Warning]:
    q = select(Warning)
    if stage:
        q = q.where(Warning.stage == stage)
    if level:
        q = q.where(Warning.level == level)
    if alarm_id is not None:
        q = q.where(Warning.alarm_id == alarm_id)
    if incident_id is not None:
        q = q.where(Warning.incident_id == incident_id)
    if exercise is not None:
        q = q.where(Warning.exercise.is_(exercise))
    flagged = or_(Warning.verify_overdue_at.is_not(None), Warning.feedback_overdue_at.is_not(None))
    if overdue is True:
        q = q.where(flagged)
    elif overdue is False:
        q = q.where(~flagged)
    return list(db.execute(q.order_by(Warning.id.desc()).limit(limit).offset(offset)).scalars())


def metrics(db: Session, now: datetime, period_start: datetime | None, period_end: datetime | None,
            level: str | None = None, exercise: bool | None = False) -> dict:
    """Per level: raised, pushed, verified, fed_back, overdue, closed, closed_loop_rate (ALM-3)."""
    late = or_(
        Warning.verify_overdue_at.is_not(None), Warning.feedback_overdue_at.is_not(None),
        and_(Warning.verified_at.is_(None), Warning.verify_due_at <= now),
        and_(Warning.fed_back_at.is_(None), Warning.feedback_due_at <= now),
        Warning.verified_at > Warning.verify_due_at, Warning.fed_back_at > Warning.feedback_due_at,
    )

    def n(col):  # noqa: ANN001
        return func.sum(case((col, 1), else_=0))

    q = select(Warning.level, func.count(Warning.id), n(Warning.pushed_at.is_not(None)),
               n(Warning.verified_at.is_not(None)), n(Warning.fed_back_at.is_not(None)), n(late),
               n(Warning.closed_at.is_not(None))).group_by(Warning.level)
    if period_start is not None:
        q = q.where(Warning.raised_at >= period_start)
    if period_end is not None:
        q = q.where(Warning.raised_at < period_end)
    if level:
        q = q.where(Warning.level == level)
    if exercise is not None:
        q = q.where(Warning.exercise.is_(exercise))
    rows = {r[0]: [int(x or 0) for x in r[1:]] for r in db.execute(q)}
    keys = ("raised", "pushed", "verified", "fed_back", "overdue", "closed")
    out: dict[str, dict] = {}
    total = [0] * len(keys)
    for lv in ([level] if level else wp.LEVELS):
        vals = rows.get(lv, [0] * len(keys))
        total = [a + b for a, b in zip(total, vals)]
        out[lv] = dict(zip(keys, vals)) | {"closed_loop_rate": wp.closed_loop_rate(vals[1], vals[3])}
    out_total = dict(zip(keys, total)) | {"closed_loop_rate": wp.closed_loop_rate(total[1], total[3])}
    return {"period_start": period_start, "period_end": period_end, "levels": out, "total": out_total}
