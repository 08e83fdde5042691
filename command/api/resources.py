"""Routes for resources (RES-1..3): CRUD, import/export, statistics, evaluations, reservations."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from fastapi import Depends, File, Query, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from command.api.deps import get_db, get_state, require
from command.api.openapi import file_answer, follow
from command.api.routing import api_router
from command.db.models.users import User
from command.domain.roles import OPERATORS, READERS
from command.services import resource_import
from command.services import resources as res
from command.state import ServiceState
from watchpost.fields import Count, Id, Text

router = api_router(prefix="/api", tags=["resources"])


class EvaluationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    score: int = Field(ge=1, le=5)
    incident_id: Id | None = None
    note: Text = Field(default="", max_length=4000)


@router.post("/resources", status_code=201, responses=follow(
    201, "resource_id", "GET /api/resources/{resource_id}", "PATCH /api/resources/{resource_id}",
    "POST /api/resources/{resource_id}/evaluations", "GET /api/resources/{resource_id}/evaluations"))
def create_resource(data: res.ResourceIn, db: Session = Depends(get_db), st: ServiceState = Depends(get_state),
                    user: User = Depends(require(*OPERATORS))) -> dict:
    return res.to_json(res.create(db, st, user, data))


@router.get("/resources")
def list_resources(kind: res.Kind | None = None, category: Text | None = Query(None, max_length=100),
                   site: Text | None = Query(None, max_length=100), status: res.Status | None = None,
                   q: Text | None = Query(None, max_length=200, description="part of the name or the code"),
                   expiring_within: int | None = Query(None, ge=0, le=3650, description=(
                       "only resources whose validity ends or inspection falls due within this many days "
                       "(overdue ones included), soonest first")),
                   limit: int = Query(100, ge=1, le=1000),
                   offset: Count = 0, db: Session = Depends(get_db), st: ServiceState = Depends(get_state),
                   _: User = Depends(require(*READERS))) -> list[dict]:
    t = res.today(st)
    due_by = t + timedelta(days=expiring_within) if expiring_within is not None else None
    rows = res.search(db, kind=kind, category=category, site=site, status=status, q=q, limit=limit, offset=offset,
                      due_by=due_by)
    reserved = res.reserved_map(db, [r.id for r in rows])
    return [res.to_json(r, reserved.get(r.id, 0.0), t) for r in rows]


@router.get("/resources/stats")
def resource_stats(within_days: int | None = Query(None, ge=1, le=3650), db: Session = Depends(get_db),
                   st: ServiceState = Depends(get_state), _: User = Depends(require(*READERS))) -> dict:
    return res.stats(db, st, within_days)


@router.get("/resources/export", responses=file_answer(
    "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
def export_resources(format: Literal["csv", "xlsx"] = "csv", kind: res.Kind | None = None, db: Session = Depends(get_db),
                     _: User = Depends(require(*READERS))) -> Response:
    data, media = resource_import.export(db, format, kind)
    return Response(data, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="resources.{format}"'})


@router.post("/resources/import")
async def import_resources(file: UploadFile = File(...), partial: bool = False, db: Session = Depends(get_db),
                           st: ServiceState = Depends(get_state), user: User = Depends(require(*OPERATORS))) -> Response:
    import json

    data = await file.read()
    result = await run_in_threadpool(resource_import.import_file, db, st, user.username, file.filename or "", data, partial)
    # All-or-nothing refusal is a 422 carrying the per-row report.
    code = 200 if result["applied"] else 422
    return Response(json.dumps(result, ensure_ascii=False), status_code=code, media_type="application/json")


@router.get("/resources/{resource_id}")
def get_resource(resource_id: Id, db: Session = Depends(get_db), st: ServiceState = Depends(get_state),
                 _: User = Depends(require(*READERS))) -> dict:
    r = res.get(db, resource_id)
    d = res.to_json(r, res.reserved_map(db, [r.id]).get(r.id, 0.0), res.today(st))
    if r.kind == "expert":
        d["rating"] = res.rating(db, r.id)
    return d


@router.patch("/resources/{resource_id}")
def edit_resource(resource_id: Id, patch: res.ResourcePatch,  # type: ignore[valid-type]
                  db: Session = Depends(get_db), st: ServiceState = Depends(get_state),
                  user: User = Depends(require(*OPERATORS))) -> dict:
    return res.to_json(res.update(db, st, user, resource_id, patch))


@router.post("/resources/{resource_id}/evaluations", status_code=201)
def evaluate(resource_id: Id, data: EvaluationIn, db: Session = Depends(get_db), st: ServiceState = Depends(get_state),
             user: User = Depends(require(*OPERATORS))) -> dict:
    return res.evaluate_expert(db, st, user, resource_id, data.score, data.incident_id, data.note)


@router.get("/resources/{resource_id}/evaluations")
def list_evaluations(resource_id: Id, limit: int = Query(100, ge=1, le=1000), offset: Count = 0,
                     db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> list[res.EvaluationOut]:
    """An expert's evaluations after incidents, newest first; the mean is GET /api/resources/{id}'s ``rating``."""
    return res.evaluations(db, resource_id, limit, offset)


@router.get("/incidents/{incident_id}/reservations")
def incident_reservations(incident_id: Id, db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> list[dict]:
    return res.reservations(db, incident_id)


@router.post("/reservations/{reservation_id}/release")
def release(reservation_id: Id, db: Session = Depends(get_db), st: ServiceState = Depends(get_state),
            user: User = Depends(require(*OPERATORS))) -> dict:
    rv = res.release(db, st, user, reservation_id)
    return {"id": rv.id, "status": rv.status}
