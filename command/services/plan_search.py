"""Plan attachments and full-text search that works for Chinese (PLAN-2).

SQLite: FTS5 with the trigram tokenizer (``plan_fts``, rowid = plan id) — any substring of 3+
characters matches, no word segmentation needed. Shorter terms (e.g. "泄漏" is 2 characters) cannot
be trigram-matched, so they fall back to LIKE on ``plan_search_docs``. PostgreSQL: ILIKE on
``plan_search_docs.content`` served by a pg_trgm GIN index (which also handles short terms).
"""

from __future__ import annotations

import hashlib
import io
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from command.db.models.plans import Plan, PlanAttachment, PlanSearchDoc
from command.domain.plan_schema import parse
from command.errors import Invalid, TooLarge
from command.services import audit

KINDS = {".pdf": "application/pdf",
         ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def extract_text(filename: str, data: bytes) -> str:
    ext = Path(filename).suffix.lower()
    try:
        if ext == ".pdf":
            from pypdf import PdfReader

            return "\n".join((pg.extract_text() or "") for pg in PdfReader(io.BytesIO(data)).pages)
        if ext == ".docx":
            import docx

            d = docx.Document(io.BytesIO(data))
            parts = [p.text for p in d.paragraphs]
            for t in d.tables:
                for row in t.rows:
                    parts.append(" ".join(c.text for c in row.cells))
            return "\n".join(parts)
    except Exception as e:  # a corrupt file is bad input, not a server error
        raise Invalid(f"file: cannot read {ext[1:].upper()} ({type(e).__name__}: {e})") from None
    raise Invalid(f"file: only PDF or DOCX attachments are accepted, got {ext or 'no extension'!r}")


def _doc_text(db: Session, p: Plan) -> str:
    parts = [p.title, p.enterprise, p.issuer, " ".join(p.hazard_types or []), p.level, p.body]
    if p.structured:
        parts.append(parse(p.structured).search_text())
    if p.id is not None:
        parts += list(db.execute(select(PlanAttachment.text).where(PlanAttachment.plan_id == p.id)).scalars())
    return "\n".join(x for x in parts if x)


def reindex(db: Session, p: Plan) -> None:
    content = _doc_text(db, p)
    doc = db.get(PlanSearchDoc, p.id)
    if doc is None:
        db.add(PlanSearchDoc(plan_id=p.id, content=content))
    else:
        doc.content = content
    if db.get_bind().dialect.name == "sqlite":
        db.execute(text("DELETE FROM plan_fts WHERE rowid = :id"), {"id": p.id})
        db.execute(text("INSERT INTO plan_fts(rowid, content) VALUES (:id, :c)"), {"id": p.id, "c": content})
    db.flush()


def add_attachment(db: Session, state: Any, actor: str, plan_id: int, filename: str, data: bytes) -> PlanAttachment:
    from command.domain import plan_workflow as wf
    from command.errors import Conflict
    from command.services.plans import get

    cfg = state.config.map
    if len(data) > cfg.max_attachment_mb * 1024 * 1024:
        raise TooLarge(f"file: larger than {cfg.max_attachment_mb:g} MB")
    if not data:
        raise Invalid("file: empty")
    p = get(db, plan_id, lock=True)
    reason = wf.why_not_editable(p.status)
    if reason:
        raise Conflict(f"plan {plan_id}: {reason}")
    body = extract_text(filename, data)
    sha = hashlib.sha256(data).hexdigest()
    root = Path(cfg.attachments_dir)
    path = root / sha[:2] / (sha + Path(filename).suffix.lower())
    if not path.exists():  # content-addressed: identical files are stored once
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    a = PlanAttachment(plan_id=plan_id, filename=Path(filename).name[:300], content_type=KINDS[Path(filename).suffix.lower()],
                       sha256=sha, size=len(data), path=str(path), text=body, at=state.clock.now(), actor=actor)
    db.add(a)
    db.flush()
    reindex(db, p)
    audit.record(db, actor, "plan.attach", "plan", plan_id,
                 after={"attachment_id": a.id, "filename": a.filename, "sha256": sha, "size": a.size},
                 clock=state.clock)
    db.commit()
    return a


def attachment_json(a: PlanAttachment) -> dict:
    return {"id": a.id, "plan_id": a.plan_id, "filename": a.filename, "content_type": a.content_type,
            "sha256": a.sha256, "size": a.size, "at": a.at.isoformat(), "actor": a.actor, "chars": len(a.text)}


def _terms(q: str) -> list[str]:
    return [t for t in q.replace("\u3000", " ").split() if t]


def search(db: Session, q: str = "", *, scope: str | None = None, enterprise: str | None = None,
           hazard_type: str | None = None, level: str | None = None, status: str | None = None,
           since: datetime | None = None, until: datetime | None = None, limit: int = 50,
           offset: int = 0) -> list[dict]:
    """Plans whose text holds every term of ``q`` (AND), filtered; newest first, with a snippet."""
    from command.services.plans import to_json

    stmt = select(Plan)
    terms = _terms(q)
    dialect = db.get_bind().dialect.name
    if terms:
        long_terms = [t for t in terms if len(t) >= 3]
        short_terms = [t for t in terms if len(t) < 3]
        if dialect == "sqlite" and long_terms:
            expr = " AND ".join('"' + t.replace('"', '""') + '"' for t in long_terms)
            ids = select(text("rowid")).select_from(text("plan_fts")).where(text("plan_fts MATCH :m").bindparams(m=expr))
            stmt = stmt.where(Plan.id.in_(ids))
        else:
            short_terms = terms
        if short_terms:
            stmt = stmt.join(PlanSearchDoc, PlanSearchDoc.plan_id == Plan.id)
            for t in short_terms:
                esc = t.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                op = PlanSearchDoc.content.ilike if dialect == "postgresql" else PlanSearchDoc.content.like
                stmt = stmt.where(op(f"%{esc}%", escape="\\"))
    if scope:
        stmt = stmt.where(Plan.scope == scope)
    if enterprise:
        stmt = stmt.where(Plan.enterprise == enterprise)
    if level:
        stmt = stmt.where(Plan.level == level)
    if status:
        stmt = stmt.where(Plan.status == status)
    if since:
        stmt = stmt.where(Plan.updated_at >= since)
    if until:
        stmt = stmt.where(Plan.updated_at <= until)
    if hazard_type:
        # JSON list stored as text on both backends; the quotes keep "fire" from matching "wildfire".
        esc = hazard_type.replace('"', '')
        from sqlalchemy import String, cast

        stmt = stmt.where(cast(Plan.hazard_types, String).like(f'%"{esc}"%'))
    rows = db.execute(stmt.order_by(Plan.updated_at.desc(), Plan.id.desc()).limit(limit).offset(offset)).scalars().all()
    out = []
    docs = {d.plan_id: d.content for d in db.execute(select(PlanSearchDoc).where(
        PlanSearchDoc.plan_id.in_([r.id for r in rows]))).scalars()} if terms and rows else {}
    for r in rows:
        d = to_json(r)
        if terms:
            d["snippet"] = _snippet(docs.get(r.id, ""), terms[0])
        out.append(d)
    return out


def _snippet(content: str, term: str, width: int = 40) -> str:
    i = content.lower().find(term.lower())
    if i < 0:
        return content[: width * 2]
    return content[max(0, i - width): i + len(term) + width]


DIMENSIONS = ("scope", "status", "enterprise", "level", "hazard_type", "year")


def stats(db: Session, dimension: str) -> list[dict]:
    """Counts of plans by one dimension (PLAN-2)."""
    if dimension not in DIMENSIONS:
        raise Invalid(f"dimension: one of {', '.join(DIMENSIONS)}")
    if dimension == "hazard_type":
        counts: dict[str, int] = {}
        for hts in db.execute(select(Plan.hazard_types)).scalars():
            for h in hts or []:
                counts[h] = counts.get(h, 0) + 1
        return [{"key": k, "count": v} for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    if dimension == "year":
        col = func.extract("year", Plan.created_at) if db.get_bind().dialect.name == "postgresql" \
            else func.strftime("%Y", Plan.created_at)
    else:
        col = getattr(Plan, dimension)
    rows = db.execute(select(col, func.count()).group_by(col).order_by(func.count().desc())).all()
    return [{"key": str(int(k)) if isinstance(k, float) else str(k), "count": n} for k, n in rows]
