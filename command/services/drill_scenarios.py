"""Drill scenarios filed by enterprises and the park (DRL-1), checked against the site before a
drill may use them: the cameras, clips, plans and resources they name must exist."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from command.db.models.drills import DrillScenario
from command.db.models.plans import Plan
from command.db.models.resources import Resource
from command.domain import plan_workflow as wf
from command.errors import Invalid, NotFound
from command.services import audit
from command.state import ServiceState
from drills.scenario import Scenario, ScenarioError, Site, from_yaml, references

URL_SCHEMES = ("rtsp://", "rtsps://", "http://", "https://")


def resolve_clip(state: ServiceState, clip: str) -> str | None:
    """Where the worker reads a video inject's clip: a URL as it is, an absolute path, or a
    name under ``drills.clip_dir``; None when no such file exists."""
    if clip.startswith(URL_SCHEMES):
        return clip
    path = Path(clip)
    if not path.is_absolute():
        path = Path(state.config.drills.clip_dir) / path
    return str(path.resolve()) if path.is_file() else None


def site(db: Session, state: ServiceState) -> Site:
    """What scenarios may name here: the configured cameras, plans, resources and clips."""
    plans = {pid: (status, scope) for pid, status, scope in db.execute(select(Plan.id, Plan.status, Plan.scope))}
    return Site(cameras={c.id for c in state.config.vision.cameras if c.enabled},
                plans={pid: status for pid, (status, _) in plans.items()},
                activatable={pid for pid, (status, scope) in plans.items() if wf.ACTIVATABLE.get(scope) == status},
                resources={c for c in db.execute(select(Resource.code).where(Resource.code.is_not(None))).scalars()},
                clip_exists=lambda clip: resolve_clip(state, clip) is not None)


def check(db: Session, state: ServiceState, source: str) -> Scenario:
    """The scenario in ``source`` (YAML), valid and with everything it names present; otherwise
    422 naming each bad field."""
    try:
        sc = from_yaml(source)
    except ScenarioError as exc:
        raise Invalid("; ".join(exc.problems)) from None
    missing = references(sc, site(db, state))
    if missing:
        raise Invalid("; ".join(missing))
    return sc


def to_json(s: DrillScenario, full: bool = False) -> dict[str, Any]:
    body = s.body
    d = {"id": s.id, "key": s.key, "title": s.title, "title_en": body.get("title_en", ""), "enterprise": s.enterprise,
         "version": s.version, "roles": body["roles"], "injects": len(body["injects"]),
         "objectives": len(body.get("objectives", [])), "speed": body.get("speed", 1),
         "created_by": s.created_by, "created_at": s.created_at.isoformat(), "updated_at": s.updated_at.isoformat()}
    if full:
        d |= {"scenario": body, "source": s.source}
    return d


def file(db: Session, state: ServiceState, actor: str, source: str) -> DrillScenario:
    """File a scenario; filing one with the key of an enterprise's earlier one makes a new version."""
    sc = check(db, state, source)
    now = state.clock.now()
    row = db.execute(select(DrillScenario).where(DrillScenario.key == sc.id, DrillScenario.enterprise == sc.enterprise)
                     .with_for_update()).scalar_one_or_none()
    before = to_json(row) if row else None
    if row is None:
        row = DrillScenario(key=sc.id, enterprise=sc.enterprise, version=1, created_by=actor, created_at=now)
        db.add(row)
    else:
        row.version += 1
    row.title, row.source, row.body, row.updated_at = sc.title, source, sc.model_dump(mode="json"), now
    db.flush()
    audit.record(db, actor, "drill.scenario_file", "drill_scenario", row.id, before=before, after=to_json(row),
                 clock=state.clock)
    db.commit()
    return row


def get(db: Session, scenario_id: int) -> DrillScenario:
    row = db.get(DrillScenario, scenario_id)
    if row is None:
        raise NotFound(f"scenario {scenario_id} not found")
    return row


def search(db: Session, q: str = "", enterprise: str | None = None, limit: int = 50,
           offset: int = 0) -> list[DrillScenario]:
    stmt = select(DrillScenario)
    for term in q.split():
        like = f"%{term}%"
        stmt = stmt.where(or_(DrillScenario.title.like(like), DrillScenario.key.like(like),
                              DrillScenario.enterprise.like(like), DrillScenario.source.like(like)))
    if enterprise:
        stmt = stmt.where(DrillScenario.enterprise == enterprise)
    return list(db.execute(stmt.order_by(DrillScenario.updated_at.desc(), DrillScenario.id.desc())
                           .limit(limit).offset(offset)).scalars())


def count(db: Session) -> int:
    return db.execute(select(func.count()).select_from(DrillScenario)).scalar_one()
