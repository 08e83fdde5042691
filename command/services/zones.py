"""Hazard zones on the park map (DSS-2): from a model's result to lon/lat polygons, and what lies
inside each: people (latest positions), enterprises and residents' areas and gas sensors (site-plan
features), cameras, resources.

Pure except ``load_park`` (which reads the database, the config and the site-plan file). Counting is
vectorised: points are tested with ``shapely.intersects_xy`` against the prepared zone after a
bounding-box cut, features with ``shapely.intersects`` on a geometry array, so 5,000 people and
50,000 resources are counted in milliseconds per zone. A point on a zone's edge counts as inside.

Zones are nested like the contours they come from: a toxic footprint's AEGL-1 area contains its
AEGL-2 area, and a fire's "warning" disc contains its "lethal" disc. Counts are per zone, so someone
in the AEGL-3 area is counted in every zone around it."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping, shape

from command.dss import thresholds as th
from command.dss.plume import X_MIN, local_to_lonlat

KINDS = ("people", "enterprises", "residential", "cameras", "sensors", "resources")
FEATURE_KINDS = {"enterprises": ("enterprise",), "residential": ("residential",),
                 "sensors": ("gas_sensor", "sensor")}
CIRCLE_POINTS = 96


# --------------------------------------------------------------------------------------------- the park

@dataclass
class Points:
    """Point items (people, cameras, resources): coordinates as arrays, the items as dicts."""

    lon: np.ndarray
    lat: np.ndarray
    items: list[dict]

    @classmethod
    def of(cls, items: list[dict]) -> "Points":
        return cls(np.array([i["lon"] for i in items], dtype=float), np.array([i["lat"] for i in items], dtype=float),
                   items)


@dataclass
class Features:
    """Site-plan features of one group: geometries (shapely array) and their JSON."""

    geoms: np.ndarray
    items: list[dict]


@dataclass
class Park:
    people: Points = field(default_factory=lambda: Points.of([]))
    cameras: Points = field(default_factory=lambda: Points.of([]))
    resources: Points = field(default_factory=lambda: Points.of([]))
    features: dict[str, Features] = field(default_factory=dict)


def site_plan_features(site_plan: dict | None) -> dict[str, Features]:
    """Group a site plan's features by FEATURE_KINDS; unreadable geometries are skipped."""
    groups: dict[str, tuple[list, list]] = {k: ([], []) for k in FEATURE_KINDS}
    for n, f in enumerate((site_plan or {}).get("features") or []):
        props = (f or {}).get("properties") or {}
        group = next((g for g, kinds in FEATURE_KINDS.items() if props.get("kind") in kinds), None)
        if group is None or not f.get("geometry"):
            continue
        try:
            geom = shape(f["geometry"])
            if not geom.is_valid:
                geom = shapely.make_valid(geom)
        except (ValueError, TypeError, KeyError, AttributeError):
            continue
        if geom.is_empty:
            continue
        c = geom.representative_point() if geom.geom_type != "Point" else geom
        item = {"id": props.get("id", f.get("id", n)), **{k: v for k, v in props.items() if k != "id"},
                "lon": round(c.x, 7), "lat": round(c.y, 7)}
        groups[group][0].append(geom)
        groups[group][1].append(item)
    return {g: Features(np.array(geoms, dtype=object), items) for g, (geoms, items) in groups.items()}


_SITE_PLANS: dict[str, tuple[float, dict]] = {}


def read_site_plan(path: str) -> dict | None:
    """The site plan GeoJSON (cached until the file changes); None when not configured or unreadable."""
    if not path:
        return None
    p = Path(path)
    try:
        mtime = p.stat().st_mtime
        hit = _SITE_PLANS.get(str(p))
        if hit and hit[0] == mtime:
            return hit[1]
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    _SITE_PLANS[str(p)] = (mtime, data)
    return data


def load_park(db: Any, config: Any) -> Park:
    """People (latest positions, with a phone where a user or contact of that name has one), cameras
    with a location, resources with lon/lat, and the site plan's enterprises, residents' areas and sensors."""
    from sqlalchemy import select

    from command.db.models.duty import PersonnelPosition
    from command.db.models.resources import Resource
    from command.db.models.users import User
    from comms.models import Contact

    rows = db.execute(select(PersonnelPosition.person_id, PersonnelPosition.name, PersonnelPosition.lon,
                             PersonnelPosition.lat, PersonnelPosition.floor)
                      .order_by(PersonnelPosition.person_id)).all()
    phones = {u: p for u, p in db.execute(select(User.username, User.phone).where(User.phone.is_not(None))).all() if p}
    by_name: dict[str, str | None] = {}
    for name, phone in db.execute(select(Contact.name, Contact.phone).where(Contact.active.is_(True),
                                                                            Contact.phone.is_not(None))).all():
        by_name[name] = phone if name not in by_name else None  # two contacts of one name: no guess
    people = [{"person": r.name or r.person_id, "person_id": r.person_id,
               "phone": phones.get(r.person_id) or by_name.get(r.name or "") or "",
               "lon": r.lon, "lat": r.lat, "floor": r.floor} for r in rows]
    cams = [{"id": c.id, "name": c.name, "site": c.site, "lon": c.location.lon, "lat": c.location.lat}
            for c in config.vision.cameras if c.location is not None]
    res = [{"id": r.id, "name": r.name, "kind": r.kind, "category": r.category, "status": r.status,
            "lon": r.lon, "lat": r.lat}
           for r in db.execute(select(Resource.id, Resource.name, Resource.kind, Resource.category, Resource.status,
                                      Resource.lon, Resource.lat)
                               .where(Resource.lon.is_not(None), Resource.lat.is_not(None)).order_by(Resource.id))]
    return Park(Points.of(people), Points.of(cams), Points.of(res),
                site_plan_features(read_site_plan(config.map.site_plan)))


# --------------------------------------------------------------------------------------------- geometry

def circle(lon: float, lat: float, radius_m: float, n: int = CIRCLE_POINTS) -> Polygon:
    """A circle of ``radius_m`` around (lon, lat), as a lon/lat polygon (WGS-84 radii at the centre)."""
    a = np.linspace(0.0, 2 * math.pi, n, endpoint=False)
    ring = local_to_lonlat(np.column_stack([radius_m * np.cos(a), radius_m * np.sin(a)]), lon, lat, 0.0)
    return Polygon(np.round(ring, 7))


def polygons_to_geom(polygons_lonlat: list[list[list[list[float]]]] | None) -> Polygon | MultiPolygon | None:
    """A model's polygons (each: outer ring then holes, [lon, lat]) → one shapely geometry, or None."""
    polys = [Polygon(rings[0], rings[1:]) for rings in polygons_lonlat or [] if rings and len(rings[0]) >= 3]
    polys = [p if p.is_valid else shapely.make_valid(p) for p in polys]
    polys = [p for p in polys if not p.is_empty]
    if not polys:
        return None
    geom = shapely.union_all(polys)
    return geom if not geom.is_empty else None


def to_geojson(geom: Any) -> dict | None:
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type not in ("Polygon", "MultiPolygon"):  # make_valid may leave slivers as lines
        parts = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type in ("Polygon", "MultiPolygon")]
        geom = shapely.union_all(parts) if parts else None
        if geom is None or geom.is_empty:
            return None
    return json.loads(json.dumps(mapping(geom)))  # tuples → lists, as stored


# --------------------------------------------------------------------------------------------- contents

def _inside_points(geom: Any, pts: Points) -> np.ndarray:
    if not len(pts.items):
        return np.zeros(0, dtype=int)
    x0, y0, x1, y1 = geom.bounds
    cand = np.flatnonzero((pts.lon >= x0) & (pts.lon <= x1) & (pts.lat >= y0) & (pts.lat <= y1))
    if not len(cand):
        return cand
    return cand[shapely.intersects_xy(geom, pts.lon[cand], pts.lat[cand])]


def contents(geom: Any, park: Park, list_max: int = 5000) -> dict:
    """What lies inside ``geom``: lists (at most ``list_max`` per kind) and full counts."""
    empty = {k: [] for k in KINDS}
    if geom is None or geom.is_empty:
        return empty | {"counts": {k: 0 for k in KINDS}, "truncated": False}
    shapely.prepare(geom)
    out: dict[str, Any] = {}
    counts: dict[str, int] = {}
    for kind, pts in (("people", park.people), ("cameras", park.cameras), ("resources", park.resources)):
        idx = _inside_points(geom, pts)
        counts[kind] = int(len(idx))
        out[kind] = [_public(kind, pts.items[i]) for i in idx[:list_max]]
    for kind in ("enterprises", "residential", "sensors"):
        f = park.features.get(kind)
        if f is None or not len(f.items):
            counts[kind], out[kind] = 0, []
            continue
        idx = np.flatnonzero(shapely.intersects(f.geoms, geom))
        counts[kind] = int(len(idx))
        out[kind] = [f.items[i] for i in idx[:list_max]]
    return out | {"counts": counts, "truncated": any(counts[k] > list_max for k in KINDS)}


def _public(kind: str, item: dict) -> dict:
    if kind == "people":
        return {k: item[k] for k in ("person", "person_id", "phone", "lon", "lat")}
    if kind == "cameras":
        return {k: item[k] for k in ("id", "name", "site", "lon", "lat")}
    return {k: item[k] for k in ("id", "name", "kind", "category", "status", "lon", "lat")}


# --------------------------------------------------------------------------------------------- zones

def level_for(name: str, mapping_: dict[str, str], default: str) -> str:
    """The action for a zone: the longest key of ``mapping_`` that ``name`` starts with (case-insensitive)."""
    n = name.strip().upper()
    keys = sorted((k for k in mapping_ if n.startswith(k.strip().upper())), key=len, reverse=True)
    return mapping_[keys[0]] if keys else default


@dataclass(frozen=True)
class ZoneShape:
    """A zone before its contents are counted."""

    name: str
    level: str
    threshold: dict
    geom: Any  # shapely geometry in lon/lat, or None when the level is not reached
    shape: str  # footprint | circle
    extra: dict = field(default_factory=dict)


def toxic_zones(result: dict, params: dict, levels: dict[str, str], default: str) -> list[ZoneShape]:
    """plume_footprint → one zone per threshold: its lon/lat contour, closed to the source by the
    100 m near-field disc when the threshold is exceeded there (the model does not resolve it)."""
    given = {t["name"]: t for t in params.get("thresholds") or []}
    lon, lat = params.get("source_lon"), params.get("source_lat")
    out = []
    for c in result.get("contours") or []:
        geom = polygons_to_geom(c.get("polygons_lonlat"))
        near = bool(c.get("from_near_field")) and lon is not None and lat is not None
        if near:
            disc = circle(lon, lat, X_MIN)
            geom = disc if geom is None else shapely.union_all([geom, disc])
        t = given.get(c["name"], {})
        out.append(ZoneShape(
            c["name"], level_for(c["name"], levels, default),
            {"value": t.get("value", c["threshold_mg_m3"]), "unit": t.get("unit", "mg/m3"),
             "mg_m3": c["threshold_mg_m3"]}, geom, "footprint",
            {"downwind_distance_m": c.get("downwind_distance_m"), "max_width_m": c.get("max_width_m"),
             "area_m2": c.get("area_m2"), "includes_near_field_m": X_MIN if near else None,
             "beyond_range": c.get("beyond_range")}))
    return out


def ring_zones(level_distances_m: dict[str, float | None], levels_given: Iterable[float], kind: str,
               lon: float, lat: float, actions: dict[str, str], default: str) -> list[ZoneShape]:
    """Fire / explosion → discs around the release point at the distance to each level (thresholds.py);
    most severe first. A level not reached (or not resolved by the model) has no polygon."""
    table = th.THERMAL if kind == "thermal" else th.OVERPRESSURE
    unit = "kW/m²" if kind == "thermal" else "kPa"
    chosen = tuple(sorted({float(v) for v in levels_given}, reverse=True))
    known = {t.level for t in table}
    if chosen and all(any(abs(v - k) < 1e-9 for k in known) for v in chosen):
        rings = [(z.name, z.level, z.outer_radius_m, z.effect, z.source)
                 for z in th.zones(level_distances_m, kind, chosen)]
    else:  # levels outside the table: named by their value, without a published effect
        rings = [(f"{v:g} {unit}", v, level_distances_m.get(f"{v:g}"), "", "") for v in chosen]
    out = []
    for name, level, radius, effect, source in rings:
        geom = circle(lon, lat, radius) if radius else None
        out.append(ZoneShape(name, level_for(name, actions, default),
                             {"value": level, "unit": unit, "effect": effect, "source": source}, geom, "circle",
                             {"radius_m": radius}))
    return out


def distance_zone(name: str, distance_m: float | None, lon: float, lat: float, level: str, threshold: dict,
                  why: str) -> ZoneShape:
    geom = circle(lon, lat, distance_m) if distance_m else None
    return ZoneShape(name, level, threshold, geom, "circle", {"radius_m": distance_m, "note": why})


def fill(shapes: list[ZoneShape], park: Park, list_max: int = 5000) -> list[dict]:
    """The zones as stored and answered (contract: name, level, threshold, polygon, lists, counts)."""
    out = []
    for z in shapes:
        out.append({"name": z.name, "level": z.level, "threshold": z.threshold, "polygon": to_geojson(z.geom),
                    "reached": z.geom is not None, "shape": z.shape, **z.extra, **contents(z.geom, park, list_max)})
    return out
