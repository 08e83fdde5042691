"""Plans: create, edit (every change a new version), workflow steps, reviews, reminders (PLAN-1/3/4/7)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from command.db.models.plans import Plan, PlanAttachment, PlanEvent, PlanReview, PlanVersion
from command.domain import plan_workflow as wf
from command.domain.plan_schema import PlanSchemaError, StructuredPlan, parse
from command.domain.plan_text import mask_phone, mask_phones
from command.errors import Conflict, Invalid, NotFound
from command.services import audit, plan_search
from command.state import ServiceState
from watchpost.fields import AwareInstant, JsonObject, Text


HazardTypes = list[Annotated[Text, Field(min_length=1, max_length=50)]]


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scope: Literal["enterprise", "park", "authority"]
    title: Text = Field(min_length=1, max_length=300)
    enterprise: Text = Field(default="", max_length=200)
    issuer: Text = Field(default="", max_length=200)
    hazard_types: HazardTypes = Field(default_factory=list, max_length=50)
    level: Text = Field(default="", max_length=20)
    body: Text = Field(default="", max_length=1_000_000)
    structured: JsonObject | None = None
    effective_at: AwareInstant | None = None
    expires_at: AwareInstant | None = None
    revise_by: AwareInstant | None = None


class PlanPatch(BaseModel):
    """Fields left out stay as they are; null clears a date or the digital split, nothing else."""

    model_config = ConfigDict(extra="forbid")
    title: Text = Field(default=None, min_length=1, max_length=300)  # type: ignore[assignment]
    enterprise: Text = Field(default=None, max_length=200)  # type: ignore[assignment]
    issuer: Text = Field(default=None, max_length=200)  # type: ignore[assignment]
    hazard_types: HazardTypes = Field(default=None, max_length=50)  # type: ignore[assignment]
    level: Text = Field(default=None, max_length=20)  # type: ignore[assignment]
    body: Text = Field(default=None, max_length=1_000_000)  # type: ignore[assignment]
    structured: JsonObject | None = None
    effective_at: AwareInstant | None = None
    expires_at: AwareInstant | None = None
    revise_by: AwareInstant | None = None
    note: Text = Field(default="", max_length=4000)


def actor_name(actor: Any) -> str:
    return actor if isinstance(actor, str) else getattr(actor, "username", str(actor))


def _iso(v: datetime | None) -> str | None:
    return v.isoformat() if v else None


def to_json(p: Plan, full: bool = False) -> dict:
    d = {"id": p.id, "scope": p.scope, "title": p.title, "enterprise": p.enterprise, "issuer": p.issuer,
         "hazard_types": p.hazard_types, "level": p.level, "status": p.status, "version": p.version,
         "effective_at": _iso(p.effective_at), "expires_at": _iso(p.expires_at), "revise_by": _iso(p.revise_by),
         "published_at": _iso(p.published_at), "created_by": p.created_by,
         "created_at": _iso(p.created_at), "updated_at": _iso(p.updated_at)}
    if full:
        d |= {"body": p.body, "structured": p.structured}
    return d


def audit_view(p: Plan) -> dict:
    """The plan as the audit trail keeps it: phone numbers of its contacts and text masked to
    their last four digits (the audit trail is read by more people than the plan's contacts)."""
    d = to_json(p, full=True)
    d["body"] = mask_phones(d["body"] or "")
    if d.get("structured"):
        d["structured"] = dict(d["structured"])
        d["structured"]["contacts"] = [c | {"phone": mask_phone(c["phone"])}
                                       for c in d["structured"].get("contacts", [])]
    return d


def get(db: Session, plan_id: int, lock: bool = False) -> Plan:
    q = select(Plan).where(Plan.id == plan_id)
    if lock:
        q = q.with_for_update()
    p = db.execute(q).scalar_one_or_none()
    if p is None:
        raise NotFound(f"plan {plan_id} not found")
    return p


def validate_structured(data: dict | None) -> StructuredPlan | None:
    if data is None:
        return None
    try:
        return parse(data)
    except PlanSchemaError as e:
        raise Invalid(f"structured: {e}") from None


def _apply_structured(p: Plan, sp: StructuredPlan | None) -> None:
    p.structured = sp.model_dump(mode="json") if sp else None
    p.trigger_types = ("|" + "|".join(sp.triggers.incident_types) + "|") if sp else ""
    p.match_spec = match_spec(p.structured)


def match_spec(structured: dict | None) -> dict | None:
    return {"triggers": structured["triggers"], "response_levels": structured["response_levels"]} if structured else None


def _snapshot(db: Session, p: Plan, actor: str, now: datetime, note: str) -> None:
    db.add(PlanVersion(plan_id=p.id, version=p.version, title=p.title, body=p.body, structured=p.structured,
                       meta={"enterprise": p.enterprise, "issuer": p.issuer, "hazard_types": p.hazard_types,
                             "level": p.level, "expires_at": _iso(p.expires_at)},
                       at=now, actor=actor, note=note))


def _event(db: Session, p: Plan, actor: str, now: datetime, action: str, frm: str | None, to: str | None,
           note: str = "", data: dict | None = None) -> None:
    db.add(PlanEvent(plan_id=p.id, version=p.version, at=now, actor=actor, action=action, from_status=frm,
                     to_status=to, note=note, data=data or {}))


def create(db: Session, state: ServiceState, actor: Any, data: PlanIn, commit: bool = True) -> Plan:
    actor = actor_name(actor)
    now = state.clock.now()
    sp = validate_structured(data.structured)
    p = Plan(scope=data.scope, title=data.title, enterprise=data.enterprise, issuer=data.issuer,
             hazard_types=data.hazard_types, level=data.level, status=wf.INITIAL[data.scope], version=1,
             body=data.body, effective_at=data.effective_at, expires_at=data.expires_at, revise_by=data.revise_by,
             created_by=actor, created_at=now, updated_at=now)
    _apply_structured(p, sp)
    db.add(p)
    db.flush()
    _snapshot(db, p, actor, now, "created")
    _event(db, p, actor, now, "created", None, p.status)
    plan_search.reindex(db, p)
    audit.record(db, actor, "plan.create", "plan", p.id, after=to_json(p), clock=state.clock)
    if commit:
        db.commit()
    return p


def update(db: Session, state: ServiceState, actor: Any, plan_id: int, patch: PlanPatch) -> Plan:
    actor = actor_name(actor)
    p = get(db, plan_id, lock=True)
    reason = wf.why_not_editable(p.status)
    if reason:
        raise Conflict(f"plan {plan_id}: {reason}")
    before = audit_view(p)
    fields = patch.model_dump(exclude_unset=True, exclude={"note", "structured"})
    for k, v in fields.items():
        setattr(p, k, v)
    if "structured" in patch.model_fields_set:
        _apply_structured(p, validate_structured(patch.structured))
    now = state.clock.now()
    p.version += 1
    p.updated_at = now
    _snapshot(db, p, actor, now, patch.note)
    _event(db, p, actor, now, "edited", p.status, p.status, patch.note)
    plan_search.reindex(db, p)
    audit.record(db, actor, "plan.update", "plan", p.id, before=before, after=audit_view(p), clock=state.clock)
    db.commit()
    return p


def step(db: Session, state: ServiceState, actor: Any, plan_id: int, action: str, note: str = "",
         reasons: list[str] | None = None) -> Plan:
    """One workflow step; 409 with the reason when the state machine forbids it."""
    actor = actor_name(actor)
    p = get(db, plan_id, lock=True)
    data: dict = {}
    if action == "conclude_review":
        opinions = [r.approve for r in db.execute(select(PlanReview).where(
            PlanReview.plan_id == p.id, PlanReview.version == p.version)).scalars()]
        if p.status != "in_review":
            raise Conflict(f"plan {plan_id} is {p.status}, not in review")
        action, why = wf.review_outcome(opinions, state.config.map.plan_min_reviewers)
        if action is None:
            raise Conflict(f"plan {plan_id}: {why}")
        data["opinions"] = len(opinions)
    to, why = wf.next_status(p.scope, p.status, action)
    if to is None:
        raise Conflict(f"plan {plan_id}: {why}")
    if action == "return":
        why = wf.check_return_reasons(reasons or [])
        if why:
            raise Invalid(why)
        data["reasons"] = reasons
    if action == "submit":
        n_att = db.execute(select(func.count()).select_from(PlanAttachment).where(PlanAttachment.plan_id == p.id)).scalar_one()
        missing = wf.missing_for_filing(title=p.title, enterprise=p.enterprise, hazard_types=p.hazard_types,
                                        body=p.body, attachments=n_att, expires_at=p.expires_at,
                                        structured=p.structured)
        if missing:
            raise Invalid(f"filing incomplete, missing: {', '.join(missing)}")
    before = to_json(p)
    now = state.clock.now()
    frm = p.status
    p.status = to
    p.updated_at = now
    if to == "published":
        p.published_at = now
    _event(db, p, actor, now, action, frm, to, note, data)
    audit.record(db, actor, f"plan.{action}", "plan", p.id, before=before, after=to_json(p), note=note,
                 clock=state.clock)
    db.commit()
    return p


def add_review(db: Session, state: ServiceState, actor: Any, plan_id: int, opinion: str, approve: bool) -> PlanReview:
    actor = actor_name(actor)
    p = get(db, plan_id, lock=True)
    if p.status != "in_review":
        raise Conflict(f"plan {plan_id} is {p.status}; opinions are taken only while it is in review")
    if not opinion.strip():
        raise Invalid("opinion: required")
    now = state.clock.now()
    r = PlanReview(plan_id=p.id, version=p.version, reviewer=actor, opinion=opinion, approve=approve, at=now)
    db.add(r)
    _event(db, p, actor, now, "review_opinion", p.status, p.status, opinion, {"approve": approve})
    db.flush()
    audit.record(db, actor, "plan.review", "plan", p.id, after={"review_id": r.id, "approve": approve,
                                                                 "opinion": opinion}, clock=state.clock)
    db.commit()
    return r


def history(db: Session, plan_id: int) -> dict:
    get(db, plan_id)
    versions = db.execute(select(PlanVersion).where(PlanVersion.plan_id == plan_id).order_by(PlanVersion.version)).scalars()
    events = db.execute(select(PlanEvent).where(PlanEvent.plan_id == plan_id).order_by(PlanEvent.id)).scalars()
    reviews = db.execute(select(PlanReview).where(PlanReview.plan_id == plan_id).order_by(PlanReview.id)).scalars()
    return {
        "versions": [{"version": v.version, "title": v.title, "at": _iso(v.at), "actor": v.actor, "note": v.note}
                     for v in versions],
        "events": [{"version": e.version, "at": _iso(e.at), "actor": e.actor, "action": e.action,
                    "from": e.from_status, "to": e.to_status, "note": e.note, "data": e.data} for e in events],
        "reviews": [{"version": r.version, "reviewer": r.reviewer, "opinion": r.opinion, "approve": r.approve,
                     "at": _iso(r.at)} for r in reviews],
    }


def version(db: Session, plan_id: int, number: int) -> dict:
    v = db.execute(select(PlanVersion).where(PlanVersion.plan_id == plan_id, PlanVersion.version == number)).scalar_one_or_none()
    if v is None:
        raise NotFound(f"plan {plan_id} has no version {number}")
    return {"version": v.version, "title": v.title, "body": v.body, "structured": v.structured, "meta": v.meta,
            "at": _iso(v.at), "actor": v.actor, "note": v.note}


def reminders(db: Session, now: datetime, within_days: int) -> list[dict]:
    """Filed plans whose validity ends or whose revision is due within ``within_days`` (or already passed)."""
    horizon = now + timedelta(days=within_days)
    out = []
    q = select(Plan).where(Plan.status.in_(("accepted", "published", "expired")),
                           ((Plan.expires_at <= horizon) | (Plan.revise_by <= horizon))).order_by(Plan.id)
    for p in db.execute(q).scalars():
        for what, when in (("expiry", p.expires_at), ("revision", p.revise_by)):
            if when is not None and when <= horizon:
                out.append({"plan_id": p.id, "title": p.title, "enterprise": p.enterprise, "kind": what,
                            "due": _iso(when), "overdue": when < now, "status": p.status})
    return out


def expire_due(db: Session, state: ServiceState, actor: str = "system") -> list[int]:
    """Move accepted filings past their validity to expired (run daily, or on demand)."""
    now = state.clock.now()
    ids = list(db.execute(select(Plan.id).where(Plan.status == "accepted", Plan.expires_at < now)).scalars())
    for pid in ids:
        step(db, state, actor, pid, "expire", note="validity period ended")
    return ids
