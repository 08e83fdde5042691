"""A drafted emergency response (应急处置方案, DRL-5) from a consequence model's zones. Pure: zones,
people, assembly points and a road graph in; each zone's action, evacuation routes, targeted
warnings and the draft's body out. Nothing here reads the database or sends anything.

Zones are the simulation's (see var/dss-contract.md): ``{"name", "level": "evacuate"|"shelter"|"warn",
"polygon": GeoJSON Polygon|MultiPolygon (lon/lat), "people": [{"person", "phone", "lon", "lat"}], ...}``.
Zones may be nested (AEGL-3 inside AEGL-2): everyone is warned once, with the most severe action of
the zones they are in.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np
import shapely
from shapely.geometry import shape

from command.domain.routing import RoadGraph, metres, nearest

ACTIONS = ("evacuate", "shelter")
# A warn zone (the mildest level, e.g. AEGL-1) is told to stay indoors with windows shut and to
# await instructions: the shelter action, with a milder message.
ACTION_OF = {"evacuate": "evacuate", "shelter": "shelter", "warn": "shelter"}
SEVERITY = {"evacuate": 0, "shelter": 1, "warn": 2}
COMPASS_ZH = ("北", "东北", "东", "东南", "南", "西南", "西", "西北")
ASSEMBLY_KINDS = frozenset({"assembly", "assembly_point", "shelter", "emergency_shelter"})
MAX_ROUTE_ORIGINS = 3  # per evacuate zone: the largest groups of people (or the zone's centre)
CLUSTER_CELL_M = 150.0
# Routes are chosen on road lengths weighted by where they run: a metre inside an evacuation zone counts
# as this many metres, so a route leaves the zone (and the plume) by the shortest way, not through it.
EXPOSURE = {"evacuate": 5.0, "shelter": 2.0, "warn": 1.5}
SMS_MAX = 2000


@dataclass(frozen=True)
class AssemblyPoint:
    name: str
    lon: float
    lat: float
    source: str = "site_plan"  # site_plan | resource
    resource_id: int | None = None


@dataclass
class Context:
    """What the warnings say besides the zone: the park, the incident, the hazard, the wind."""

    park: str = ""
    incident_title: str = ""
    substance: str = ""  # Chinese name when known
    model: str = ""
    wind_from_deg: float | None = None
    release: tuple[float, float] | None = None
    exercise: bool = False


@dataclass
class ZoneDecision:
    name: str
    level: str
    action: str
    polygon: dict
    geom: Any  # shapely geometry (lon/lat)
    people: list[dict] = field(default_factory=list)  # those warned here (most severe zone only)
    routes: list[dict] = field(default_factory=list)


# ------------------------------------------------------------------------------------------ geometry

def geometry(polygon: dict) -> Any:
    """A GeoJSON Polygon/MultiPolygon (lon/lat) as a valid shapely geometry; ValueError if unusable."""
    if not isinstance(polygon, dict) or polygon.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValueError("polygon: a GeoJSON Polygon or MultiPolygon is required")
    g = shape(polygon)
    if not g.is_valid:
        g = shapely.make_valid(g)
    return g


def inside(geom: Any, points: Iterable[tuple[float, float]]) -> np.ndarray:
    """Which (lon, lat) points lie inside ``geom`` (boundary counts as inside), vectorised."""
    pts = np.asarray(list(points), dtype=float).reshape(-1, 2)
    if not len(pts) or geom is None or geom.is_empty:
        return np.zeros(len(pts), dtype=bool)
    shapely.prepare(geom)
    return shapely.intersects_xy(geom, pts[:, 0], pts[:, 1])


def outer_rings(polygon: dict) -> list[list[list[float]]]:
    """The outer ring of each polygon of a GeoJSON Polygon/MultiPolygon, as [[lon, lat], ...]."""
    if polygon.get("type") == "Polygon":
        polys = [polygon.get("coordinates") or []]
    elif polygon.get("type") == "MultiPolygon":
        polys = polygon.get("coordinates") or []
    else:
        return []
    return [[[float(p[0]), float(p[1])] for p in poly[0]] for poly in polys if poly and len(poly[0]) >= 3]


def compass_zh(deg: float) -> str:
    return COMPASS_ZH[int(((deg % 360) + 22.5) // 45) % 8]


def bearing(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Degrees clockwise from north, from a to b (flat earth, park scale)."""
    dx = (b[0] - a[0]) * math.cos(math.radians((a[1] + b[1]) / 2))
    dy = b[1] - a[1]
    return math.degrees(math.atan2(dx, dy)) % 360


def direction_away(ctx: Context) -> str:
    """Which way to go, in words: up- or crosswind of a plume; otherwise away from the release."""
    if ctx.wind_from_deg is not None and not _is_fire_or_blast(ctx.model):
        up = compass_zh(ctx.wind_from_deg)
        left, right = compass_zh(ctx.wind_from_deg - 90), compass_zh(ctx.wind_from_deg + 90)
        return f"向上风向（{up}方）或侧风向（{left}方、{right}方）"
    return "背离事故点方向"


def _is_fire_or_blast(model: str) -> bool:
    m = model.lower()
    return any(k in m for k in ("fire", "bleve", "fireball", "explosion", "tnt", "tno", "blast"))


def hazard_words(ctx: Context) -> str:
    m = ctx.model.lower()
    what = ctx.substance or "危险化学品"
    if any(k in m for k in ("fire", "bleve", "fireball")):
        return f"{what}火灾（热辐射）" if ctx.substance else "火灾（热辐射）"
    if any(k in m for k in ("explosion", "tnt", "tno", "blast")):
        return f"{what}爆炸（冲击波）" if ctx.substance else "爆炸（冲击波）"
    return f"{what}泄漏扩散"


# --------------------------------------------------------------------------------------------- zones

def decide_zones(zones: list[dict]) -> list[ZoneDecision]:
    """Each zone's action, most severe first; each phone is kept only in the most severe zone it is in.
    Zones with an empty polygon (the level is not reached) are left out."""
    out: list[ZoneDecision] = []
    order = sorted(range(len(zones)), key=lambda i: (SEVERITY.get(zones[i].get("level"), 9), i))
    seen: set[str] = set()
    for i in order:
        z = zones[i]
        level = z.get("level")
        if level not in ACTION_OF:
            raise ValueError(f"zones[{i}].level: {level!r} is not evacuate, shelter or warn")
        poly = z.get("polygon") or {}
        if not outer_rings(poly):
            continue
        people = []
        for p in z.get("people") or []:
            phone = str(p.get("phone") or "").strip()
            key = phone or f"{p.get('person')}@{p.get('lon')},{p.get('lat')}"
            if key in seen:
                continue
            seen.add(key)
            people.append(p)
        out.append(ZoneDecision(name=str(z.get("name") or f"zone-{i + 1}"), level=level, action=ACTION_OF[level],
                                polygon=poly, geom=geometry(poly), people=people))
    return out


def evacuate_union(decisions: list[ZoneDecision]) -> Any:
    geoms = [d.geom for d in decisions if d.action == "evacuate"]
    return shapely.union_all(geoms) if geoms else shapely.Polygon()


def footprint_rings(decisions: list[ZoneDecision]) -> list[list[list[float]]]:
    """The evacuate footprint as closed outer rings [[lon, lat], ...] (the CAP area), largest first."""
    u = evacuate_union(decisions)
    polys = list(u.geoms) if hasattr(u, "geoms") else [u]
    polys = [p for p in polys if isinstance(p, shapely.Polygon) and not p.is_empty]
    polys.sort(key=lambda p: -p.area)
    return [[[round(x, 7), round(y, 7)] for x, y in p.exterior.coords] for p in polys]


def cluster(points: list[tuple[float, float]], cell_m: float = CLUSTER_CELL_M,
            max_groups: int = MAX_ROUTE_ORIGINS) -> list[tuple[float, float, int]]:
    """Group positions on a ``cell_m`` grid; the ``max_groups`` largest groups as (lon, lat, count)."""
    if not points:
        return []
    pts = np.asarray(points, dtype=float)
    lat0 = math.radians(float(pts[:, 1].mean()))
    cx = np.floor(np.radians(pts[:, 0]) * math.cos(lat0) * 6_371_000.0 / cell_m).astype(np.int64)
    cy = np.floor(np.radians(pts[:, 1]) * 6_371_000.0 / cell_m).astype(np.int64)
    keys, inverse, counts = np.unique(np.column_stack((cx, cy)), axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    sx = np.bincount(inverse, weights=pts[:, 0])
    sy = np.bincount(inverse, weights=pts[:, 1])
    order = np.lexsort((keys[:, 1], keys[:, 0], -counts))[:max_groups]
    return [(float(sx[k] / counts[k]), float(sy[k] / counts[k]), int(counts[k])) for k in order]


def usable_assembly_points(points: list[AssemblyPoint], decisions: list[ZoneDecision]) -> list[AssemblyPoint]:
    """Assembly points outside every evacuate zone; those outside every zone first when there are any."""
    if not points:
        return []
    xy = [(p.lon, p.lat) for p in points]
    ok = ~inside(evacuate_union(decisions), xy)
    others = [d.geom for d in decisions if d.action != "evacuate"]
    clear = ~inside(shapely.union_all(others), xy) if others else np.ones(len(points), dtype=bool)
    best = [p for p, a, b in zip(points, ok, clear) if a and b]
    return best or [p for p, a in zip(points, ok) if a]


def exposure_graph(graph: RoadGraph, decisions: list[ZoneDecision]) -> RoadGraph:
    """A copy of ``graph`` whose edges inside a zone weigh more (EXPOSURE, by the edge's midpoint)."""
    g = copy.copy(graph)
    g.g = graph.g.copy()  # new edge attribute dicts: the shared graph is untouched
    edges = list(g.g.edges(data=True))
    if not edges or not decisions:
        return g
    mids = [((graph.coords[u][0] + graph.coords[v][0]) / 2, (graph.coords[u][1] + graph.coords[v][1]) / 2)
            for u, v, _ in edges]
    factor = np.ones(len(edges))
    for d in decisions:
        factor = np.where(inside(d.geom, mids), np.maximum(factor, EXPOSURE.get(d.level, 1.0)), factor)
    for (_, _, data), f in zip(edges, factor):
        data["weight"] = data["weight"] * float(f)
    return g


def _road_length(graph: RoadGraph, path: list[tuple[float, float]]) -> float:
    """The real length of a routed path [origin, node..., target] on ``graph`` (unweighted)."""
    ids = {xy: n for n, xy in graph.coords.items()}
    nodes = [ids[p] for p in path[1:-1]]
    total = metres(path[0], path[1]) + metres(path[-2], path[-1])
    return total + sum(graph.g[a][b]["weight"] for a, b in zip(nodes, nodes[1:]))


def evacuation_routes(decision: ZoneDecision, assembly: list[AssemblyPoint], graph: RoadGraph | None,
                      weighted: RoadGraph | None = None) -> list[dict]:
    """Routes from the largest groups of the zone's people (or its centre when nobody is known to be
    there) to the nearest usable assembly point: over the road graph when there is one (chosen on
    ``weighted``, the exposure-weighted copy, when given), else straight."""
    if not assembly:
        return []
    groups = cluster([(float(p["lon"]), float(p["lat"])) for p in decision.people
                      if p.get("lon") is not None and p.get("lat") is not None])
    if not groups:
        c = decision.geom.representative_point()
        groups = [(c.x, c.y, 0)]
    targets = [(i, a.lon, a.lat) for i, a in enumerate(assembly)]
    routes = []
    for lon, lat, n in groups:
        origin = (lon, lat)
        if graph is not None:
            found = nearest(weighted or graph, origin, targets, k=1)
            if not found:
                continue
            r = found[0]
            length = _road_length(graph, r.path) if weighted is not None else r.distance_m
            a, coords, by = assembly[r.target_id], [list(p) for p in r.path], "road"
        else:
            a = min(assembly, key=lambda t: metres(origin, (t.lon, t.lat)))
            coords, length, by = [[lon, lat], [a.lon, a.lat]], metres(origin, (a.lon, a.lat)), "straight"
        routes.append({"from": [round(lon, 7), round(lat, 7)],
                       "assembly_point": {"name": a.name, "lon": a.lon, "lat": a.lat},
                       "coordinates": [[round(x, 7), round(y, 7)] for x, y in coords],
                       "length_m": round(length, 1), "people": n, "by": by})
    return routes


# ------------------------------------------------------------------------------------------ warnings

def message(ctx: Context, d: ZoneDecision) -> str:
    """The Chinese warning text for a zone: what happened, what to do, which way to go."""
    park = f"【{ctx.park}】" if ctx.park else ""
    what = hazard_words(ctx)
    head = f"{park}{ctx.incident_title}：" if ctx.incident_title else park
    way = direction_away(ctx)
    if d.action == "evacuate":
        ap = d.routes[0]["assembly_point"]["name"] if d.routes else ""
        to = f"，到{ap}集合" if ap else "，到安全地点集合"
        text = (f"{head}紧急疏散！{what}，您所在的{d.name}区域有危险。请立即{way}撤离{to}；"
                "用湿毛巾捂住口鼻，不要穿越下风向区域，不要返回取物。")
    elif d.level == "shelter":
        text = (f"{head}就地避险！{what}，您所在的{d.name}区域请立即进入室内，关闭门窗，关停通风和空调，"
                f"用湿毛巾捂住口鼻，等待进一步通知；如接到疏散指令，请{way}撤离。")
    else:
        text = (f"{head}预警：{what}，您所在的{d.name}区域可能受到影响。请减少外出，关闭门窗，"
                f"留意广播和短信通知；如需撤离，请{way}。")
    return text[:SMS_MAX]


def warnings_for(ctx: Context, decisions: list[ZoneDecision]) -> list[dict]:
    """Per zone: an SMS to the phones of the people warned there, and a broadcast to the zone."""
    out: list[dict] = []
    for d in decisions:
        text = message(ctx, d)
        phones = list(dict.fromkeys(str(p.get("phone")).strip() for p in d.people if str(p.get("phone") or "").strip()))
        if phones:
            out.append({"id": f"w{len(out) + 1}", "channel": "sms", "zone": d.name, "recipients": phones,
                        "message": text})
        out.append({"id": f"w{len(out) + 1}", "channel": "broadcast", "zone": d.name, "recipients": [d.name],
                    "message": text})
    return out


# -------------------------------------------------------------------------------------------- draft

def draft_body(ctx: Context, zones: list[dict], assembly: list[AssemblyPoint], graph: RoadGraph | None,
               resources: list[dict] | None = None, action_cards: list[dict] | None = None,
               plan: dict | None = None) -> dict:
    """The draft's body (var/dss-contract.md): zones with actions and routes, resources, the plan's
    cards, warnings, and the CAP area (the evacuate footprint). ``cap.identifier`` is set by the caller."""
    notes: list[str] = []
    decisions = decide_zones(zones)
    usable = usable_assembly_points(assembly, decisions)
    if any(d.action == "evacuate" for d in decisions):
        if not assembly:
            notes.append("没有集合点：请在园区平面图中标注 assembly/shelter 要素或登记 shelter 类资源 "
                         "(no assembly point: add site-plan features of kind assembly or shelter resources)")
        elif not usable:
            notes.append("所有集合点都在疏散区内 (every assembly point lies inside an evacuation zone)")
    if graph is None:
        notes.append("未配置路网，路线为直线 (no road graph configured: routes are straight lines)")
    weighted = exposure_graph(graph, decisions) if graph is not None and usable else None
    for d in decisions:
        if d.action == "evacuate":
            d.routes = evacuation_routes(d, usable, graph, weighted)
    if not decisions:
        notes.append("模拟结果未达到任何分区阈值 (the simulation reaches no zone's threshold)")
    rings = footprint_rings(decisions)
    return {
        "zones": [{"name": d.name, "level": d.level, "action": d.action, "polygon": d.polygon,
                   "people": len(d.people), "routes": d.routes} for d in decisions],
        "resources": resources or [],
        "action_cards": action_cards or [],
        "plan": plan,
        "warnings": warnings_for(ctx, decisions),
        "cap": {"identifier": "", "area_polygon": rings[0] if rings else None, "area_polygons": rings},
        "release": list(ctx.release) if ctx.release else None,
        "wind_from_deg": ctx.wind_from_deg,
        "substance": ctx.substance,
        "notes": notes,
        "note": "",
    }
