"""Drills (DRL-1..4): scenarios filed and searched, drills started and steered by the organiser,
each seat's tasks, the live progress, the debrief replay and the evaluation report."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy.orm import Session

from command.api.deps import current_user, get_db, get_state, require
from command.api.openapi import file_answer, follow
from command.api.routing import api_router
from command.db.models.users import User
from command.domain.roles import READERS, Role
from command.errors import Conflict, Invalid
from command.services import drill_replay, drill_reports, drill_scenarios, drills
from command.services.auth import AuthError
from command.state import ServiceState
from drills import progress
from drills.report import ReportDraft
from drills.scenario import SeatRole, Speed
from watchpost.fields import Count, Id, Text

router = api_router(prefix="/api/drills", tags=["drills"])
ORGANIZERS = (Role.drill_organizer, Role.admin)
REPORT_READERS = (Role.drill_organizer, Role.admin, Role.evaluator, Role.commander)
Phone = Annotated[str, Field(max_length=16, pattern=r"^\+[1-9]\d{6,14}$")]


class ScenarioSource(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: Text = Field(min_length=1, max_length=1_000_000, description="the scenario as YAML (docs/drills.md)")


class Seat(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.@-]+$")]
    role: SeatRole


class DrillStart(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scenario_id: Id
    speed: Speed | None = Field(default=None, description="the scenario's own speed when left out")
    seats: list[Seat] = Field(default_factory=list, max_length=50)
    test_group: list[Phone] = Field(default_factory=list, max_length=20,
                                    description="numbers that get the drill's messages for real; nobody else does")

    @model_validator(mode="after")
    def _one_seat_each(self) -> "DrillStart":
        names = [s.username for s in self.seats]
        if len(set(names)) != len(names):
            raise ValueError("seats: a user sits one role")
        return self


class Control(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["pause", "resume", "speed", "abort"]
    speed: Speed | None = None


class TaskDone(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: Text = Field(default="", max_length=4000)


class ReportEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    draft: ReportDraft
    final: bool = False


def _can_see(db: Session, d, user: User) -> None:  # noqa: ANN001
    """Readers see every drill; anyone else (a service account) only one they sit in."""
    if user.role not in READERS and drills.seat_of(db, d.id, user.username) is None:
        raise AuthError(f"role {user.role!r} may not see drill {d.id}: not one of its seats", 403)


# -- scenarios (DRL-1) ----------------------------------------------------------------------------
@router.post("/scenarios", status_code=201, responses=follow(201, "scenario_id", "GET /api/drills/scenarios/{scenario_id}"))
def file_scenario(body: ScenarioSource, db: Session = Depends(get_db), st: ServiceState = Depends(get_state),
                  user: User = Depends(require(*ORGANIZERS))) -> dict:
    """File a scenario (YAML). Every bad field, and every camera, clip, plan or resource it names
    that this site lacks, is a 422 naming it."""
    return drill_scenarios.to_json(drill_scenarios.file(db, st, user.username, body.source), full=True)


@router.post("/scenarios/validate")
def validate_scenario(body: ScenarioSource, db: Session = Depends(get_db), st: ServiceState = Depends(get_state),
                      _: User = Depends(require(*ORGANIZERS))) -> dict:
    """Check a scenario against this site without filing it (``watchpost drill validate``)."""
    sc = drill_scenarios.check(db, st, body.source)
    return {"ok": True, "id": sc.id, "title": sc.title, "injects": len(sc.injects), "roles": sc.roles,
            "duration_s": sc.duration_s()}


@router.get("/scenarios")
def search_scenarios(q: Annotated[Text, Query(max_length=200)] = "",
                     enterprise: Text | None = Query(None, max_length=200), limit: int = Query(50, ge=1, le=500),
                     offset: Count = 0, db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> list[dict]:
    return [drill_scenarios.to_json(s) for s in drill_scenarios.search(db, q, enterprise, limit, offset)]


@router.get("/scenarios/{scenario_id}")
def get_scenario(scenario_id: Id, db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> dict:
    return drill_scenarios.to_json(drill_scenarios.get(db, scenario_id), full=True)


# -- drills ------------------------------------------------------------------------------------------
@router.post("", status_code=201, responses=follow(
    201, "drill_id", "GET /api/drills/{drill_id}", "POST /api/drills/{drill_id}/control",
    "GET /api/drills/{drill_id}/tasks", "GET /api/drills/{drill_id}/timeline"))
def start_drill(body: DrillStart, db: Session = Depends(get_db), st: ServiceState = Depends(get_state),
                user: User = Depends(require(*ORGANIZERS))) -> dict:
    """Start a drill on the live system. A user sits in one running drill at a time (409)."""
    d = drills.start(db, st, user.username, body.scenario_id, {s.username: s.role for s in body.seats}, body.speed,
                     body.test_group)
    return drills.to_json(db, d, st.clock.now())


@router.get("")
def list_drills(q: Annotated[Text, Query(max_length=200)] = "",
                status: Literal["running", "paused", "finished", "aborted"] | None = None,
                enterprise: Text | None = Query(None, max_length=200), limit: int = Query(50, ge=1, le=500),
                offset: Count = 0, db: Session = Depends(get_db), st: ServiceState = Depends(get_state),
                _: User = Depends(require(*READERS))) -> list[dict]:
    now = st.clock.now()
    return [drills.to_json(db, d, now) for d in drills.search(db, q, status, enterprise, limit, offset)]


@router.get("/live")
def live_drills(db: Session = Depends(get_db), st: ServiceState = Depends(get_state),
                user: User = Depends(current_user)) -> list[dict]:
    """Running or paused drills, each with the caller's seat in it (the console's drill banner)."""
    now = st.clock.now()
    out = []
    for d in drills.live_for(db):
        seat = drills.seat_of(db, d.id, user.username)
        out.append(drills.to_json(db, d, now) | {"my_role": seat.role if seat else None})
    return out


@router.get("/reports")
def search_reports(q: Annotated[Text, Query(max_length=200)] = "", final_only: bool = True,
                   limit: int = Query(50, ge=1, le=500), db: Session = Depends(get_db),
                   _: User = Depends(require(*REPORT_READERS))) -> list[dict]:
    """Evaluation reports whose text holds every term of ``q`` (final ones by default)."""
    return [drill_reports.to_json(r) | {"draft": None, "title": r.draft.get("title")}
            for r in drill_reports.search(db, q, final_only, limit)]


@router.get("/{drill_id}")
def get_drill(drill_id: Id, db: Session = Depends(get_db), st: ServiceState = Depends(get_state),
              user: User = Depends(current_user)) -> dict:
    """The drill with its progress by role (done, late, missed...) and every task."""
    d = drills.get(db, drill_id)
    _can_see(db, d, user)
    ts = drills.tasks(db, d.id)
    return drills.to_json(db, d, st.clock.now()) | {"progress": progress.by_role(ts),
                                                     "tasks": [drills.task_json(t) for t in ts]}


@router.post("/{drill_id}/control")
def control_drill(drill_id: Id, body: Control, db: Session = Depends(get_db), st: ServiceState = Depends(get_state),
                  user: User = Depends(require(*ORGANIZERS))) -> dict:
    """Pause, resume, change speed (1, 2, 5 or 10 times) or abort."""
    if body.action == "speed" and body.speed is None:
        raise Invalid("speed: required to change the speed")
    d = drills.control(db, st, user.username, drill_id, body.action, body.speed)
    return drills.to_json(db, d, st.clock.now())


@router.get("/{drill_id}/tasks")
def drill_tasks(drill_id: Id, role: SeatRole | None = None, mine: bool = False, db: Session = Depends(get_db),
                user: User = Depends(current_user)) -> list[dict]:
    """The drill's tasks (of one role, or ``mine``: of the caller's seat)."""
    d = drills.get(db, drill_id)
    _can_see(db, d, user)
    if mine:
        seat = drills.seat_of(db, d.id, user.username)
        if seat is None:
            raise Conflict(f"drill {d.id}: {user.username} has no seat")
        role = seat.role  # type: ignore[assignment]
    return [drills.task_json(t) for t in drills.tasks(db, d.id, role)]


@router.post("/tasks/{task_id}/done")
def task_done(task_id: Id, body: TaskDone, db: Session = Depends(get_db), st: ServiceState = Depends(get_state),
              user: User = Depends(current_user)) -> dict:
    """The seat marks one of its tasks done, with a note."""
    return drills.task_json(drills.mark_task(db, st, user, task_id, body.note))


@router.get("/{drill_id}/timeline")
def drill_timeline(drill_id: Id, db: Session = Depends(get_db), st: ServiceState = Depends(get_state),
                   user: User = Depends(current_user)) -> list[dict]:
    """Everything that happened, in order, for the debrief replay."""
    _can_see(db, drills.get(db, drill_id), user)
    return drill_replay.timeline(db, st, drill_id)


@router.get("/{drill_id}/report")
def get_report(drill_id: Id, lang: Literal["zh", "en"] = "zh", db: Session = Depends(get_db),
               st: ServiceState = Depends(get_state), _: User = Depends(require(*REPORT_READERS))) -> dict:
    """The latest saved version of the report in ``lang``, or a draft written from the record
    when none is saved yet (409 while the drill runs)."""
    rd, r = drill_reports.current(db, st, drill_id, lang)
    saved = drill_reports.to_json(r) if r else {"id": None, "drill_id": drill_id, "version": None, "lang": lang,
                                                "status": "unsaved", "created_by": None, "created_at": None}
    return saved | {"draft": rd.model_dump(mode="json"),
                    "versions": [{"version": v.version, "status": v.status, "lang": v.lang, "created_by": v.created_by,
                                  "created_at": v.created_at.isoformat()} for v in drill_reports.versions(db, drill_id)]}


@router.put("/{drill_id}/report")
def edit_report(drill_id: Id, body: ReportEdit, db: Session = Depends(get_db), st: ServiceState = Depends(get_state),
                user: User = Depends(require(*ORGANIZERS))) -> dict:
    """Save the organiser's edited text as a new version; ``final`` finalises it."""
    return drill_reports.to_json(drill_reports.edit(db, st, drill_id, user.username, body.draft, body.final))


@router.get("/{drill_id}/report.{fmt}", responses=file_answer(*drill_reports.FORMATS.values()))
def report_file(drill_id: Id, fmt: Literal["pdf", "docx"], version: Id | None = None,
                lang: Literal["zh", "en"] = "zh", db: Session = Depends(get_db), st: ServiceState = Depends(get_state),
                _: User = Depends(require(*REPORT_READERS))) -> Response:
    """The report rendered with its charts (a version, or the latest in ``lang``)."""
    data, media, name = drill_reports.rendered(db, st, drill_id, version, fmt, lang)
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})
