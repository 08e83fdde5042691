"""Plan attachments (PLAN-1): PDF/DOCX files stored by content hash, their text extracted into
the plan's search index."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from command.db.models.plans import PlanAttachment
from command.domain import plan_workflow as wf
from command.errors import Conflict, Invalid, TooLarge
from command.services import audit, plan_reader, plans
from command.services.plan_search import reindex

KINDS = {".pdf": "application/pdf",
         ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def content_type(filename: str) -> str:
    """The attachment's media type by its extension; other files are refused with the reason."""
    ext = Path(filename).suffix.lower()
    if ext not in KINDS:
        raise Invalid(f"file: only PDF or DOCX attachments are accepted, got {ext or 'no extension'!r}")
    return KINDS[ext]


def extract_text(filename: str, data: bytes) -> str:
    content_type(filename)  # PDF or DOCX, else refused
    return plan_reader.document_text(filename, data)


def add_attachment(db: Session, state: Any, actor: str, plan_id: int, filename: str, data: bytes,
                   text: str | None = None, commit: bool = True) -> PlanAttachment:
    """Store the file and index its text (``text`` when the caller has read it already)."""
    cfg = state.config.map
    if len(data) > cfg.max_attachment_mb * 1024 * 1024:
        raise TooLarge(f"file: larger than {cfg.max_attachment_mb:g} MB")
    if not data:
        raise Invalid("file: empty")
    p = plans.get(db, plan_id, lock=True)
    reason = wf.why_not_editable(p.status)
    if reason:
        raise Conflict(f"plan {plan_id}: {reason}")
    media_type = content_type(filename)
    body = extract_text(filename, data) if text is None else text
    sha = hashlib.sha256(data).hexdigest()
    root = Path(cfg.attachments_dir)
    path = root / sha[:2] / (sha + Path(filename).suffix.lower())
    if not path.exists():  # content-addressed: identical files are stored once
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    a = PlanAttachment(plan_id=plan_id, filename=Path(filename).name[:300], content_type=media_type,
                       sha256=sha, size=len(data), path=str(path), text=body, at=state.clock.now(), actor=actor)
    db.add(a)
    db.flush()
    reindex(db, p)
    audit.record(db, actor, "plan.attach", "plan", plan_id,
                 after={"attachment_id": a.id, "filename": a.filename, "sha256": sha, "size": a.size},
                 clock=state.clock)
    if commit:
        db.commit()
    return a


def attachment_json(a: PlanAttachment) -> dict:
    return {"id": a.id, "plan_id": a.plan_id, "filename": a.filename, "content_type": a.content_type,
            "sha256": a.sha256, "size": a.size, "at": a.at.isoformat(), "actor": a.actor, "chars": len(a.text)}
