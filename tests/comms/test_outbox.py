"""Durable outbox records and their status rules (CMD-7, COM-2)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from comms.models import OutboxRecord
from comms.outbox import EXERCISE_PREFIX, enqueue, transition
from watchpost.db import make_engine, make_sessionmaker, session_scope
from watchpost.events import OutboxMessage

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)


def test_enqueue_persists_in_callers_transaction(db_url):
    """CMD-7: a queued record with a history entry exists before anything is sent; enqueue
    does not commit, so a rolled-back caller leaves nothing behind."""
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    with sessions() as db:
        mid = enqueue(db, OutboxMessage(channel="sms", recipient="+8613800000001", body="火警 fire", alarm_id=7))
        assert mid > 0
        db.rollback()
    with sessions() as db:
        assert db.execute(select(OutboxRecord)).scalars().all() == []
    with session_scope(sessions) as db:
        mid = enqueue(db, OutboxMessage(channel="sms", recipient="+8613800000001", body="火警 fire", alarm_id=7),
                      client_ref="ref-1", now=T0)
    with sessions() as db:
        rec = db.get(OutboxRecord, mid)
        assert (rec.status, rec.client_ref, rec.alarm_id, rec.attempts) == ("queued", "ref-1", 7, 0)
        assert [h.status for h in rec.history] == ["queued"]
        assert rec.created_at == T0
    engine.dispose()


def test_exercise_is_prefixed(sqlite_url):
    """Drill safety: exercise messages carry the 演练/EXERCISE mark in the stored body."""
    engine = make_engine(sqlite_url)
    with session_scope(make_sessionmaker(engine)) as db:
        mid = enqueue(db, OutboxMessage(channel="sms", recipient="+1555", body="drill fire", exercise=True))
        rec = db.get(OutboxRecord, mid)
        assert rec.body.startswith(f"【{EXERCISE_PREFIX}】") and rec.exercise
    engine.dispose()


def test_status_never_moves_backwards(sqlite_url):
    """Out-of-order and repeated callbacks are kept in the history but do not regress the status."""
    engine = make_engine(sqlite_url)
    with session_scope(make_sessionmaker(engine)) as db:
        rec = db.get(OutboxRecord, enqueue(db, OutboxMessage(channel="sms", recipient="+1555", body="x")))
        t = T0
        steps = [("sending", True), ("delivered", True), ("sent", False), ("sent", False), ("queued", False),
                 ("undelivered", False)]
        for status, moved in steps:
            t += timedelta(seconds=1)
            assert transition(db, rec, status, at=t, source="callback") is moved, status
        assert rec.status == "delivered" and rec.final_at is not None
        assert len(rec.history) == 1 + len(steps)
    engine.dispose()
