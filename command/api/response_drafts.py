"""Routes for response drafts (应急处置方案, DRL-5; var/dss-contract.md, owner R): draft from a
simulation, edit while a draft, approve (commanders) to send the warnings, discard, CAP 1.2 alert."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from command.api.deps import get_db, get_state, require
from command.api.openapi import file_answer, follow
from command.api.routing import api_router
from command.db.models.users import User
from command.domain.roles import COMMANDERS, OPERATORS, READERS, Role
from command.errors import Invalid
from command.services import response_drafts as drafts
from command.services.auth import AuthError
from command.state import ServiceState
from watchpost.fields import Id, LonLat, Real, Text

router = api_router(prefix="/api", tags=["decision support"])

# Footprint contours are drawn on a fine grid: a ring may have thousands of points.
ZoneRing = Annotated[list[LonLat], Field(min_length=4, max_length=20_000, description="[lon, lat] points, closed")]
PEOPLE_MAX = 10_000_000


class DraftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    simulation_id: Id


class PolygonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["Polygon"]
    coordinates: list[ZoneRing] = Field(min_length=1, max_length=100, description="outer ring, then holes")


class MultiPolygonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["MultiPolygon"]
    coordinates: list[Annotated[list[ZoneRing], Field(min_length=1, max_length=100)]] = Field(min_length=1, max_length=100)


class AssemblyPointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Text = Field(min_length=1, max_length=200)
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)


class RouteIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    from_: LonLat = Field(alias="from")
    assembly_point: AssemblyPointIn
    coordinates: list[LonLat] = Field(min_length=2, max_length=100_000)
    length_m: Real = Field(ge=0, le=1e7)
    people: int = Field(default=0, ge=0, le=PEOPLE_MAX)
    by: Literal["road", "straight"] = "road"


class ZoneIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Text = Field(min_length=1, max_length=200)
    level: Literal["evacuate", "shelter", "warn"] | None = None
    action: Literal["evacuate", "shelter"]
    polygon: PolygonIn | MultiPolygonIn = Field(discriminator="type")
    people: int = Field(default=0, ge=0, le=PEOPLE_MAX)
    routes: list[RouteIn] = Field(default_factory=list, max_length=100)


class ResourcePick(BaseModel):
    model_config = ConfigDict(extra="forbid")
    resource_id: Id
    name: Text = Field(default="", max_length=200)
    kind: Text = Field(default="", max_length=30)
    category: Text = Field(default="", max_length=100)
    distance_m: Real | None = Field(default=None, ge=0, le=1e7)
    valid: bool = True
    flags: list[Annotated[Text, Field(max_length=500)]] = Field(default_factory=list, max_length=50)
    quantity: Real | None = Field(default=None, ge=0, le=1e12)
    unit: Text = Field(default="", max_length=20)
    by: Literal["road", "straight"] | None = None


class WarningIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Text = Field(default="", max_length=50, description="kept if given; new warnings get one")
    channel: Literal["sms", "broadcast"]
    zone: Text = Field(default="", max_length=200)
    recipients: list[Annotated[Text, Field(min_length=1, max_length=200)]] = Field(
        min_length=1, max_length=50_000, description="phone numbers (sms) or PA zones (broadcast)")
    message: Text = Field(min_length=1, max_length=2000)


class DraftPatch(BaseModel):
    """Parts of the body to replace; those left out stay as they are."""

    model_config = ConfigDict(extra="forbid")
    warnings: list[WarningIn] | None = Field(default=None, max_length=1000)
    resources: list[ResourcePick] | None = Field(default=None, max_length=1000)
    zones: list[ZoneIn] | None = Field(default=None, max_length=100)
    note: Text | None = Field(default=None, max_length=4000)


def _exercise_only(db: Session, user: User, incident_id: int) -> None:
    if user.role == Role.drill_organizer:
        from command.services import incidents

        if not incidents.get(db, incident_id).exercise:
            raise AuthError("drill organisers may only draft responses for exercise incidents", 403)


@router.post("/incidents/{incident_id}/response-drafts", status_code=201, responses=follow(
    201, "draft_id", "GET /api/response-drafts/{draft_id}", "PATCH /api/response-drafts/{draft_id}",
    "POST /api/response-drafts/{draft_id}/approve", "POST /api/response-drafts/{draft_id}/discard",
    "GET /api/response-drafts/{draft_id}/cap.xml"))
def create_draft(incident_id: Id, data: DraftIn, db: Session = Depends(get_db), st: ServiceState = Depends(get_state),
                 user: User = Depends(require(*OPERATORS, Role.drill_organizer))) -> dict:
    """Draft a response from a stored simulation: zones and actions, evacuation routes, nearest resources
    (checked), the matching plan's action cards, warnings and the CAP area. Nothing is sent."""
    _exercise_only(db, user, incident_id)
    return drafts.to_json(drafts.create(db, st, user.username, incident_id, data.simulation_id))


@router.get("/incidents/{incident_id}/response-drafts")
def incident_drafts(incident_id: Id, db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> list[dict]:
    return [drafts.to_json(d) for d in drafts.of_incident(db, incident_id)]


@router.get("/response-drafts/{draft_id}")
def get_draft(draft_id: Id, db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> dict:
    return drafts.to_json(drafts.get(db, draft_id))


@router.patch("/response-drafts/{draft_id}")
def edit_draft(draft_id: Id, patch: DraftPatch, db: Session = Depends(get_db), st: ServiceState = Depends(get_state),
               user: User = Depends(require(*OPERATORS, Role.drill_organizer))) -> dict:
    """Replace warnings, resources, zones or the note while the draft is a draft (409 after); version + 1."""
    _exercise_only(db, user, drafts.get(db, draft_id).incident_id)
    changes = {k: (v if k == "note" else [x.model_dump(by_alias=True) for x in v])
               for k in patch.model_fields_set if (v := getattr(patch, k)) is not None}
    if not changes:
        raise Invalid("body: give at least one of warnings, resources, zones, note")
    return drafts.to_json(drafts.update(db, st, user.username, draft_id, changes))


@router.post("/response-drafts/{draft_id}/approve")
def approve_draft(draft_id: Id, db: Session = Depends(get_db), st: ServiceState = Depends(get_state),
                  user: User = Depends(require(*COMMANDERS))) -> dict:
    """Approve and send: every warning to every recipient is queued in the comms outbox (exercise
    incidents' to the drill sink) and the draft becomes "sent", in one transaction; 409 if not a draft."""
    return drafts.to_json(drafts.approve(db, st, user.username, draft_id))


@router.post("/response-drafts/{draft_id}/discard")
def discard_draft(draft_id: Id, db: Session = Depends(get_db), st: ServiceState = Depends(get_state),
                  user: User = Depends(require(*OPERATORS, Role.drill_organizer))) -> dict:
    _exercise_only(db, user, drafts.get(db, draft_id).incident_id)
    return drafts.to_json(drafts.discard(db, st, user.username, draft_id))


@router.get("/response-drafts/{draft_id}/cap.xml", responses=file_answer("application/xml"))
def draft_cap(draft_id: Id, db: Session = Depends(get_db), st: ServiceState = Depends(get_state),
              _: User = Depends(require(*READERS))) -> Response:
    """The draft as a CAP 1.2 alert; its first area's polygons are the evacuate footprint."""
    xml = drafts.cap_xml(db, st, drafts.get(db, draft_id))
    return Response(xml, media_type="application/xml",
                    headers={"Content-Disposition": f'inline; filename="response-draft-{draft_id}.xml"'})
