"""A drill's evaluation report: drafted from the record when first asked for, edited by the
organiser (each save a new version), finalised, rendered to PDF or DOCX, searchable (DRL-3)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from command.db.models.drills import Drill, DrillReport
from command.errors import Conflict, NotFound
from command.services import audit, drills
from command.state import ServiceState
from drills import render
from drills.report import Lang, ReportDraft, draft
from watchpost import documents as docs

FORMATS = {"pdf": "application/pdf", "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def _searchable(d: ReportDraft) -> str:
    return "\n".join([d.title, *(p for s in d.sections for p in [s.title, *s.paragraphs]), *d.strengths,
                      *(f"{i.issue} {i.action} {i.owner}" for i in d.improvement_plan)])


def to_json(r: DrillReport) -> dict[str, Any]:
    return {"id": r.id, "drill_id": r.drill_id, "version": r.version, "lang": r.lang, "status": r.status,
            "draft": r.draft, "created_by": r.created_by, "created_at": r.created_at.isoformat()}


def versions(db: Session, drill_id: int, lang: str | None = None) -> list[DrillReport]:
    q = select(DrillReport).where(DrillReport.drill_id == drill_id)
    if lang:
        q = q.where(DrillReport.lang == lang)
    return list(db.execute(q.order_by(DrillReport.version)).scalars())


def _ended(db: Session, drill_id: int) -> Drill:
    d = drills.get(db, drill_id)
    if d.status in drills.LIVE:
        raise Conflict(f"drill {drill_id} is {d.status}: its report is drafted once it has finished")
    return d


def _save(db: Session, state: ServiceState, d: Drill, actor: str, rd: ReportDraft, status: str) -> DrillReport:
    version = (db.execute(select(func.max(DrillReport.version)).where(DrillReport.drill_id == d.id)).scalar() or 0) + 1
    r = DrillReport(drill_id=d.id, version=version, lang=rd.lang, status=status, draft=rd.model_dump(mode="json"),
                    text=_searchable(rd), created_by=actor, created_at=state.clock.now())
    db.add(r)
    db.flush()
    audit.record(db, actor, f"drill.report_{'finalise' if status == 'final' else 'save'}", "drill", d.id,
                 after={"version": version, "lang": rd.lang, "status": status}, clock=state.clock)
    return r


def current(db: Session, state: ServiceState, drill_id: int, lang: Lang) -> tuple[ReportDraft, DrillReport | None]:
    """The latest saved version in ``lang``, or (none saved yet) a draft written from the record
    now. A read: nothing is stored until the organiser saves."""
    _ended(db, drill_id)
    have = versions(db, drill_id, lang)
    if have:
        return ReportDraft.model_validate(have[-1].draft), have[-1]
    return draft(drills.record(db, state, drill_id), lang), None


def edit(db: Session, state: ServiceState, drill_id: int, actor: str, rd: ReportDraft, final: bool) -> DrillReport:
    """Save the organiser's text as a new version (final when ``final``). The figures and tables
    are not part of it: they are computed from the record whenever the report is rendered."""
    d = _ended(db, drill_id)
    r = _save(db, state, d, actor, rd, "final" if final else "draft")
    db.commit()
    return r


def rendered(db: Session, state: ServiceState, drill_id: int, version: int | None, fmt: str,
             lang: Lang = "zh") -> tuple[bytes, str, str]:
    """(bytes, media type, file name) of a version (default: the latest in ``lang``, or the draft)."""
    if version is None:
        rd, r = current(db, state, drill_id, lang)
    else:
        r = db.execute(select(DrillReport).where(DrillReport.drill_id == drill_id, DrillReport.version == version)
                       ).scalar_one_or_none()
        if r is None:
            raise NotFound(f"drill {drill_id} has no report version {version}")
        rd = ReportDraft.model_validate(r.draft)
    doc = render.document(rd, drills.record(db, state, drill_id), version=r.version if r else None,
                          final=r is not None and r.status == "final")
    name = f"drill-{drill_id}-report-{f'v{r.version}' if r else 'draft'}.{fmt}"
    try:
        data = docs.to_pdf(doc) if fmt == "pdf" else docs.to_docx(doc)
    except docs.DocumentError as exc:
        raise Conflict(str(exc)) from None
    return data, FORMATS[fmt], name


def search(db: Session, q: str, final_only: bool = True, limit: int = 50) -> list[DrillReport]:
    stmt = select(DrillReport)
    for term in q.split():
        stmt = stmt.where(DrillReport.text.like(f"%{term}%"))
    if final_only:
        stmt = stmt.where(DrillReport.status == "final")
    return list(db.execute(stmt.order_by(DrillReport.created_at.desc()).limit(limit)).scalars())
