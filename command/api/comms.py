"""Comms routes: send-now, campaigns, sending records (search, CSV), contacts, CAP, and the
Twilio webhooks (public, secured by ``X-Twilio-Signature``) (CMD-4, CMD-7, COM-1, COM-2, ALM-2)."""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit, urlunsplit

from fastapi import Depends, Query, Request
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator

from command.api.deps import get_db, get_state, require
from command.api.openapi import file_answer, follow
from command.api.routing import api_router
from command.db.models.users import User
from command.domain.roles import OPERATORS, READERS, Role
from command.errors import Conflict, Invalid, NotFound
from command.services.auth import AuthError
from command.services import audit
from command.state import ServiceState
from comms import cap, service
from comms.models import Campaign, Contact, OutboxRecord
from command.db.models.alarms import Alarm
from command.db.models.incidents import Incident
from command.db.models.warnings import Warning as WarningRow
from command.services.refs import must_exist
from comms.models import STATUSES as MESSAGE_STATUSES
from comms.policies import Notice, acknowledge, run_policies
from watchpost.fields import Count, Id, Instant, Ring, Text

router = api_router(prefix="/api/comms", tags=["comms"])
log = logging.getLogger("watchpost.comms.api")
PUBLIC = {"x-public": True}
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
MessageStatus = Literal[MESSAGE_STATUSES]  # type: ignore[valid-type]
Channel = Literal["sms", "broadcast", "console"]


def _about_an_exercise(db: Session, alarm_id: int | None, incident_id: int | None) -> bool:
    alarm = db.get(Alarm, alarm_id) if alarm_id is not None else None
    incident = db.get(Incident, incident_id) if incident_id is not None else None
    return bool((alarm and alarm.exercise) or (incident and incident.exercise))


def _references(db: Session, alarm_id: int | None, incident_id: int | None, warning_id: int | None) -> None:
    must_exist(db, Alarm, alarm_id, "alarm_id")
    must_exist(db, Incident, incident_id, "incident_id")
    must_exist(db, WarningRow, warning_id, "warning_id")


# -- Twilio webhooks -------------------------------------------------------------------------------
async def _signed_form(request: Request, state: ServiceState) -> dict[str, str]:
    """The form of a Twilio webhook whose signature checks out; 403 otherwise."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    token = state.config.comms.twilio.auth_token
    sig = request.headers.get("X-Twilio-Signature", "")
    if not token or not sig:
        raise _Forbidden("missing X-Twilio-Signature or comms.twilio.auth_token not configured")
    validator = RequestValidator(token)
    candidates = [str(request.url)]
    public = state.config.comms.twilio.status_callback_url
    if public:
        # Behind a reverse proxy Twilio signs the public URL, not the one we see.
        p, u = urlsplit(public), urlsplit(str(request.url))
        candidates.append(urlunsplit((p.scheme, p.netloc, u.path, u.query, "")))
    if not any(validator.validate(url, form, sig) for url in candidates):
        raise _Forbidden("invalid X-Twilio-Signature")
    return form


class _Forbidden(Exception):
    def __init__(self, reason: str):
        self.reason = reason


def _forbidden(reason: str) -> Response:
    return JSONResponse({"detail": reason}, status_code=403)


@router.post("/twilio/status", openapi_extra=PUBLIC, responses=file_answer("text/plain", description="acknowledged"))
async def twilio_status(request: Request, state: ServiceState = Depends(get_state)) -> Response:
    try:
        form = await _signed_form(request, state)
    except _Forbidden as exc:
        log.warning("rejected status callback: %s", exc.reason)
        return _forbidden(exc.reason)
    with state.sessions() as db:
        rec = service.apply_status_callback(db, form, request.query_params.get("ref"), state.clock.now(),
                                            push=state.push)
        db.commit()
    # Unknown messages are answered 200 too: Twilio would otherwise retry a callback we can never use.
    return PlainTextResponse("ok" if rec else "unknown message", status_code=200)


@router.post("/twilio/inbound", openapi_extra=PUBLIC, responses=file_answer("application/xml", description="empty TwiML"))
async def twilio_inbound(request: Request, state: ServiceState = Depends(get_state)) -> Response:
    try:
        form = await _signed_form(request, state)
    except _Forbidden as exc:
        log.warning("rejected inbound SMS: %s", exc.reason)
        return _forbidden(exc.reason)
    number, body = form.get("From", ""), form.get("Body", "")
    now = state.clock.now()
    with state.sessions() as db:
        if service.is_ack(body):
            rec = service.ack_from_reply(db, number, now, push=state.push)
            audit.record(db, f"sms:{number}", "comms.ack", "outbox", rec.id if rec else None,
                         after={"reply": body}, clock=state.clock)
            db.commit()
            return Response(EMPTY_TWIML, media_type="application/xml")
        event = service.inbound_alarm(form)
        try:
            from command.services import intake
        except ImportError:  # the intake lands with the alarms work; keep the report on the audit trail
            audit.record(db, f"sms:{number}", "comms.inbound_unrouted", "sms", form.get("MessageSid"),
                         after=event.model_dump(mode="json"), clock=state.clock)
            db.commit()
            return Response(EMPTY_TWIML, media_type="application/xml")
        db.commit()
    with state.sessions() as db:
        intake.ingest(db, state, event, f"sms:{number}")
        db.commit()  # the intake commits itself; this is a no-op then, and a guard otherwise
    return Response(EMPTY_TWIML, media_type="application/xml")


# -- send-now and campaigns -------------------------------------------------------------------------
@router.post("/send", responses=follow(
    200, "campaign_id", "GET /api/comms/campaigns/{campaign_id}", "GET /api/comms/campaigns/{campaign_id}/cap",
    pointer="/campaign/id"))
def send_now(req: service.SendNow, db: Session = Depends(get_db),
             user: User = Depends(require(*OPERATORS, Role.drill_organizer)),
             state: ServiceState = Depends(get_state)) -> dict:
    """Send now to numbers/zones and/or contact groups; returns the campaign with its records."""
    if req.exercise is False and user.role == Role.drill_organizer:
        raise AuthError("drill organisers may only send exercise messages (exercise: true)", 403)
    _references(db, req.alarm_id, req.incident_id, req.warning_id)
    if not req.exercise and _about_an_exercise(db, req.alarm_id, req.incident_id):
        req = req.model_copy(update={"exercise": True})  # about a drill: never pages anyone for real
    try:
        camp = service.send_now(db, req, actor=user.username, now=state.clock.now(), push=state.push)
    except (LookupError, ValueError) as exc:
        raise Invalid(str(exc)) from None
    audit.record(db, user.username, "comms.send", "campaign", camp.id, after=req.model_dump(mode="json"),
                 clock=state.clock)
    db.commit()
    return service.campaign_status(db, camp.id)


class PolicyRun(BaseModel):
    model_config = ConfigDict(extra="forbid")
    level: Literal["red", "orange", "yellow", "blue"]
    incident_type: Text | None = Field(default=None, max_length=50)
    title: Text = Field(min_length=1, max_length=300)
    place: Text = Field(default="", max_length=200)
    alarm_id: Id | None = None
    warning_id: Id | None = None
    exercise: bool = False
    policies: list[Annotated[Text, Field(max_length=100)]] | None = Field(default=None, max_length=100)
    area_polygon: Ring | None = None


@router.post("/incidents/{incident_id}/notify")
def notify_incident(incident_id: Id, req: PolicyRun, db: Session = Depends(get_db),
                    user: User = Depends(require(*OPERATORS)), state: ServiceState = Depends(get_state)) -> dict:
    """Run the notification policies for an incident's level and type (one campaign)."""
    names = {p.name for p in state.config.comms.policies}
    unknown = [p for p in req.policies or [] if p not in names]
    if unknown:
        raise Invalid(f"unknown policy {', '.join(unknown)}; have {', '.join(sorted(names))}")
    incident = db.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"incident {incident_id} not found")
    _references(db, req.alarm_id, None, req.warning_id)
    exercise = req.exercise or incident.exercise  # a drill's incident never pages anyone for real
    camp = run_policies(db, state.config, level=req.level, incident_type=req.incident_type,
                        notice=Notice(title=req.title, place=req.place), now=state.clock.now(),
                        alarm_id=req.alarm_id, incident_id=incident_id, warning_id=req.warning_id,
                        exercise=exercise, actor=user.username, policy_names=req.policies,
                        area_polygon=[list(p) for p in req.area_polygon] if req.area_polygon else None,
                        push=state.push)
    audit.record(db, user.username, "comms.notify_policy", "campaign", camp.id, after=req.model_dump(mode="json"),
                 clock=state.clock)
    db.commit()
    return service.campaign_status(db, camp.id)


@router.get("/campaigns")
def list_campaigns(limit: int = Query(100, ge=1, le=1000), db: Session = Depends(get_db),
                   _: User = Depends(require(*READERS))) -> list:
    rows = db.execute(select(Campaign).order_by(Campaign.id.desc()).limit(limit)).scalars().all()
    return [service.campaign_dict(c) for c in rows]


@router.get("/campaigns/{campaign_id}")
def campaign(campaign_id: Id, db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> dict:
    out = service.campaign_status(db, campaign_id)
    if out is None:
        raise NotFound(f"campaign {campaign_id} not found")
    return out


@router.get("/campaigns/{campaign_id}/cap", responses=file_answer("application/cap+xml", description="CAP 1.2 alert"))
def campaign_cap(campaign_id: Id, db: Session = Depends(get_db), _: User = Depends(require(*READERS)),
                 state: ServiceState = Depends(get_state)) -> Response:
    camp = db.get(Campaign, campaign_id)
    if camp is None:
        raise NotFound(f"campaign {campaign_id} not found")
    try:
        xml = cap.export_campaign(db, camp, sender=state.config.park_name)
    except cap.CapError as exc:
        raise Conflict(f"campaign {campaign_id} cannot be exported as CAP: {exc}") from None
    return Response(xml, media_type="application/cap+xml")


@router.post("/cap/import", openapi_extra={"requestBody": {"required": True, "content": {
    "application/cap+xml": {"schema": {"type": "string", "maxLength": 5_000_000}},
    "application/xml": {"schema": {"type": "string", "maxLength": 5_000_000}}}}})
async def cap_import(request: Request, db: Session = Depends(get_db), user: User = Depends(require(*OPERATORS)),
                     state: ServiceState = Depends(get_state)) -> dict:
    """Import an authority's CAP 1.2 alert as an alarm (through the intake)."""
    raw = await request.body()
    try:
        event = cap.alert_to_event(raw)
    except cap.CapError as exc:
        raise Invalid(str(exc)) from None
    from command.services import intake

    alarm, created = intake.ingest(db, state, event, user.username)
    db.commit()
    return {"alarm_id": getattr(alarm, "id", None), "created": created, "event": event.model_dump(mode="json")}


# -- sending records ---------------------------------------------------------------------------------
def _search(db: Session, status, channel, recipient, campaign_id, alarm_id, incident_id, exercise, since, until,
            limit, offset):
    return service.search(db, status=status, channel=channel, recipient=recipient, campaign_id=campaign_id,
                          alarm_id=alarm_id, incident_id=incident_id, exercise=exercise, since=since, until=until,
                          limit=min(limit, 100000), offset=offset)


@router.get("/messages")
def messages(status: MessageStatus | None = None, channel: Channel | None = None,
             recipient: Text | None = Query(None, max_length=200), campaign_id: Id | None = None,
             alarm_id: Id | None = None, incident_id: Id | None = None, exercise: bool | None = None,
             since: Instant | None = None, until: Instant | None = None, limit: int = Query(200, ge=1, le=1000),
             offset: Count = 0, db: Session = Depends(get_db),
             _: User = Depends(require(*READERS))) -> dict:
    total, rows = _search(db, status, channel, recipient, campaign_id, alarm_id, incident_id, exercise, since, until,
                          limit, offset)
    return {"total": total, "items": [r.to_dict() for r in rows]}


@router.get("/messages.csv", responses=file_answer("text/csv", description="sending records, UTF-8 with BOM"))
def messages_csv(status: MessageStatus | None = None, channel: Channel | None = None,
                 recipient: Text | None = Query(None, max_length=200), campaign_id: Id | None = None,
                 alarm_id: Id | None = None, incident_id: Id | None = None, exercise: bool | None = None,
                 since: Instant | None = None, until: Instant | None = None,
                 db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> Response:
    _, rows = _search(db, status, channel, recipient, campaign_id, alarm_id, incident_id, exercise, since, until,
                      100000, 0)
    buf = io.StringIO()
    buf.write("\ufeff")  # Excel opens UTF-8 Chinese correctly with a BOM
    w = csv.DictWriter(buf, fieldnames=service.CSV_COLUMNS, extrasaction="ignore")
    w.writeheader()
    for r in rows:
        w.writerow(r.to_dict())
    return Response(buf.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="sending-records.csv"'})


@router.get("/messages/{message_id}")
def message(message_id: Id, db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> dict:
    rec = db.get(OutboxRecord, message_id)
    if rec is None:
        raise NotFound(f"message {message_id} not found")
    return {**rec.to_dict(), "history": [h.to_dict() for h in rec.history]}


@router.get("/messages/{message_id}/audio", responses=file_answer("audio/wav", description="the broadcast as heard"))
def message_audio(message_id: Id, db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> Response:
    rec = db.get(OutboxRecord, message_id)
    if rec is None or not rec.audio_path or not Path(rec.audio_path).is_file():
        raise NotFound(f"no audio for message {message_id}")
    return FileResponse(rec.audio_path, media_type="audio/wav")


@router.post("/messages/{message_id}/ack")
def ack(message_id: Id, db: Session = Depends(get_db), user: User = Depends(require(*OPERATORS)),
        state: ServiceState = Depends(get_state)) -> dict:
    rec = db.get(OutboxRecord, message_id)
    if rec is None:
        raise NotFound(f"message {message_id} not found")
    acknowledge(db, rec, state.clock.now(), via=f"console:{user.username}")
    audit.record(db, user.username, "comms.ack", "outbox", rec.id, clock=state.clock)
    state.push.record(db, "outbox", "acknowledged", {"id": rec.id, "campaign_id": rec.campaign_id})
    db.commit()
    return rec.to_dict()


# -- contacts ----------------------------------------------------------------------------------------
class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Text = Field(min_length=1, max_length=200)
    phone: str | None = Field(default=None, max_length=16, pattern=r"^\+[1-9]\d{6,14}$")
    groups: list[Annotated[Text, Field(min_length=1, max_length=100)]] = Field(default_factory=list, max_length=100)
    lang: Literal["zh", "en"] = "zh"
    rank: int = Field(default=0, ge=0, le=1000)
    supervisor_id: Id | None = None


@router.post("/contacts")
def add_contact(req: ContactIn, db: Session = Depends(get_db), user: User = Depends(require(*OPERATORS)),
                state: ServiceState = Depends(get_state)) -> dict:
    if req.supervisor_id is not None and db.get(Contact, req.supervisor_id) is None:
        raise Invalid(f"supervisor_id {req.supervisor_id} is not a contact")
    c = service.add_contact(db, req.name, req.phone, req.groups, req.lang, req.rank, req.supervisor_id)
    audit.record(db, user.username, "comms.contact_add", "contact", c.id, after=req.model_dump(), clock=state.clock)
    db.commit()
    return {"id": c.id, **req.model_dump()}


@router.get("/contacts")
def contacts(group: Text | None = Query(None, max_length=100), db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> list:
    rows = db.execute(select(Contact).order_by(Contact.rank, Contact.id)).scalars().all()
    return [{"id": c.id, "name": c.name, "phone": c.phone, "groups": c.groups, "lang": c.lang, "rank": c.rank,
             "supervisor_id": c.supervisor_id, "active": c.active}
            for c in rows if group is None or group in (c.groups or [])]
