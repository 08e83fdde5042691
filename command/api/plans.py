"""Routes for plans (PLAN-1..7), plan matching and one-click activation (CMD-5), tasks."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from command.api.deps import get_db, get_state, require
from command.db.models.plans import PlanAttachment
from command.db.models.users import User
from command.domain.plan_schema import PlanSchemaError, from_yaml, parse, to_yaml
from command.domain.roles import COMMANDERS, OPERATORS, READERS, Role
from command.errors import Invalid, NotFound
from command.services import activation, plan_search, plans
from command.services.auth import AuthError
from command.state import ServiceState

router = APIRouter(prefix="/api", tags=["plans"])

# Deciding on a filing or a review is a commander's call; writing and submitting is an operator's.
DECISIONS = {"accept", "return", "conclude_review", "publish", "archive", "expire"}


class StepIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: str = Field(min_length=1)
    note: str = ""
    reasons: list[str] = Field(default_factory=list)


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    opinion: str = Field(min_length=1)
    approve: bool


@router.post("/plans", status_code=201)
def create_plan(data: plans.PlanIn, db: Session = Depends(get_db), st: ServiceState = Depends(get_state),
                user: User = Depends(require(*OPERATORS))) -> dict:
    return plans.to_json(plans.create(db, st, user, data), full=True)


@router.get("/plans")
def search_plans(q: str = "", scope: str | None = None, enterprise: str | None = None,
                 hazard_type: str | None = None, level: str | None = None, status: str | None = None,
                 since: datetime | None = None, until: datetime | None = None,
                 limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0),
                 db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> list[dict]:
    return plan_search.search(db, q, scope=scope, enterprise=enterprise, hazard_type=hazard_type, level=level,
                              status=status, since=since, until=until, limit=limit, offset=offset)


@router.get("/plans/stats")
def plan_stats(dimension: str = "scope", db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> list[dict]:
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
def get_plan(plan_id: int, db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> dict:
    p = plans.get(db, plan_id)
    from sqlalchemy import select

    atts = db.execute(select(PlanAttachment).where(PlanAttachment.plan_id == plan_id).order_by(PlanAttachment.id)).scalars()
    return plans.to_json(p, full=True) | {"attachments": [plan_search.attachment_json(a) for a in atts]}


@router.patch("/plans/{plan_id}")
def edit_plan(plan_id: int, patch: plans.PlanPatch, db: Session = Depends(get_db),
              st: ServiceState = Depends(get_state), user: User = Depends(require(*OPERATORS))) -> dict:
    return plans.to_json(plans.update(db, st, user, plan_id, patch), full=True)


@router.post("/plans/{plan_id}/steps")
def plan_step(plan_id: int, data: StepIn, db: Session = Depends(get_db), st: ServiceState = Depends(get_state),
              user: User = Depends(require(*OPERATORS))) -> dict:
    if data.action in DECISIONS and user.role not in COMMANDERS:
        raise AuthError(f"{data.action} is a commander's decision; role {user.role!r} may not", 403)
    return plans.to_json(plans.step(db, st, user, plan_id, data.action, data.note, data.reasons))


@router.post("/plans/{plan_id}/reviews", status_code=201)
def plan_review(plan_id: int, data: ReviewIn, db: Session = Depends(get_db), st: ServiceState = Depends(get_state),
                user: User = Depends(require(*COMMANDERS))) -> dict:
    r = plans.add_review(db, st, user, plan_id, data.opinion, data.approve)
    return {"id": r.id, "plan_id": r.plan_id, "version": r.version, "reviewer": r.reviewer, "approve": r.approve}


@router.get("/plans/{plan_id}/history")
def plan_history(plan_id: int, db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> dict:
    return plans.history(db, plan_id)


@router.get("/plans/{plan_id}/versions/{number}")
def plan_version(plan_id: int, number: int, db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> dict:
    return plans.version(db, plan_id, number)


@router.post("/plans/{plan_id}/attachments", status_code=201)
async def upload_attachment(plan_id: int, file: UploadFile = File(...), db: Session = Depends(get_db),
                            st: ServiceState = Depends(get_state), user: User = Depends(require(*OPERATORS))) -> dict:
    data = await file.read()
    # Text extraction and the write run in one worker-thread hop, off the event loop.
    a = await run_in_threadpool(plan_search.add_attachment, db, st, user.username, plan_id, file.filename or "", data)
    return plan_search.attachment_json(a)


@router.get("/plans/{plan_id}/attachments/{attachment_id}")
def download_attachment(plan_id: int, attachment_id: int, db: Session = Depends(get_db),
                        _: User = Depends(require(*READERS))) -> FileResponse:
    a = db.get(PlanAttachment, attachment_id)
    if a is None or a.plan_id != plan_id or not Path(a.path).exists():
        raise NotFound(f"attachment {attachment_id} of plan {plan_id} not found")
    return FileResponse(a.path, media_type=a.content_type, filename=a.filename)


@router.get("/plans/{plan_id}/structured.yaml")
def export_structured(plan_id: int, db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> Response:
    p = plans.get(db, plan_id)
    if not p.structured:
        raise NotFound(f"plan {plan_id} has no digital split yet")
    return Response(to_yaml(parse(p.structured)), media_type="application/yaml; charset=utf-8")


@router.put("/plans/{plan_id}/structured")
async def import_structured(plan_id: int, request: Request, db: Session = Depends(get_db),
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
def plan_matches(incident_id: int, substance: str = "", casualties: int = Query(0, ge=0), limit: int = Query(10, ge=1, le=50),
                 db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> list[dict]:
    from command.services import incidents

    inc = incidents.get(db, incident_id)
    return activation.match(db, activation.facts_of(inc, substance, casualties), limit)


@router.get("/incidents/{incident_id}/plan-check")
def plan_check(incident_id: int, plan_id: int, response_level: str, db: Session = Depends(get_db),
               st: ServiceState = Depends(get_state), _: User = Depends(require(*READERS))) -> dict:
    from command.services import incidents

    incidents.get(db, incident_id)
    return activation.preview(db, st, plan_id, response_level)


@router.post("/incidents/{incident_id}/activate-plan", status_code=201)
def activate_plan(incident_id: int, data: activation.ActivateIn, db: Session = Depends(get_db),
                  st: ServiceState = Depends(get_state),
                  user: User = Depends(require(*COMMANDERS, Role.drill_organizer))) -> dict:
    if user.role == Role.drill_organizer:
        from command.services import incidents

        if not incidents.get(db, incident_id).exercise:
            raise AuthError("drill organisers may only activate plans for exercise incidents", 403)
    return activation.activate(db, st, user, incident_id, data)


@router.get("/incidents/{incident_id}/activations")
def incident_activations(incident_id: int, db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> list[dict]:
    return activation.activations_of(db, incident_id)


@router.get("/incidents/{incident_id}/tasks")
def incident_tasks(incident_id: int, db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> list[dict]:
    return activation.tasks_of(db, incident_id)


@router.post("/tasks/{task_id}/feedback")
def task_feedback(task_id: int, data: activation.FeedbackIn, db: Session = Depends(get_db),
                  st: ServiceState = Depends(get_state), user: User = Depends(require(*OPERATORS))) -> dict:
    return activation.feedback(db, st, user, task_id, data)


@router.get("/tasks/{task_id}/events")
def task_events(task_id: int, db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> list[dict]:
    return activation.task_events(db, task_id)


