"""Resources (RES-1..3): CRUD, evaluation (validity/completeness/availability, expert ratings),
reservations, statistics, and checking an activated plan's needs before dispatch."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from command.db.models.resources import ExpertEvaluation, Reservation, Resource
from command.domain import resource_checks as rc
from command.errors import Conflict, Invalid, NotFound
from command.db.models.incidents import Incident
from command.services import audit
from command.services.refs import must_exist
from watchpost.fields import QUANTITY_MAX, Day, JsonObject, Real, Text, patch_model

Kind = Literal["expert", "team", "material", "vehicle", "shelter", "medical_point"]
KINDS: tuple[str, ...] = ("expert", "team", "material", "vehicle", "shelter", "medical_point")
Status = Literal["available", "reserved", "dispatched", "unavailable", "maintenance"]
STATUSES: tuple[str, ...] = Status.__args__  # type: ignore[attr-defined]


class ResourceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Kind
    name: Text = Field(min_length=1, max_length=200)
    code: Text | None = Field(default=None, max_length=100, description="unique; blank means none")
    category: Text = Field(default="", max_length=100)
    site: Text = Field(default="", max_length=100)
    location_name: Text = Field(default="", max_length=200)
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    quantity: Real = Field(default=1, ge=0, le=QUANTITY_MAX)
    required_quantity: Real | None = Field(default=None, ge=0, le=QUANTITY_MAX)
    unit: Text = Field(default="", max_length=20)
    status: Status = "available"
    contact: Text = Field(default="", max_length=100)
    phone: Text = Field(default="", max_length=50)
    members: list[Annotated[Text, Field(max_length=100)]] = Field(default_factory=list, max_length=500)
    expires_on: Day | None = None
    inspection_due_on: Day | None = None
    attrs: JsonObject = Field(default_factory=dict)

    @field_validator("code")
    @classmethod
    def _blank_code_is_none(cls, v: str | None) -> str | None:
        # Codes are unique: two resources "without a code" must not collide on "".
        return v.strip() or None if v is not None else None


ResourcePatch = patch_model(ResourceIn, "ResourcePatch")


def actor_name(actor: Any) -> str:
    return actor if isinstance(actor, str) else getattr(actor, "username", str(actor))


def reserved_map(db: Session, ids: list[int] | None = None) -> dict[int, float]:
    q = select(Reservation.resource_id, func.sum(Reservation.quantity)).where(Reservation.status == "active")
    if ids is not None:
        q = q.where(Reservation.resource_id.in_(ids))
    return {rid: float(q_) for rid, q_ in db.execute(q.group_by(Reservation.resource_id)).all()}


def stock(r: Resource, reserved: float = 0.0) -> rc.Stock:
    return rc.Stock(r.id, r.kind, r.category, r.name, r.quantity, r.status, reserved, r.required_quantity,
                    r.expires_on, r.inspection_due_on)


def rating(db: Session, rid: int) -> dict:
    avg, n = db.execute(select(func.avg(ExpertEvaluation.score), func.count()).where(ExpertEvaluation.resource_id == rid)).one()
    return {"score": round(float(avg), 2) if avg is not None else None, "evaluations": n}


def to_json(r: Resource, reserved: float = 0.0, today: date | None = None) -> dict:
    d = {"id": r.id, "kind": r.kind, "code": r.code, "name": r.name, "category": r.category, "site": r.site,
         "location_name": r.location_name, "lon": r.lon, "lat": r.lat, "quantity": r.quantity,
         "required_quantity": r.required_quantity, "unit": r.unit, "status": r.status, "contact": r.contact,
         "phone": r.phone, "members": r.members, "attrs": r.attrs, "reserved": reserved,
         "expires_on": r.expires_on.isoformat() if r.expires_on else None,
         "inspection_due_on": r.inspection_due_on.isoformat() if r.inspection_due_on else None}
    if today is not None:
        ev = rc.evaluate(stock(r, reserved), today)
        d["evaluation"] = {"valid": ev.valid, "inspected": ev.inspected, "complete": ev.complete,
                           "available": ev.available, "problems": ev.problems}
    return d


def get(db: Session, rid: int) -> Resource:
    r = db.get(Resource, rid)
    if r is None:
        raise NotFound(f"resource {rid} not found")
    return r


def today(state: Any) -> date:
    from zoneinfo import ZoneInfo

    return state.clock.now().astimezone(ZoneInfo(state.config.timezone)).date()


def _code_free(db: Session, code: str | None, rid: int | None = None) -> None:
    if code is None:
        return
    owner = db.execute(select(Resource.id).where(Resource.code == code)).scalar()
    if owner is not None and owner != rid:
        raise Conflict(f"code: resource {owner} already has code {code!r}")


def create(db: Session, state: Any, actor: Any, data: ResourceIn) -> Resource:
    actor = actor_name(actor)
    _code_free(db, data.code)
    now = state.clock.now()
    r = Resource(**data.model_dump(), created_at=now, updated_at=now)
    db.add(r)
    db.flush()
    audit.record(db, actor, "resource.create", "resource", r.id, after=to_json(r), clock=state.clock)
    db.commit()
    return r


def update(db: Session, state: Any, actor: Any, rid: int, patch: BaseModel | dict) -> Resource:
    """Apply the fields ``patch`` sets (a ResourcePatch, or a dict of the same fields)."""
    actor = actor_name(actor)
    r = get(db, rid)
    before = to_json(r)
    if isinstance(patch, BaseModel):
        patch = patch.model_dump(exclude_unset=True)
    unknown = sorted(set(patch) - set(ResourceIn.model_fields))
    if unknown:
        raise Invalid(f"unknown fields: {', '.join(unknown)}")
    current = {k: v for k, v in before.items() if k in ResourceIn.model_fields}
    try:
        merged = ResourceIn.model_validate(current | patch)
    except Exception as e:  # pydantic ValidationError → 422 naming the field
        raise Invalid(str(e)) from None
    _code_free(db, merged.code, rid)
    for k in patch:
        setattr(r, k, getattr(merged, k))
    r.updated_at = state.clock.now()
    db.flush()
    audit.record(db, actor, "resource.update", "resource", r.id, before=before, after=to_json(r), clock=state.clock)
    db.commit()
    return r


def search(db: Session, *, kind: str | None = None, category: str | None = None, site: str | None = None,
           status: str | None = None, q: str | None = None, limit: int = 100, offset: int = 0,
           due_by: date | None = None) -> list[Resource]:
    """Resources matching every filter given; ``q`` is part of the name or the code. With ``due_by``
    only those whose validity ends or whose inspection falls due on or before that day (overdue
    ones included), soonest first (RES-2: what the duty officer must renew or inspect)."""
    stmt = select(Resource)
    if kind:
        stmt = stmt.where(Resource.kind == kind)
    if category:
        stmt = stmt.where(Resource.category == category)
    if site:
        stmt = stmt.where(Resource.site == site)
    if status:
        stmt = stmt.where(Resource.status == status)
    if q:
        stmt = stmt.where(or_(Resource.name.contains(q, autoescape=True), Resource.code.contains(q, autoescape=True)))
    if due_by is not None:
        exp, insp = Resource.expires_on, Resource.inspection_due_on
        stmt = stmt.where(or_(exp <= due_by, insp <= due_by))
        first_due = case((and_(exp.is_not(None), or_(insp.is_(None), exp <= insp)), exp), else_=insp)
        return list(db.execute(stmt.order_by(first_due, Resource.id).limit(limit).offset(offset)).scalars())
    return list(db.execute(stmt.order_by(Resource.id).limit(limit).offset(offset)).scalars())


def evaluate_expert(db: Session, state: Any, actor: Any, rid: int, score: int, incident_id: int | None,
                    note: str = "") -> dict:
    actor = actor_name(actor)
    r = get(db, rid)
    if r.kind != "expert":
        raise Invalid(f"resource {rid} is a {r.kind}, not an expert")
    if not 1 <= score <= 5:
        raise Invalid("score: 1 to 5")
    must_exist(db, Incident, incident_id, "incident_id")
    e = ExpertEvaluation(resource_id=rid, incident_id=incident_id, score=score, note=note, at=state.clock.now(), actor=actor)
    db.add(e)
    db.flush()
    audit.record(db, actor, "resource.evaluate", "resource", rid, after={"score": score, "incident_id": incident_id},
                 clock=state.clock)
    db.commit()
    return rating(db, rid)


class EvaluationOut(BaseModel):
    """One expert evaluation as GET /api/resources/{id}/evaluations lists it."""

    id: int
    resource_id: int
    score: int = Field(ge=1, le=5)
    incident_id: int | None
    incident_title: str | None = Field(description="the evaluated incident's title, when one is named")
    note: str
    at: str = Field(description="when it was recorded (ISO 8601)")
    actor: str


def evaluations(db: Session, rid: int, limit: int = 100, offset: int = 0) -> list[EvaluationOut]:
    """An expert's evaluations, newest first (none for other kinds, which cannot be evaluated)."""
    get(db, rid)
    rows = db.execute(select(ExpertEvaluation, Incident.title)
                      .outerjoin(Incident, Incident.id == ExpertEvaluation.incident_id)
                      .where(ExpertEvaluation.resource_id == rid)
                      .order_by(ExpertEvaluation.at.desc(), ExpertEvaluation.id.desc()).limit(limit).offset(offset)).all()
    return [EvaluationOut(id=e.id, resource_id=e.resource_id, score=e.score, incident_id=e.incident_id,
                          incident_title=title, note=e.note, at=e.at.isoformat(), actor=e.actor) for e, title in rows]


def stats(db: Session, state: Any, within_days: int | None = None) -> dict:
    """Counts and quantities by kind, by material type and by site; what expires soon (RES-3)."""
    days = within_days or state.config.map.reminder_days
    t = today(state)
    by_kind = [{"key": k, "count": n} for k, n in db.execute(
        select(Resource.kind, func.count()).group_by(Resource.kind).order_by(Resource.kind)).all()]
    by_type = [{"key": c, "count": n, "quantity": float(q or 0)} for c, n, q in db.execute(
        select(Resource.category, func.count(), func.sum(Resource.quantity)).where(Resource.kind == "material")
        .group_by(Resource.category).order_by(Resource.category)).all()]
    by_site = [{"key": s, "count": n} for s, n in db.execute(
        select(Resource.site, func.count()).group_by(Resource.site).order_by(Resource.site)).all()]
    soon = db.execute(select(Resource).where(Resource.expires_on.is_not(None),
                                             Resource.expires_on <= t + timedelta(days=days))
                      .order_by(Resource.expires_on).limit(200)).scalars().all()
    return {"by_kind": by_kind, "by_material_type": by_type, "by_site": by_site,
            "expiring": [{"id": r.id, "name": r.name, "kind": r.kind, "site": r.site,
                          "expires_on": r.expires_on.isoformat(), "expired": r.expires_on < t} for r in soon],
            "within_days": days}


def check_needs(db: Session, state: Any, needs: list[rc.Need]) -> list[rc.Allocation]:
    """Allocate needs from stock (current reservations subtracted); flags missing/expired (CMD-5)."""
    if not needs:
        return []
    pairs = {(n.kind, n.category) for n in needs}
    rows: list[Resource] = []
    for kind, cat in pairs:
        rows += db.execute(select(Resource).where(Resource.kind == kind, Resource.category == cat)).scalars().all()
    res = reserved_map(db, [r.id for r in rows])
    return rc.allocate(needs, [stock(r, res.get(r.id, 0.0)) for r in rows], today(state))


def reserve(db: Session, state: Any, actor: str, incident_id: int, picks: list[tuple[int, float]],
            activation_id: int | None = None, note: str = "") -> list[Reservation]:
    """Reserve each (resource, quantity); a conflict anywhere raises 409 before anything is kept
    (the caller's transaction is rolled back)."""
    ids = [rid for rid, _ in picks]
    rows = {r.id: r for r in db.execute(select(Resource).where(Resource.id.in_(ids)).with_for_update()).scalars()}
    res = reserved_map(db, ids)
    asked: dict[int, float] = {}
    conflicts = []
    for rid, q in picks:
        r = rows.get(rid)
        if r is None:
            raise NotFound(f"resource {rid} not found")
        asked[rid] = asked.get(rid, 0) + q
        free = r.quantity - res.get(rid, 0.0)
        if r.status not in ("available", "reserved") or asked[rid] > free + 1e-9:
            conflicts.append(f"{r.name} (#{rid}): asked {asked[rid]:g}, free {max(free, 0):g}, status {r.status}")
    if conflicts:
        raise Conflict("reservation conflict: " + "; ".join(conflicts))
    now = state.clock.now()
    out = []
    for rid, q in picks:
        rv = Reservation(resource_id=rid, incident_id=incident_id, activation_id=activation_id, quantity=q,
                         status="active", at=now, actor=actor, note=note)
        db.add(rv)
        out.append(rv)
    db.flush()
    for rv in out:
        audit.record(db, actor, "resource.reserve", "resource", rv.resource_id,
                     after={"reservation_id": rv.id, "incident_id": incident_id, "quantity": rv.quantity},
                     clock=state.clock)
    return out


def release(db: Session, state: Any, actor: Any, reservation_id: int) -> Reservation:
    actor = actor_name(actor)
    rv = db.get(Reservation, reservation_id)
    if rv is None:
        raise NotFound(f"reservation {reservation_id} not found")
    if rv.status != "active":
        raise Conflict(f"reservation {reservation_id} is already {rv.status}")
    rv.status = "released"
    audit.record(db, actor, "resource.release", "resource", rv.resource_id, after={"reservation_id": rv.id},
                 clock=state.clock)
    db.commit()
    return rv


def reservations(db: Session, incident_id: int) -> list[dict]:
    rows = db.execute(select(Reservation, Resource).join(Resource, Resource.id == Reservation.resource_id)
                      .where(Reservation.incident_id == incident_id).order_by(Reservation.id)).all()
    return [{"id": rv.id, "resource_id": r.id, "name": r.name, "kind": r.kind, "category": r.category,
             "quantity": rv.quantity, "unit": r.unit, "status": rv.status, "at": rv.at.isoformat(),
             "actor": rv.actor} for rv, r in rows]


def locatable(db: Session, kind: str | None = None, category: str | None = None, available_only: bool = True,
              bbox: tuple[float, float, float, float] | None = None) -> list[tuple[int, float, float]]:
    q = select(Resource.id, Resource.lon, Resource.lat).where(Resource.lon.is_not(None), Resource.lat.is_not(None))
    if bbox is not None:
        q = q.where(Resource.lon.between(bbox[0], bbox[2]), Resource.lat.between(bbox[1], bbox[3]))
    if kind:
        q = q.where(Resource.kind == kind)
    if category:
        q = q.where(Resource.category == category)
    if available_only:
        q = q.where(Resource.status == "available")
    return [(i, x, y) for i, x, y in db.execute(q).all()]


def nearest_by_road(db: Session, graph: Any, origin: tuple[float, float], kind: str | None, category: str | None,
                    k: int) -> list:
    """Nearest ``k`` by road, reading only a box around the origin that grows until it provably
    holds the answer: a target outside a box of half-width r is more than r away in a straight
    line, hence by road, so once the k-th route is ≤ r nothing outside can beat it."""
    import math

    from command.domain.routing import nearest

    r = 300.0
    while r <= 100_000:
        dlat = r / 111_320
        dlon = r / (111_320 * max(0.01, math.cos(math.radians(origin[1]))))
        box = (origin[0] - dlon, origin[1] - dlat, origin[0] + dlon, origin[1] + dlat)
        targets = locatable(db, kind, category, bbox=box)
        if len(targets) >= k:
            routes = nearest(graph, origin, targets, k)
            # 2 % margin for the projection the graph uses (centred on the park, not the origin).
            if len(routes) == k and routes[-1].distance_m <= r * 0.98:
                return routes
        r *= 2
    return nearest(graph, origin, locatable(db, kind, category), k)

