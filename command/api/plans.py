"""Routes for plans (PLAN-1..7), plan matching and one-click activation (CMD-5), tasks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from fastapi import Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from command.api.deps import get_db, get_state, require
from command.api.openapi import file_answer, follow
from command.api.routing import api_router
from command.db.models.plans import PlanAttachment
from command.db.models.users import User
from command.domain import plan_workflow as wf
from command.domain.plan_schema import PlanSchemaError, from_yaml, parse, to_yaml
from command.domain.roles import COMMANDERS, OPERATORS, READERS, Role
from command.errors import Invalid, NotFound
from command.services import activation, plan_attachments, plan_import, plan_search, plans
from command.services.auth import AuthError
from command.state import ServiceState
from watchpost.fields import Count, Id, Instant, Text

PlanStatus = Literal[wf.STATUSES]  # type: ignore[valid-type]
PlanStep = Literal[wf.STEPS]  # type: ignore[valid-type]

router = api_router(prefix="/api", tags=["plans"])


class StepIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: PlanStep
    note: Text = Field(default="", max_length=4000)
    reasons: list[Annotated[Text, Field(max_length=1000)]] = Field(default_factory=list, max_length=50)


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    opinion: Text = Field(min_length=1, max_length=20000)
    approve: bool


@router.post("/plans", status_code=201, responses=follow(
    201, "plan_id", "GET /api/plans/{plan_id}", "PATCH /api/plans/{plan_id}", "POST /api/plans/{plan_id}/steps",
    "POST /api/plans/{plan_id}/reviews", "GET /api/plans/{plan_id}/history", "POST /api/plans/{plan_id}/attachments",
    "GET /api/plans/{plan_id}/structured.yaml", "PUT /api/plans/{plan_id}/structured"))
def create_plan(data: plans.PlanIn, db: Session = Depends(get_db), st: ServiceState = Depends(get_state),
                user: User = Depends(require(*OPERATORS))) -> dict:
    return plans.to_json(plans.create(db, st, user, data), full=True)


@router.post("/plans/import", status_code=201, responses=follow(
    201, "plan_id", "GET /api/plans/{plan_id}", "GET /api/plans/{plan_id}/import", "PUT /api/plans/{plan_id}/structured"))
async def import_plan(file: UploadFile = File(..., description="the plan as DOCX or a text PDF"),
                      scope: Literal["enterprise", "park", "authority"] = Form("enterprise"),
                      enterprise: Annotated[Text, Form(max_length=200)] = "",
                      issuer: Annotated[Text, Form(max_length=200)] = "",
                      title: Annotated[Text, Form(max_length=300)] = "", db: Session = Depends(get_db),
                      st: ServiceState = Depends(get_state), user: User = Depends(require(*OPERATORS))) -> dict:
    """File a plan from its document (PLAN-5): the draft split comes back with the drafting report
    (each item's source paragraph, what could not be placed, what was guessed). The plan is a draft
    until reviewed and published through its workflow."""
    try:
        form = plan_import.ImportIn(scope=scope, enterprise=enterprise, issuer=issuer, title=title)
    except ValidationError as e:
        raise Invalid("; ".join(f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors())) from None
    data = await file.read()
    p, imp = await run_in_threadpool(plan_import.import_document, db, st, user, file.filename or "", data, form)
    return plans.to_json(p, full=True) | {"import": plan_import.import_json(imp, paragraphs=False)}


@router.get("/plans/{plan_id}/import")
def get_plan_import(plan_id: Id, db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> dict:
    """The document as read (numbered paragraphs) and the drafting report, for the side-by-side review."""
    return plan_import.import_json(plan_import.latest(db, plan_id))


@router.get("/plans")
def search_plans(q: Annotated[Text, Query(max_length=500)] = "", scope: Literal["enterprise", "park", "authority"] | None = None,
                 enterprise: Text | None = Query(None, max_length=200),
                 hazard_type: Text | None = Query(None, max_length=50), level: Text | None = Query(None, max_length=20),
                 status: PlanStatus | None = None, since: Instant | None = None, until: Instant | None = None,
                 limit: int = Query(50, ge=1, le=500), offset: Count = 0,
                 db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> list[dict]:
    hits = plan_search.search(db, q, scope=scope, enterprise=enterprise, hazard_type=hazard_type, level=level,
                              status=status, since=since, until=until, limit=limit, offset=offset)
    return [plans.to_json(p) | ({"snippet": snippet} if snippet is not None else {}) for p, snippet in hits]


@router.get("/plans/stats")
def plan_stats(dimension: Literal[plan_search.DIMENSIONS] = "scope",  # type: ignore[valid-type]
               db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> list[dict]:
    return plan_search.stats(db, dimension)


@router.get("/plans/reminders")
def plan_reminders(within_days: int | None = Query(None, ge=1, le=3650), db: Session = Depends(get_db),
                   st: ServiceState = Depends(get_state), _: User = Depends(require(*READERS))) -> list[dict]:
    return plans.reminders(db, st.clock.now(), within_days or st.config.map.reminder_days)


@router.post("/plans/expire-due")
def plans_expire_due(db: Session = Depends(get_db), st: ServiceState = Depends(get_state),
                     user: User = Depends(require(*COMMANDERS))) -> dict:
    return {"expired": plans.expire_due(db, st, user.username)}


@router.get("/plans/{plan_id}")
def get_plan(plan_id: Id, db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> dict:
    p = plans.get(db, plan_id)
    from sqlalchemy import select

    atts = db.execute(select(PlanAttachment).where(PlanAttachment.plan_id == plan_id).order_by(PlanAttachment.id)).scalars()
    return plans.to_json(p, full=True) | {"attachments": [plan_attachments.attachment_json(a) for a in atts]}


@router.patch("/plans/{plan_id}")
def edit_plan(plan_id: Id, patch: plans.PlanPatch, db: Session = Depends(get_db),
              st: ServiceState = Depends(get_state), user: User = Depends(require(*OPERATORS))) -> dict:
    return plans.to_json(plans.update(db, st, user, plan_id, patch), full=True)


@router.post("/plans/{plan_id}/steps")
def plan_step(plan_id: Id, data: StepIn, db: Session = Depends(get_db), st: ServiceState = Depends(get_state),
              user: User = Depends(require(*OPERATORS))) -> dict:
    if data.action in wf.DECISIONS and user.role not in COMMANDERS:
        raise AuthError(f"{data.action} is a commander's decision; role {user.role!r} may not", 403)
    return plans.to_json(plans.step(db, st, user, plan_id, data.action, data.note, data.reasons))


@router.post("/plans/{plan_id}/reviews", status_code=201)
def plan_review(plan_id: Id, data: ReviewIn, db: Session = Depends(get_db), st: ServiceState = Depends(get_state),
                user: User = Depends(require(*COMMANDERS))) -> dict:
    r = plans.add_review(db, st, user, plan_id, data.opinion, data.approve)
    return {"id": r.id, "plan_id": r.plan_id, "version": r.version, "reviewer": r.reviewer, "approve": r.approve}


@router.get("/plans/{plan_id}/history")
def plan_history(plan_id: Id, db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> dict:
    return plans.history(db, plan_id)


@router.get("/plans/{plan_id}/versions/{number}")
def plan_version(plan_id: Id, number: Id, db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> dict:
    return plans.version(db, plan_id, number)


@router.get("/plans/{plan_id}/diff")
def plan_diff(plan_id: Id, from_version: Annotated[int, Query(alias="from", ge=1, le=1_000_000)],
              to_version: Annotated[int, Query(alias="to", ge=1, le=1_000_000)],
              db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> dict:
    """What changed from one version to another (PLAN-7): each change with its path, before and after."""
    from command.domain.plan_diff import version_diff

    a, b = plans.version(db, plan_id, from_version), plans.version(db, plan_id, to_version)
    return {"plan_id": plan_id, "from": from_version, "to": to_version, "changes": version_diff(a, b)}


@router.post("/plans/{plan_id}/attachments", status_code=201)
async def upload_attachment(plan_id: Id, file: UploadFile = File(...), db: Session = Depends(get_db),
                            st: ServiceState = Depends(get_state), user: User = Depends(require(*OPERATORS))) -> dict:
    data = await file.read()
    # Text extraction and the write run in one worker-thread hop, off the event loop.
    a = await run_in_threadpool(plan_attachments.add_attachment, db, st, user.username, plan_id, file.filename or "", data)
    return plan_attachments.attachment_json(a)


@router.get("/plans/{plan_id}/attachments/{attachment_id}", responses=file_answer(*plan_attachments.KINDS.values()))
def download_attachment(plan_id: Id, attachment_id: Id, db: Session = Depends(get_db),
                        _: User = Depends(require(*READERS))) -> FileResponse:
    a = db.get(PlanAttachment, attachment_id)
    if a is None or a.plan_id != plan_id or not Path(a.path).exists():
        raise NotFound(f"attachment {attachment_id} of plan {plan_id} not found")
    return FileResponse(a.path, media_type=a.content_type, filename=a.filename)


@router.get("/plans/{plan_id}/structured.yaml", responses=file_answer("application/yaml", description="the digital split"))
def export_structured(plan_id: Id, db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> Response:
    p = plans.get(db, plan_id)
    if not p.structured:
        raise NotFound(f"plan {plan_id} has no digital split yet")
    return Response(to_yaml(parse(p.structured)), media_type="application/yaml; charset=utf-8")


@router.put("/plans/{plan_id}/structured", openapi_extra={"requestBody": {"required": True, "content": {
    "application/yaml": {"schema": {"type": "string", "maxLength": 5_000_000}},
    "application/json": {"schema": {"type": "object"}}}}})
async def import_structured(plan_id: Id, request: Request, db: Session = Depends(get_db),
                            st: ServiceState = Depends(get_state), user: User = Depends(require(*OPERATORS))) -> dict:
    """Body: the structured plan as YAML (Content-Type application/yaml or text/*) or JSON."""
    raw = (await request.body()).decode("utf-8", errors="replace")
    try:
        if "json" in request.headers.get("content-type", ""):
            import json

            sp = parse(json.loads(raw))
        else:
            sp = from_yaml(raw)
    except (PlanSchemaError, ValueError) as e:
        raise Invalid(f"structured: {e}") from None
    p = await run_in_threadpool(plans.update, db, st, user, plan_id,
                                plans.PlanPatch(structured=sp.model_dump(mode="json"), note="digital split edited"))
    return plans.to_json(p, full=True)


# --- incidents: matching, activation, tasks -----------------------------------------------------

@router.get("/incidents/{incident_id}/plan-matches")
def plan_matches(incident_id: Id, substance: Annotated[Text, Query(max_length=100)] = "", casualties: int = Query(0, ge=0, le=1_000_000),
                 limit: int = Query(10, ge=1, le=50),
                 db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> list[dict]:
    from command.services import incidents

    inc = incidents.get(db, incident_id)
    return activation.match(db, activation.facts_of(inc, substance, casualties), limit)


@router.get("/incidents/{incident_id}/plan-check")
def plan_check(incident_id: Id, plan_id: Id, response_level: Literal["I", "II", "III", "IV"], db: Session = Depends(get_db),
               st: ServiceState = Depends(get_state), _: User = Depends(require(*READERS))) -> dict:
    from command.services import incidents

    incidents.get(db, incident_id)
    return activation.preview(db, st, plan_id, response_level)


@router.post("/incidents/{incident_id}/activate-plan", status_code=201)
def activate_plan(incident_id: Id, data: activation.ActivateIn, db: Session = Depends(get_db),
                  st: ServiceState = Depends(get_state),
                  user: User = Depends(require(*COMMANDERS, Role.drill_organizer))) -> dict:
    if user.role == Role.drill_organizer:
        from command.services import incidents

        if not incidents.get(db, incident_id).exercise:
            raise AuthError("drill organisers may only activate plans for exercise incidents", 403)
    return activation.activate(db, st, user, incident_id, data)


@router.get("/incidents/{incident_id}/activations")
def incident_activations(incident_id: Id, db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> list[dict]:
    return activation.activations_of(db, incident_id)


@router.get("/incidents/{incident_id}/tasks")
def incident_tasks(incident_id: Id, db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> list[dict]:
    return activation.tasks_of(db, incident_id)


@router.post("/tasks/{task_id}/feedback")
def task_feedback(task_id: Id, data: activation.FeedbackIn, db: Session = Depends(get_db),
                  st: ServiceState = Depends(get_state), user: User = Depends(require(*OPERATORS))) -> dict:
    return activation.feedback(db, st, user, task_id, data)


@router.get("/tasks/{task_id}/events")
def task_events(task_id: Id, db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> list[dict]:
    return activation.task_events(db, task_id)


