"""Offline map (RES-4, CMD-3): the park's site plan from config (GeoJSON, no tiles) with cameras,
hazards, resources, incidents and personnel; nearest resources by road with the route drawn."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import Depends, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from command.api.deps import get_db, get_state, require
from command.api.routing import api_router
from command.db.models.incidents import Incident
from command.db.models.resources import Resource
from command.db.models.users import User
from command.domain.roles import READERS
from command.domain.routing import RoadGraph, metres
from command.errors import Conflict, Invalid, NotFound
from command.services import dispatch
from command.services import resources as res
from command.state import ServiceState
from watchpost.fields import Id, Text

router = api_router(prefix="/api", tags=["map"])

_cache: dict[str, tuple[float, Any]] = {}


def _load_json(path: str, what: str) -> Any:
    if not path:
        raise NotFound(f"map.{what} is not configured")
    p = Path(path)
    if not p.exists():
        raise NotFound(f"map.{what} file {path} not found")
    mtime = p.stat().st_mtime
    hit = _cache.get(str(p))
    if hit and hit[0] == mtime:
        return hit[1]
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
        value = RoadGraph(data) if what == "road_graph" else data
    except (ValueError, KeyError, IndexError) as e:
        raise Invalid(f"map.{what}: {e}") from None
    _cache[str(p)] = (mtime, value)
    return value


def road_graph(st: ServiceState) -> RoadGraph:
    return _load_json(st.config.map.road_graph, "road_graph")


def _point(lon: float, lat: float, props: dict) -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props}


def _fc(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


@router.get("/map/layers")
def layers(resource_limit: int = Query(5000, ge=0, le=100_000), db: Session = Depends(get_db),
           st: ServiceState = Depends(get_state), _: User = Depends(require(*READERS))) -> dict:
    cfg = st.config
    site_plan = _load_json(cfg.map.site_plan, "site_plan") if cfg.map.site_plan else _fc([])
    cams = [_point(c.location.lon, c.location.lat, {"id": c.id, "name": c.name, "site": c.site, "enabled": c.enabled})
            for c in cfg.vision.cameras if c.location]
    hazards = [_point(s.location.lon, s.location.lat, {"id": s.id, "name": s.name, "kind": s.kind})
               for s in cfg.sites if s.location and s.kind == "major_hazard"]
    rows = db.execute(select(Resource.id, Resource.kind, Resource.name, Resource.category, Resource.status,
                             Resource.lon, Resource.lat).where(Resource.lon.is_not(None), Resource.lat.is_not(None))
                      .order_by(Resource.id).limit(resource_limit)).all()
    resources = [_point(r.lon, r.lat, {"id": r.id, "kind": r.kind, "name": r.name, "category": r.category,
                                       "status": r.status}) for r in rows]
    incs = db.execute(select(Incident).where(Incident.lon.is_not(None), Incident.lat.is_not(None),
                                             Incident.status.not_in(("closed", "false_alarm", "cancelled")))).scalars()
    incidents = [_point(i.lon, i.lat, {"id": i.id, "title": i.title, "type": i.type, "level": i.level,
                                       "status": i.status}) for i in incs]
    people = [_point(p["lon"], p["lat"], {k: p[k] for k in ("person_id", "name", "floor", "at")})
              for p in dispatch.positions(db)]
    return {"site_plan": site_plan, "cameras": _fc(cams), "hazards": _fc(hazards), "resources": _fc(resources),
            "incidents": _fc(incidents), "personnel": _fc(people)}


def _incident_point(db: Session, incident_id: int) -> tuple[float, float]:
    i = db.get(Incident, incident_id)
    if i is None:
        raise NotFound(f"incident {incident_id} not found")
    if i.lon is None or i.lat is None:
        raise Conflict(f"incident {incident_id} has no location (lon/lat)")
    return i.lon, i.lat


@router.get("/incidents/{incident_id}/nearest-resources")
def nearest_resources(incident_id: Id, kind: res.Kind | None = None,
                      category: Text | None = Query(None, max_length=100),
                      k: int = Query(5, ge=1, le=100), db: Session = Depends(get_db),
                      st: ServiceState = Depends(get_state), _: User = Depends(require(*READERS))) -> list[dict]:
    origin = _incident_point(db, incident_id)
    routes = res.nearest_by_road(db, road_graph(st), origin, kind, category, k)
    rows = {r.id: r for r in db.execute(select(Resource).where(Resource.id.in_([x.target_id for x in routes]))).scalars()}
    return [{"resource": res.to_json(rows[r.target_id]), "distance_m": round(r.distance_m, 1),
             "route": {"type": "LineString", "coordinates": [list(p) for p in r.path]}} for r in routes]


@router.get("/incidents/{incident_id}/cameras")
def nearest_cameras(incident_id: Id, k: int = Query(5, ge=1, le=50), db: Session = Depends(get_db),
                    st: ServiceState = Depends(get_state), _: User = Depends(require(*READERS))) -> list[dict]:
    """Cameras nearest the incident (straight line), for one-click live viewing (CMD-3)."""
    origin = _incident_point(db, incident_id)
    cams = [(metres(origin, (c.location.lon, c.location.lat)), c) for c in st.config.vision.cameras if c.location and c.enabled]
    cams.sort(key=lambda x: x[0])
    return [{"id": c.id, "name": c.name, "site": c.site, "distance_m": round(d, 1)} for d, c in cams[:k]]


@router.get("/incidents/{incident_id}/personnel")
def personnel_near(incident_id: Id, radius_m: float = Query(300.0, gt=0, le=20_000, description="straight-line radius"),
                   db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> list[dict]:
    """People whose latest position is within ``radius_m`` of the incident, nearest first (CMD-3, DSS-2)."""
    origin = _incident_point(db, incident_id)
    near = [(metres(origin, (p["lon"], p["lat"])), p) for p in dispatch.positions(db)]
    return [p | {"distance_m": round(d, 1)} for d, p in sorted(near, key=lambda x: x[0]) if d <= radius_m]
