"""Hash chain over audit entries (pure): tampering with any row breaks every later hash."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable

GENESIS = "0" * 64


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _ts(at: datetime) -> str:
    return (at if at.tzinfo else at.replace(tzinfo=timezone.utc)).astimezone(timezone.utc).isoformat()


def entry_hash(prev_hash: str, seq: int, at: datetime, actor: str, action: str, entity_type: str,
               entity_id: str | None, before: Any, after: Any, note: str) -> str:
    body = canonical([seq, _ts(at), actor, action, entity_type, entity_id, before, after, note])
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    reason: str


def verify_chain(rows: Iterable[Any]) -> list[ChainProblem]:
    """``rows`` in seq order, each with the AuditEntry attributes. Returns every break found."""
    problems: list[ChainProblem] = []
    prev = GENESIS
    expected_seq = 1
    for r in rows:
        if r.seq != expected_seq:
            problems.append(ChainProblem(r.seq, f"sequence gap: expected {expected_seq}"))
        if r.prev_hash != prev:
            problems.append(ChainProblem(r.seq, "prev_hash does not match the previous entry"))
        h = entry_hash(r.prev_hash, r.seq, r.at, r.actor, r.action, r.entity_type, r.entity_id, r.before, r.after, r.note)
        if h != r.hash:
            problems.append(ChainProblem(r.seq, "content does not match its hash"))
        prev = r.hash
        expected_seq = r.seq + 1
    return problems
