"""A plan filed from its document (PLAN-5): read it, draft the split, file the draft, keep the
document as the plan's attachment and the drafting report for the side-by-side review. One
transaction: a document that cannot be read or drafted leaves nothing behind."""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from command.db.models.plans import Plan, PlanImport
from command.domain.plan_document import draft_plan
from command.errors import Invalid, NotFound, TooLarge
from command.services import audit, plan_attachments, plans
from command.services.plan_reader import read_document
from watchpost.fields import Text


class ImportIn(BaseModel):
    """The form fields sent with the document."""

    model_config = ConfigDict(extra="forbid")
    scope: Literal["enterprise", "park", "authority"] = "enterprise"
    enterprise: Text = Field(default="", max_length=200)
    issuer: Text = Field(default="", max_length=200)
    title: Text = Field(default="", max_length=300, description="empty = the document's own title")


def import_document(db: Session, state: Any, actor: Any, filename: str, data: bytes, form: ImportIn) -> tuple[Plan, PlanImport]:
    actor = plans.actor_name(actor)
    cfg = state.config.map
    if len(data) > cfg.max_attachment_mb * 1024 * 1024:
        raise TooLarge(f"file: larger than {cfg.max_attachment_mb:g} MB")
    t0 = time.perf_counter()
    paragraphs = read_document(filename, data)
    draft = draft_plan(paragraphs, filename)
    seconds = time.perf_counter() - t0
    body = "\n".join(p.text for p in paragraphs)
    if len(body) > 1_000_000:
        raise Invalid("file: the document's text is over 1,000,000 characters; split it into several plans")
    plan = plans.create(db, state, actor, plans.PlanIn(
        scope=form.scope, title=(form.title or draft.title)[:300] or filename[:300], enterprise=form.enterprise,
        issuer=form.issuer, hazard_types=draft.hazard_types, level=draft.plan_level, body=body,
        structured=draft.structured.model_dump(mode="json")), commit=False)
    att = plan_attachments.add_attachment(db, state, actor, plan.id, filename, data, text=body, commit=False)
    report = draft.report() | {"seconds": round(seconds, 4)}
    imp = PlanImport(plan_id=plan.id, attachment_id=att.id, filename=att.filename,
                     paragraphs=[{k: v for k, v in asdict(p).items() if v not in (None, "", ())} for p in paragraphs],
                     report=report, seconds=seconds, at=state.clock.now(), actor=actor)
    db.add(imp)
    db.flush()
    audit.record(db, actor, "plan.import", "plan", plan.id,
                 after={"import_id": imp.id, "filename": imp.filename, "paragraphs": len(paragraphs),
                        "placed": report["placed"], "unplaced": len(report["unplaced"]),
                        "missing": report["missing"]}, clock=state.clock)
    db.commit()
    return plan, imp


def latest(db: Session, plan_id: int) -> PlanImport:
    plans.get(db, plan_id)
    imp = db.execute(select(PlanImport).where(PlanImport.plan_id == plan_id)
                     .order_by(PlanImport.id.desc()).limit(1)).scalar_one_or_none()
    if imp is None:
        raise NotFound(f"plan {plan_id} was not imported from a document")
    return imp


def import_json(imp: PlanImport, paragraphs: bool = True) -> dict:
    d = {"id": imp.id, "plan_id": imp.plan_id, "attachment_id": imp.attachment_id, "filename": imp.filename,
         "seconds": round(imp.seconds, 4), "at": imp.at.isoformat(), "actor": imp.actor, "report": imp.report}
    if paragraphs:
        d["paragraphs"] = imp.paragraphs
    return d
