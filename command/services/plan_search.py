"""Full-text search over plans that works for Chinese (PLAN-2), and the index it reads.

SQLite: FTS5 with the trigram tokenizer (``plan_fts``, rowid = plan id) — any substring of 3+
characters matches, no word segmentation needed. Shorter terms (e.g. "泄漏" is 2 characters) cannot
be trigram-matched, so they fall back to LIKE on ``plan_search_docs``. PostgreSQL: ILIKE on
``plan_search_docs.content`` served by a pg_trgm GIN index (which also handles short terms).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from command.db.models.plans import Plan, PlanAttachment, PlanSearchDoc
from command.domain.plan_schema import parse
from command.errors import Invalid

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


def _terms(q: str) -> list[str]:
    return [t for t in q.replace("\u3000", " ").split() if t]


def search(db: Session, q: str = "", *, scope: str | None = None, enterprise: str | None = None,
           hazard_type: str | None = None, level: str | None = None, status: str | None = None,
           since: datetime | None = None, until: datetime | None = None, limit: int = 50,
           offset: int = 0) -> list[tuple[Plan, str | None]]:
    """Plans whose text holds every term of ``q`` (AND), filtered; newest first, each with a
    snippet around the first term (None without terms)."""
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
    docs = {d.plan_id: d.content for d in db.execute(select(PlanSearchDoc).where(
        PlanSearchDoc.plan_id.in_([r.id for r in rows]))).scalars()} if terms and rows else {}
    return [(r, _snippet(docs.get(r.id, ""), terms[0]) if terms else None) for r in rows]


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
