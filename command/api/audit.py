from __future__ import annotations

from fastapi import Depends, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from command.api.deps import get_db, require
from command.api.routing import api_router
from command.db.models.audit import AuditEntry
from command.db.models.users import User
from command.domain.roles import Role
from command.services import audit
from watchpost.fields import Count, Text

router = api_router(prefix="/api/audit", tags=["audit"])
AUDITORS = (Role.admin, Role.evaluator)


def entry_view(e: AuditEntry) -> dict:
    return {"seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action, "entity_type": e.entity_type,
            "entity_id": e.entity_id, "before": e.before, "after": e.after, "note": e.note, "hash": e.hash}


@router.get("")
def list_audit(entity_type: Text | None = Query(None, max_length=50),
               entity_id: Text | None = Query(None, max_length=100),
               actor: Text | None = Query(None, max_length=100), after_seq: Count = 0, limit: int = Query(100, ge=1, le=1000),
               db: Session = Depends(get_db), _: User = Depends(require(*AUDITORS))) -> list[dict]:
    q = select(AuditEntry).where(AuditEntry.seq > after_seq)
    if entity_type:
        q = q.where(AuditEntry.entity_type == entity_type)
    if entity_id:
        q = q.where(AuditEntry.entity_id == entity_id)
    if actor:
        q = q.where(AuditEntry.actor == actor)
    return [entry_view(e) for e in db.execute(q.order_by(AuditEntry.seq).limit(limit)).scalars()]


@router.get("/verify")
def verify_audit(db: Session = Depends(get_db), _: User = Depends(require(*AUDITORS))) -> dict:
    problems = audit.verify(db)
    return {"ok": not problems, "problems": [{"seq": p.seq, "reason": p.reason} for p in problems]}
