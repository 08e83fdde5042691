"""The one alarm intake for every source (ALM-4, CMD-2 接处警): video, sensor, phone, SMS, CAP,
system and drill all come through ``ingest``.

Idempotent on (source, source_event_id): the key is unique in the database, so a retry — even
one racing the original — returns the same alarm. Repeats from the same source/place/type within
the merge window fold into the open alarm. Commits before returning: an answer means it is on disk.
"""

from __future__ import annotations

import zlib
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Text, cast, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from command.db.models.alarms import Alarm, AlarmKey
from command.domain import alarm_merge
from command.errors import Conflict, NotFound
from command.services import audit, warnings, worker_commands
from command.services.linkage import linkage_command
from command.services.warnings import actor_name
from command.state import ServiceState
from watchpost.events import AlarmEvent

VERDICT_STATUS = {"true": "verified", "false": "false_alarm", "drill": "drill"}


def _iso(v: datetime | None) -> str | None:
    return v.isoformat() if v is not None else None


def to_json(a: Alarm) -> dict:
    """The alarm as the API and the console see it (JSON-ready)."""
    return {
        "id": a.id, "source": a.source, "source_event_id": a.source_event_id, "type": a.type, "level": a.level,
        "status": a.status, "occurred_at": _iso(a.occurred_at), "last_seen_at": _iso(a.last_seen_at),
        "occurrences": a.occurrences,
        "location": {"name": a.location_name, "site": a.site, "lon": a.lon, "lat": a.lat},
        "camera_id": a.camera_id, "score": a.score, "boxes": a.boxes or [], "reading": a.reading,
        "title": a.title, "description": a.description, "evidence": a.evidence or [],
        "verdict": a.verdict, "verified_by": a.verified_by, "verified_at": _iso(a.verified_at),
        "verify_note": a.verify_note, "exercise": a.exercise, "incident_id": a.incident_id,
        "warning_id": a.warning_id, "created_at": _iso(a.created_at),
    }


def _by_key(db: Session, source: str, source_event_id: str) -> Alarm | None:
    alarm_id = db.execute(select(AlarmKey.alarm_id).where(AlarmKey.source == source,
                                                          AlarmKey.source_event_id == source_event_id)).scalar()
    return db.get(Alarm, alarm_id) if alarm_id is not None else None


def _lock_merge_key(db: Session, key: str) -> None:
    # SQLite already serialises writers (BEGIN IMMEDIATE); on PostgreSQL two different events for
    # the same place would otherwise both miss each other and open two alarms.
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": zlib.crc32(key.encode()) - 2**31})


def ingest(db: Session, state: ServiceState, event: AlarmEvent, actor: Any) -> tuple[Alarm, bool]:
    """Store ``event``; returns (alarm, created). created is False for a retry or a merged repeat.

    Commits. Call it with a session that holds no other uncommitted work.
    """
    for _ in range(3):
        try:
            return _ingest_once(db, state, event, actor_name(actor))
        except IntegrityError:
            # Lost a race with the same key: the winner's alarm is the answer.
            db.rollback()
            existing = _by_key(db, event.source, event.source_event_id)
            if existing is not None:
                db.commit()
                return existing, False
    raise Conflict(f"could not store alarm {event.source}/{event.source_event_id}: concurrent writers")


def _ingest_once(db: Session, state: ServiceState, event: AlarmEvent, actor: str) -> tuple[Alarm, bool]:
    key = alarm_merge.merge_key(event.source, event.type, event.camera_id, event.location.site, event.location.name)
    _lock_merge_key(db, key)
    existing = _by_key(db, event.source, event.source_event_id)
    if existing is not None:
        db.commit()
        return existing, False
    now = state.clock.now()
    evidence = [e.model_dump(mode="json") for e in event.evidence]
    open_alarm = db.execute(select(Alarm).where(Alarm.merge_key == key, Alarm.status.in_(alarm_merge.OPEN_STATUSES),
                                                Alarm.exercise.is_(event.exercise))
                            .order_by(Alarm.last_seen_at.desc()).limit(1)).scalar_one_or_none()
    if open_alarm is not None and alarm_merge.folds_into(state.config.policies.merge_window_s, open_alarm.status,
                                                         open_alarm.last_seen_at, open_alarm.exercise,
                                                         event.occurred_at, event.exercise):
        before = to_json(open_alarm)
        db.add(AlarmKey(source=event.source, source_event_id=event.source_event_id, alarm_id=open_alarm.id, at=now))
        db.flush()
        open_alarm.occurrences += 1
        open_alarm.last_seen_at = max(open_alarm.last_seen_at, event.occurred_at)
        seen = {e.get("uri") for e in open_alarm.evidence or []}
        open_alarm.evidence = list(open_alarm.evidence or []) + [e for e in evidence if e["uri"] not in seen]
        if event.score is not None:
            open_alarm.score = max(open_alarm.score or 0.0, event.score)
        if event.boxes:
            open_alarm.boxes = [b.model_dump() for b in event.boxes]
        if event.reading is not None:
            open_alarm.reading = event.reading.model_dump()
        open_alarm.updated_at = now
        after = to_json(open_alarm)
        audit.record(db, actor, "alarm.merge", "alarm", open_alarm.id, before=before, after=after,
                     note=f"{event.source}/{event.source_event_id}", clock=state.clock)
        state.push.record(db, "alarm", "updated", after)
        db.commit()
        return open_alarm, False

    level = alarm_merge.level_for(event.level, event.type, dict(state.config.policies.default_level_by_type))
    alarm = Alarm(
        source=event.source, source_event_id=event.source_event_id, type=event.type, level=level, status="new",
        occurred_at=event.occurred_at, last_seen_at=event.occurred_at, occurrences=1, merge_key=key,
        location_name=event.location.name, site=event.location.site, lon=event.location.lon, lat=event.location.lat,
        camera_id=event.camera_id, score=event.score, boxes=[b.model_dump() for b in event.boxes],
        reading=event.reading.model_dump() if event.reading else None,
        title=event.title or f"{event.type} @ {event.location.name or event.camera_id or event.location.site or '?'}",
        description=event.description, evidence=evidence, raw=event.raw, exercise=event.exercise,
        created_by=actor, created_at=now, updated_at=now,
    )
    db.add(alarm)
    db.flush()  # the unique (source, source_event_id) constraint fires here for a racing duplicate
    db.add(AlarmKey(source=event.source, source_event_id=event.source_event_id, alarm_id=alarm.id, at=now))
    w = warnings.raise_warning(db, state, level=level, title=alarm.title, actor=actor, alarm_id=alarm.id,
                               exercise=alarm.exercise)
    alarm.warning_id = w.id
    db.flush()
    after = to_json(alarm)
    audit.record(db, actor, "alarm.create", "alarm", alarm.id, after=after | {"raw": event.raw}, clock=state.clock)
    state.push.record(db, "alarm", "created", after)
    cmd = linkage_command(state.config, event.source, event.source_event_id,
                          [event.location.name, event.location.site, event.reading.parameter if event.reading else None])
    if cmd is not None:  # the worker that runs the linked cameras attaches its evidence to this alarm
        worker_commands.queue(db, cmd, now)
    db.commit()
    return alarm, True


def get(db: Session, alarm_id: int) -> Alarm:
    a = db.get(Alarm, alarm_id)
    if a is None:
        raise NotFound(f"alarm {alarm_id} not found")
    return a


def verify(db: Session, state: ServiceState, alarm_id: int, verdict: str, actor: Any, note: str = "") -> Alarm:
    """A duty officer's verdict (true / false / drill), kept with who and when; flushes, caller commits."""
    actor = actor_name(actor)
    a = get(db, alarm_id)
    if a.status == "closed":
        raise Conflict(f"alarm {alarm_id} is closed; its verdict can no longer change")
    before = to_json(a)
    a.verdict, a.verified_by, a.verified_at, a.verify_note = verdict, actor, state.clock.now(), note
    a.status = VERDICT_STATUS[verdict]
    a.updated_at = a.verified_at
    warnings.verify_for_alarm(db, state, a, actor, f"alarm verdict: {verdict}. {note}".strip())
    db.flush()
    after = to_json(a)
    audit.record(db, actor, "alarm.verify", "alarm", a.id, before=before, after=after, clock=state.clock)
    state.push.record(db, "alarm", "verified", after)
    return a


def search(db: Session, *, status: str | None = None, type_: str | None = None, level: str | None = None,
           source: str | None = None, since: datetime | None = None, exercise: bool | None = None,
           incident_id: int | None = None, camera_id: str | None = None, until: datetime | None = None,
           limit: int = 100, offset: int = 0) -> list[Alarm]:
    q = _filtered(select(Alarm), status=status, type_=type_, level=level, source=source, since=since,
                  exercise=exercise, incident_id=incident_id, camera_id=camera_id, until=until)
    return list(db.execute(q.order_by(Alarm.occurred_at.desc(), Alarm.id.desc()).limit(limit).offset(offset)).scalars())


# The list's columns, JSON ones read as their stored text: a page of alarms is answered without building
# an ORM object per row or decoding and re-encoding its boxes and evidence (issue #23: 0.25 ms of CPU a row).
_JSON_TEXT = ("boxes", "reading", "evidence")
_LIST_COLUMNS = [c for c in Alarm.__table__.columns if c.name not in ("merge_key", "raw", "created_by", "updated_at")]


def search_json(db: Session, **filters: Any) -> list[dict]:
    """``search`` as ``to_json`` would give it, for serialising with orjson (JSON columns as Fragments)."""
    limit, offset = filters.pop("limit", 100), filters.pop("offset", 0)
    # CAST, not a type coercion: PostgreSQL's driver would decode JSON itself.
    cols = [cast(c, Text).label(c.name) if c.name in _JSON_TEXT else c for c in _LIST_COLUMNS]
    q = _filtered(select(*cols), **filters)
    rows = db.execute(q.order_by(Alarm.occurred_at.desc(), Alarm.id.desc()).limit(limit).offset(offset)).mappings()
    return [_row_json(r) for r in rows]


def _fragment(raw: str | None, empty: str) -> orjson.Fragment:
    return orjson.Fragment(raw if raw not in (None, "null") else empty)


def _row_json(a: Any) -> dict:
    return {
        "id": a["id"], "source": a["source"], "source_event_id": a["source_event_id"], "type": a["type"],
        "level": a["level"], "status": a["status"], "occurred_at": _iso(a["occurred_at"]),
        "last_seen_at": _iso(a["last_seen_at"]), "occurrences": a["occurrences"],
        "location": {"name": a["location_name"], "site": a["site"], "lon": a["lon"], "lat": a["lat"]},
        "camera_id": a["camera_id"], "score": a["score"], "boxes": _fragment(a["boxes"], "[]"),
        "reading": _fragment(a["reading"], "null"), "title": a["title"], "description": a["description"],
        "evidence": _fragment(a["evidence"], "[]"), "verdict": a["verdict"], "verified_by": a["verified_by"],
        "verified_at": _iso(a["verified_at"]), "verify_note": a["verify_note"], "exercise": a["exercise"],
        "incident_id": a["incident_id"], "warning_id": a["warning_id"], "created_at": _iso(a["created_at"]),
    }


def _filtered(q: Any, *, status: str | None = None, type_: str | None = None, level: str | None = None,
              source: str | None = None, since: datetime | None = None, exercise: bool | None = None,
              incident_id: int | None = None, camera_id: str | None = None, until: datetime | None = None) -> Any:
    for col, val in ((Alarm.status, status), (Alarm.type, type_), (Alarm.level, level), (Alarm.source, source),
                     (Alarm.incident_id, incident_id), (Alarm.camera_id, camera_id)):
        if val is not None:
            q = q.where(col == val)
    if since is not None:
        q = q.where(Alarm.last_seen_at >= since)
    if until is not None:
        q = q.where(Alarm.occurred_at <= until)
    if exercise is not None:
        q = q.where(Alarm.exercise.is_(exercise))
    return q


def attach_evidence(db: Session, state: ServiceState, source: str, source_event_id: str,
                    evidence: list[dict], actor: Any) -> Alarm:
    """Add evidence to the alarm that ``(source, source_event_id)`` opened or merged into.

    Idempotent: a uri already attached is not added twice (the worker's spool may resend). Commits.
    """
    alarm = _by_key(db, source, source_event_id)
    if alarm is None:
        raise NotFound(f"no alarm for {source}/{source_event_id}")
    before = to_json(alarm)
    known = {e.get("uri"): i for i, e in enumerate(alarm.evidence or [])}
    merged = list(alarm.evidence or [])
    for e in evidence:
        if e["uri"] in known:
            merged[known[e["uri"]]] = e  # a later copy may carry the hash the first lacked
        else:
            merged.append(e)
    alarm.evidence = merged
    alarm.updated_at = state.clock.now()
    after = to_json(alarm)
    audit.record(db, actor_name(actor), "alarm.evidence", "alarm", alarm.id, before={"evidence": before["evidence"]},
                 after={"evidence": after["evidence"]}, clock=state.clock)
    state.push.record(db, "alarm", "updated", after)
    db.commit()
    return alarm
