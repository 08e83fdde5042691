"""Append to and verify the audit chain. Call ``record`` in the same transaction as the write."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from command.db.models.audit import AuditEntry, AuditHead
from command.domain.audit_chain import GENESIS, ChainProblem, entry_hash, verify_chain
from watchpost.clock import SYSTEM_CLOCK, Clock


def _jsonable(value: Any) -> Any:
    import json

    return None if value is None else json.loads(json.dumps(value, default=str))


def record(db: Session, actor: str, action: str, entity_type: str, entity_id: Any = None,
           before: Any = None, after: Any = None, note: str = "", clock: Clock = SYSTEM_CLOCK) -> AuditEntry:
    # Bump the head row first: that takes the row (PostgreSQL) or database (SQLite) write lock,
    # so two writers can never chain onto the same tip.
    res = db.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + 1))
    if res.rowcount == 0:
        db.add(AuditHead(id=1, seq=1, hash=GENESIS))
        db.flush()
    head = db.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one()
    db.refresh(head)
    seq = head.seq
    prev = head.hash
    at = clock.now()
    before_j, after_j = _jsonable(before), _jsonable(after)
    eid = None if entity_id is None else str(entity_id)
    h = entry_hash(prev, seq, at, actor, action, entity_type, eid, before_j, after_j, note)
    entry = AuditEntry(seq=seq, at=at, actor=actor, action=action, entity_type=entity_type, entity_id=eid,
                       before=before_j, after=after_j, prev_hash=prev, hash=h, note=note)
    db.add(entry)
    head.hash = h
    db.flush()
    return entry


def verify(db: Session, batch: int = 5000) -> list[ChainProblem]:
    def rows():
        last = 0
        while True:
            chunk = db.execute(select(AuditEntry).where(AuditEntry.seq > last).order_by(AuditEntry.seq).limit(batch)).scalars().all()
            if not chunk:
                return
            yield from chunk
            last = chunk[-1].seq

    problems = verify_chain(rows())
    head = db.get(AuditHead, 1)
    last_entry = db.execute(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).scalar_one_or_none()
    if head and last_entry and (head.seq != last_entry.seq or head.hash != last_entry.hash):
        problems.append(ChainProblem(head.seq, "chain tip does not match the last entry (rows deleted at the end?)"))
    return problems
