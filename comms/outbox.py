"""The durable outbox: every message to every recipient is a row before anything is sent.

``enqueue`` works inside the caller's transaction (flush, never commit) so an alarm, a warning and
the messages announcing it commit together or not at all. Status changes go through
``transition`` which keeps the history and refuses to move a status backwards.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from comms.models import FINAL, OutboxEvent, OutboxRecord
from watchpost.db import utcnow
from watchpost.events import OutboxMessage

EXERCISE_PREFIX = "演练/EXERCISE"

# Progress order; a callback that arrives late (queued after sent, sent after delivered) is
# recorded in the history but does not move the status.
RANK = {"queued": 0, "sending": 1, "sent": 2, "delivered": 3, "undelivered": 3, "failed": 3}


class Pusher(Protocol):
    def record(self, db: Session, topic: str, action: str, data: dict[str, Any]) -> None: ...


def mark_exercise(body: str) -> str:
    return body if EXERCISE_PREFIX in body[:16] else f"【{EXERCISE_PREFIX}】{body}"


def new_client_ref() -> str:
    return "wp-" + uuid.uuid4().hex


def enqueue(db: Session, message: OutboxMessage, *, campaign_id: int | None = None, client_ref: str | None = None,
            recipient_name: str = "", lang: str = "zh", policy: str | None = None, step: int = 0,
            contact_id: int | None = None, escalated_from_id: int | None = None,
            ack_due_at: datetime | None = None, now: datetime | None = None, push: Pusher | None = None) -> int:
    """Persist one queued outbox record in the caller's transaction and return its id.

    Exercise messages are prefixed "演练/EXERCISE" here, so the record shows exactly what goes out;
    where they go (drill sink or the named test group) is decided by the dispatcher.
    """
    return _build(db, message, campaign_id=campaign_id, client_ref=client_ref, recipient_name=recipient_name,
                  lang=lang, policy=policy, step=step, contact_id=contact_id, escalated_from_id=escalated_from_id,
                  ack_due_at=ack_due_at, now=now, push=push, flush=True).id


def _build(db: Session, message: OutboxMessage, *, campaign_id: int | None = None, client_ref: str | None = None,
           recipient_name: str = "", lang: str = "zh", policy: str | None = None, step: int = 0,
           contact_id: int | None = None, escalated_from_id: int | None = None, ack_due_at: datetime | None = None,
           now: datetime | None = None, push: Pusher | None = None, flush: bool = True) -> OutboxRecord:
    at = now or utcnow()
    body = mark_exercise(message.body) if message.exercise else message.body
    rec = OutboxRecord(
        client_ref=client_ref or new_client_ref(), campaign_id=campaign_id, channel=message.channel,
        recipient=message.recipient, recipient_name=recipient_name, body=body, lang=lang,
        alarm_id=message.alarm_id, incident_id=message.incident_id, warning_id=message.warning_id,
        exercise=message.exercise, status="queued", attempts=0, next_attempt_at=None, policy=policy, step=step,
        contact_id=contact_id, escalated_from_id=escalated_from_id, ack_due_at=ack_due_at,
        created_at=at, updated_at=at,
    )
    rec.history.append(OutboxEvent(at=at, status="queued", source="enqueue",
                                   detail=f"{message.channel} to {message.recipient}"))
    db.add(rec)
    if flush:
        db.flush()
        if push is not None:
            push.record(db, "outbox", "queued", summary(rec))
    return rec


def enqueue_many(db: Session, messages: list[OutboxMessage], *, campaign_id: int | None = None,
                 now: datetime | None = None, push: Pusher | None = None) -> list[int]:
    """``enqueue`` for a whole campaign with one flush (bulk INSERT): 10,000 recipients in seconds."""
    recs = [_build(db, m, campaign_id=campaign_id, now=now, flush=False) for m in messages]
    db.flush()
    if push is not None:
        push.record(db, "outbox", "queued", {"campaign_id": campaign_id, "count": len(recs)})
    return [r.id for r in recs]


def summary(rec: OutboxRecord) -> dict[str, Any]:
    """What consoles get pushed: enough to update a progress row, no history."""
    return {"id": rec.id, "campaign_id": rec.campaign_id, "channel": rec.channel, "recipient": rec.recipient,
            "status": rec.status, "attempts": rec.attempts, "error_code": rec.error_code,
            "exercise": rec.exercise, "acked": rec.acked_at is not None}


def transition(db: Session, rec: OutboxRecord, status: str, *, at: datetime, source: str,
               provider_id: str | None = None, error_code: str | None = None, detail: str = "",
               push: Pusher | None = None, retry: bool = False) -> bool:
    """Record ``status`` for ``rec``; returns whether the current status moved.

    Every report goes into the history (an evaluator sees repeated and late callbacks too), but
    the status only moves forwards, and a final status is never replaced by another final one
    except undelivered -> delivered (carriers do report a late delivery).
    """
    rec.history.append(OutboxEvent(at=at, status=status, source=source, provider_id=provider_id,
                                   error_code=error_code, detail=detail[:2000]))
    if provider_id and not rec.provider_id:
        rec.provider_id = provider_id
    moved = False
    cur = rec.status
    # ``retry``: only the dispatcher puts a failed attempt back to queued; a provider's late
    # "queued" callback must never do that (it would send again).
    if RANK.get(status, -1) > RANK.get(cur, -1) or (cur == "undelivered" and status == "delivered") \
            or (retry and status == "queued" and cur == "sending"):
        rec.status = status
        moved = True
        if status == "sent" and rec.sent_at is None:
            rec.sent_at = at
        if status in FINAL:
            rec.final_at = at
        if error_code is not None or status in ("failed", "undelivered"):
            rec.error_code = error_code
            rec.error_message = detail or rec.error_message
        elif status == "delivered":
            rec.error_code = None
    rec.updated_at = at
    db.flush()
    if moved and push is not None:
        push.record(db, "outbox", status, summary(rec))
    return moved
