"""Response drafts (应急处置方案, DRL-5): built from a stored simulation, edited while a draft, and
sent through the comms outbox only when a commander approves them (one transaction: the messages
are queued, the draft is marked sent, or nothing happens). Exercise incidents' messages are marked
exercise and go to the drill sink, as everywhere (comms/dispatcher.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import shapely
import shapely.errors
import shapely.geometry
from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from command.db.models.dss import ResponseDraft, Simulation
from command.db.models.incidents import Incident
from command.db.models.resources import Resource
from command.domain import resource_checks as rc
from command.domain import response_draft as rd
from command.domain.routing import RoadGraph, metres
from command.errors import Conflict, Invalid, NotFound
from command.services import audit, incidents
from command.services import resources as res

GENERAL_K = 5  # nearest teams and nearest materials offered besides the plan's needs
NEED_K = 3  # nearest of each kind/category the matching plan requires
_FILES: dict[str, tuple[float, Any]] = {}


# ------------------------------------------------------------------------------------------- inputs

def _site_file(path: str, what: str) -> Any:
    """The configured site plan or road graph, parsed once per file change; None when not configured."""
    if not path:
        return None
    p = Path(path)
    if not p.exists():
        return None
    mtime = p.stat().st_mtime
    hit = _FILES.get(str(p))
    if hit and hit[0] == mtime:
        return hit[1]
    data = json.loads(p.read_text(encoding="utf-8"))
    value = RoadGraph(data) if what == "road_graph" else data
    _FILES[str(p)] = (mtime, value)
    return value


def road_graph(state: Any) -> RoadGraph | None:
    return _site_file(state.config.map.road_graph, "road_graph")


def assembly_points(db: Session, state: Any) -> list[rd.AssemblyPoint]:
    """Site-plan features of kind assembly/shelter (a point, or a polygon's centre) and located,
    available resources of kind shelter."""
    out: list[rd.AssemblyPoint] = []
    plan = _site_file(state.config.map.site_plan, "site_plan") or {}
    for f in plan.get("features") or []:
        props = f.get("properties") or {}
        if props.get("kind") not in rd.ASSEMBLY_KINDS or not f.get("geometry"):
            continue
        try:
            g = shapely.geometry.shape(f["geometry"])
        except (ValueError, TypeError, KeyError):
            continue
        c = g if g.geom_type == "Point" else g.representative_point()
        out.append(rd.AssemblyPoint(str(props.get("name") or "集合点"), float(c.x), float(c.y)))
    rows = db.execute(select(Resource.id, Resource.name, Resource.lon, Resource.lat).where(
        Resource.kind == "shelter", Resource.status == "available", Resource.lon.is_not(None),
        Resource.lat.is_not(None)).order_by(Resource.id)).all()
    out += [rd.AssemblyPoint(name, float(lon), float(lat), "resource", rid) for rid, name, lon, lat in rows]
    return out


def _release_point(sim: Simulation, inc: Incident) -> tuple[float, float] | None:
    p = sim.params or {}
    for lon_k, lat_k in (("lon", "lat"), ("source_lon", "source_lat")):
        if p.get(lon_k) is not None and p.get(lat_k) is not None:
            return float(p[lon_k]), float(p[lat_k])
    rel = (sim.result or {}).get("release") if isinstance(sim.result, dict) else None
    if isinstance(rel, dict) and rel.get("lon") is not None and rel.get("lat") is not None:
        return float(rel["lon"]), float(rel["lat"])
    if inc.lon is not None and inc.lat is not None:
        return float(inc.lon), float(inc.lat)
    return None


def _substance_zh(sim: Simulation) -> str:
    name = str((sim.params or {}).get("substance") or "").strip()
    if not name:
        return ""
    try:
        from command.dss import substances

        return substances.get(name).name_zh
    except Exception:  # an unknown substance or an unloadable table: say what the run said
        return name


def _wind_from(sim: Simulation) -> float | None:
    for src in (sim.weather or {}, sim.params or {}):
        v = src.get("wind_from_deg") if isinstance(src, dict) else None
        if v is not None:
            try:
                return float(v)
            except (TypeError, ValueError):
                return None
    return None


def recommend_resources(db: Session, state: Any, graph: RoadGraph | None, origin: tuple[float, float] | None,
                        needs: list[tuple[str, str]] = ()) -> list[dict]:
    """Teams and materials nearest the release (by road when a road graph is configured), the plan's
    needed categories first, each checked for validity, inspection, completeness and availability."""
    if origin is None:
        return []
    asks = [(k, c, NEED_K) for k, c in dict.fromkeys(needs)] + [("team", None, GENERAL_K), ("material", None, GENERAL_K)]
    dist: dict[int, float] = {}
    for kind, category, k in asks:
        if graph is not None:
            found = [(r.target_id, r.distance_m) for r in res.nearest_by_road(db, graph, origin, kind, category, k)]
        else:
            pts = res.locatable(db, kind, category)
            found = sorted(((i, metres(origin, (x, y))) for i, x, y in pts), key=lambda t: (t[1], t[0]))[:k]
        for rid, d in found:
            dist[rid] = min(d, dist.get(rid, d))
    if not dist:
        return []
    rows = {r.id: r for r in db.execute(select(Resource).where(Resource.id.in_(list(dist)))).scalars()}
    reserved = res.reserved_map(db, list(dist))
    today = res.today(state)
    out = []
    for rid in sorted(dist, key=lambda i: (dist[i], i)):
        r = rows[rid]
        ev = rc.evaluate(res.stock(r, reserved.get(rid, 0.0)), today)
        out.append({"resource_id": r.id, "name": r.name, "kind": r.kind, "category": r.category,
                    "distance_m": round(dist[rid], 1), "valid": bool(ev.valid and ev.inspected),
                    "flags": [f"{r.name} (#{r.id}): {p}" for p in ev.problems],
                    "quantity": r.quantity, "unit": r.unit, "by": "road" if graph is not None else "straight"})
    return out


def matching_plan(db: Session, inc: Incident, substance: str) -> tuple[dict | None, list[dict], list[tuple[str, str]]]:
    """The best-matching activatable plan, its action cards for the matched level, and its needs."""
    from command.domain.plan_schema import parse
    from command.services import activation, plans

    matches = activation.match(db, activation.facts_of(inc, substance), 1)
    if not matches:
        return None, [], []
    m = matches[0]
    p = plans.get(db, m["plan_id"])
    if not p.structured:
        return None, [], []
    sp = parse(p.structured)
    cards, needs, _ = sp.for_level(m["response_level"])
    plan = {"plan_id": p.id, "plan_title": p.title, "response_level": m["response_level"], "score": m["score"],
            "reasons": m.get("reasons", [])}
    return (plan, [{"plan_id": p.id, "plan_title": p.title, "card_id": c.id, "role": c.role, "action": c.action,
                    "deadline_min": c.deadline_min} for c in cards],
            [(n.kind, n.category) for n in needs])


# -------------------------------------------------------------------------------------------- CRUD

def to_json(d: ResponseDraft) -> dict:
    return {"id": d.id, "incident_id": d.incident_id, "simulation_id": d.simulation_id, "status": d.status,
            "version": d.version, "body": d.body, "created_by": d.created_by, "created_at": d.created_at.isoformat(),
            "updated_at": d.updated_at.isoformat(), "approved_by": d.approved_by,
            "approved_at": d.approved_at.isoformat() if d.approved_at else None,
            "sent_at": d.sent_at.isoformat() if d.sent_at else None, "outbox_ids": d.outbox_ids or []}


def _summary(d: ResponseDraft) -> dict:
    body = d.body or {}
    return {"id": d.id, "incident_id": d.incident_id, "simulation_id": d.simulation_id, "status": d.status,
            "version": d.version, "warnings": len(body.get("warnings") or []),
            "outbox": len(d.outbox_ids or [])}


def build_body(db: Session, state: Any, inc: Incident, sim: Simulation) -> dict:
    """The draft's body from a stored simulation (no writes)."""
    release = _release_point(sim, inc)
    substance = _substance_zh(sim)
    plan, cards, needs = matching_plan(db, inc, substance)
    graph = road_graph(state)
    ctx = rd.Context(park=state.config.park_name, incident_title=inc.title, substance=substance, model=sim.model,
                     wind_from_deg=_wind_from(sim), release=release, exercise=bool(inc.exercise or sim.exercise))
    try:
        return rd.draft_body(ctx, list(sim.zones or []), assembly_points(db, state), graph,
                             recommend_resources(db, state, graph, release, needs), cards, plan)
    except ValueError as e:
        raise Invalid(f"simulation_id: simulation {sim.id} has unusable zones: {e}") from None


def create(db: Session, state: Any, actor: str, incident_id: int, simulation_id: int) -> ResponseDraft:
    inc = incidents.get(db, incident_id)
    sim = db.get(Simulation, simulation_id)
    if sim is None:
        raise Invalid(f"simulation_id: simulation {simulation_id} not found")
    if sim.incident_id is not None and sim.incident_id != incident_id:
        raise Invalid(f"simulation_id: simulation {simulation_id} belongs to incident {sim.incident_id}")
    body = build_body(db, state, inc, sim)
    now = state.clock.now()
    d = ResponseDraft(incident_id=incident_id, simulation_id=sim.id, status="draft", body=body, version=1,
                      created_by=actor, created_at=now, updated_at=now, outbox_ids=[])
    db.add(d)
    db.flush()
    d.body = body | {"cap": body["cap"] | {"identifier": f"watchpost-draft-{d.id}-v1"}}
    db.flush()
    audit.record(db, actor, "response_draft.create", "response_draft", d.id,
                 after={"incident_id": incident_id, "simulation_id": sim.id}, clock=state.clock)
    state.push.record(db, "dss", "draft_created", _summary(d))
    db.commit()
    return d


def get(db: Session, draft_id: int, lock: bool = False) -> ResponseDraft:
    q = select(ResponseDraft).where(ResponseDraft.id == draft_id)
    d = db.execute(q.with_for_update() if lock else q).scalar_one_or_none()
    if d is None:
        raise NotFound(f"response draft {draft_id} not found")
    return d


def of_incident(db: Session, incident_id: int) -> list[ResponseDraft]:
    incidents.get(db, incident_id)
    return list(db.execute(select(ResponseDraft).where(ResponseDraft.incident_id == incident_id)
                           .order_by(ResponseDraft.id.desc())).scalars())


def _must_be_draft(d: ResponseDraft, doing: str) -> None:
    if d.status != "draft":
        raise Conflict(f"response draft {d.id} is already {d.status}; it can no longer be {doing}")


def update(db: Session, state: Any, actor: str, draft_id: int, changes: dict) -> ResponseDraft:
    """Replace the given parts of the body (warnings, resources, zones, note); version + 1, audited."""
    d = get(db, draft_id, lock=True)
    _must_be_draft(d, "edited")
    body = dict(d.body or {})
    before = {k: body.get(k) for k in changes}
    if "resources" in changes:
        ids = [r["resource_id"] for r in changes["resources"]]
        found = set(db.execute(select(Resource.id).where(Resource.id.in_(ids))).scalars()) if ids else set()
        missing = [i for i in ids if i not in found]
        if missing:
            raise Invalid(f"resources: resource {missing[0]} not found")
    if "warnings" in changes:
        seen: set[str] = set()
        for i, w in enumerate(changes["warnings"]):
            if not w.get("id"):
                n = len(seen) + 1
                while f"w{n}" in seen or any(x.get("id") == f"w{n}" for x in changes["warnings"]):
                    n += 1
                w["id"] = f"w{n}"
            if w["id"] in seen:
                raise Invalid(f"warnings[{i}].id: {w['id']!r} appears twice")
            seen.add(w["id"])
    if "zones" in changes:
        decisions = []
        for i, z in enumerate(changes["zones"]):
            try:
                geom = rd.geometry(z["polygon"])
            except (ValueError, TypeError, KeyError, shapely.errors.GEOSException) as e:
                raise Invalid(f"zones[{i}].polygon: {e}") from None
            decisions.append(rd.ZoneDecision(z["name"], z.get("level") or z["action"], z["action"], z["polygon"], geom))
        rings = rd.footprint_rings(decisions)
        body["cap"] = dict(body.get("cap") or {}) | {"area_polygon": rings[0] if rings else None, "area_polygons": rings}
    body.update(changes)
    d.version += 1
    body["cap"] = dict(body.get("cap") or {}) | {"identifier": f"watchpost-draft-{d.id}-v{d.version}"}
    d.body = body
    d.updated_at = state.clock.now()
    db.flush()
    audit.record(db, actor, "response_draft.update", "response_draft", d.id, before=before,
                 after={k: body.get(k) for k in changes} | {"version": d.version}, clock=state.clock)
    state.push.record(db, "dss", "draft_updated", _summary(d))
    db.commit()
    return d


def approve(db: Session, state: Any, actor: str, draft_id: int) -> ResponseDraft:
    """Queue every warning to every recipient in the comms outbox and mark the draft sent, together."""
    from comms import outbox
    from watchpost.events import OutboxMessage

    d = get(db, draft_id, lock=True)
    _must_be_draft(d, "approved")
    inc = incidents.get(db, d.incident_id)
    exercise = bool(inc.exercise)
    if d.simulation_id is not None:
        sim = db.get(Simulation, d.simulation_id)
        exercise = exercise or bool(sim is not None and sim.exercise)
    messages, seen = [], set()
    for w in (d.body or {}).get("warnings") or []:
        for r in w.get("recipients") or []:
            r = str(r).strip()
            if not r or (w["channel"], r) in seen:
                continue
            seen.add((w["channel"], r))
            messages.append(OutboxMessage(channel=w["channel"], recipient=r, body=str(w["message"])[:2000],
                                          incident_id=inc.id, exercise=exercise))
    if not messages:
        raise Conflict(f"response draft {d.id} has no warning with a recipient; nothing to send")
    now = state.clock.now()
    ids = outbox.enqueue_many(db, messages, now=now, push=state.push)
    d.status, d.approved_by, d.approved_at, d.sent_at, d.outbox_ids = "sent", actor, now, now, ids
    d.updated_at = now
    incidents.add_entry(db, inc, actor, "response_plan", now,
                        note=f"应急处置方案 #{d.id} v{d.version} 已批准发布，{len(ids)} 条消息",
                        data={"draft_id": d.id, "version": d.version, "messages": len(ids), "exercise": exercise})
    db.flush()
    audit.record(db, actor, "response_draft.approve", "response_draft", d.id,
                 after={"version": d.version, "outbox_ids": ids, "exercise": exercise}, clock=state.clock)
    state.push.record(db, "dss", "draft_approved", _summary(d))
    db.commit()
    return d


def discard(db: Session, state: Any, actor: str, draft_id: int) -> ResponseDraft:
    d = get(db, draft_id, lock=True)
    _must_be_draft(d, "discarded")
    d.status = "discarded"
    d.updated_at = state.clock.now()
    db.flush()
    audit.record(db, actor, "response_draft.discard", "response_draft", d.id, after={"version": d.version},
                 clock=state.clock)
    state.push.record(db, "dss", "draft_discarded", _summary(d))
    db.commit()
    return d


# --------------------------------------------------------------------------------------------- CAP

def cap_xml(db: Session, state: Any, d: ResponseDraft) -> bytes:
    """The draft as a CAP 1.2 alert: one area per evacuate footprint (and one per shelter zone),
    validated against the XSD before it is returned."""
    from comms.cap import NS, cap_time, polygon_text, validate

    inc = incidents.get(db, d.incident_id)
    body = d.body or {}
    zones = body.get("zones") or []
    warnings = body.get("warnings") or []

    def sub(parent: Any, tag: str, text: Any = None) -> Any:
        el = etree.SubElement(parent, f"{{{NS}}}{tag}")
        if text is not None:
            el.text = str(text)
        return el

    park = state.config.park_name or "watchpost"
    alert = etree.Element(f"{{{NS}}}alert", nsmap={None: NS})
    sub(alert, "identifier", (body.get("cap") or {}).get("identifier") or f"watchpost-draft-{d.id}-v{d.version}")
    sub(alert, "sender", "watchpost")
    sub(alert, "sent", cap_time(d.sent_at or d.updated_at))
    sub(alert, "status", "Exercise" if inc.exercise else "Actual")
    sub(alert, "msgType", "Alert")
    sub(alert, "scope", "Public")
    if d.status == "draft":
        sub(alert, "note", "draft: not approved, not sent")
    info = sub(alert, "info")
    sub(info, "language", "zh-CN")
    model = ""
    if d.simulation_id is not None:
        sim = db.get(Simulation, d.simulation_id)
        model = sim.model if sim is not None else ""
    sub(info, "category", "Fire" if rd._is_fire_or_blast(model) and "fire" in model.lower() else "CBRNE")
    sub(info, "event", rd.hazard_words(rd.Context(substance=body.get("substance") or "", model=model))[:100])
    actions = {z.get("action") for z in zones}
    if "evacuate" in actions:
        sub(info, "responseType", "Evacuate")
    if "shelter" in actions:
        sub(info, "responseType", "Shelter")
    sub(info, "urgency", "Immediate")
    sub(info, "severity", "Extreme" if "evacuate" in actions else "Severe")
    sub(info, "certainty", "Likely")
    sub(info, "senderName", park)
    sub(info, "headline", f"{inc.title} 应急处置方案"[:160])
    first = next((w for w in warnings if any(z.get("action") == "evacuate" and z.get("name") == w.get("zone")
                                             for z in zones)), warnings[0] if warnings else None)
    counts = "；".join(f"{z.get('name')}（{'疏散' if z.get('action') == 'evacuate' else '就地避险'}）{z.get('people', 0)}人"
                      for z in zones)
    hazard = rd.hazard_words(rd.Context(substance=body.get("substance") or "", model=model))
    sub(info, "description", f"{inc.title}：{hazard}。" + (f"影响区域：{counts}。" if counts else ""))
    if first is not None:
        sub(info, "instruction", first.get("message", ""))
    for key, val in (("draft_id", d.id), ("version", d.version), ("incident_id", inc.id),
                     ("simulation_id", d.simulation_id)):
        if val is not None:
            p = sub(info, "parameter")
            sub(p, "valueName", f"watchpost:{key}")
            sub(p, "value", val)
    rings = (body.get("cap") or {}).get("area_polygons") or []
    if not rings and (body.get("cap") or {}).get("area_polygon"):
        rings = [body["cap"]["area_polygon"]]
    if rings:
        area = sub(info, "area")
        sub(area, "areaDesc", "疏散区 (evacuate): " + ", ".join(z["name"] for z in zones if z.get("action") == "evacuate"))
        for ring in rings:
            sub(area, "polygon", polygon_text(ring))
    for z in zones:
        if z.get("action") == "shelter":
            area = sub(info, "area")
            sub(area, "areaDesc", f"就地避险区 (shelter): {z.get('name')}")
            for ring in rd.outer_rings(z.get("polygon") or {}):
                sub(area, "polygon", polygon_text(ring))
    if not rings and not any(z.get("action") == "shelter" for z in zones):
        sub(sub(info, "area"), "areaDesc", park)
    xml = etree.tostring(alert, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    validate(xml)
    return xml
