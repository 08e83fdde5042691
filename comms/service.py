"""Comms use cases on a database session (no HTTP here; ``command/api/comms.py`` adapts them):
provider callbacks, inbound replies, send-now, campaign status, search."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comms.models import Campaign, Contact, OutboxRecord
from comms.outbox import Pusher, enqueue, transition
from comms.policies import acknowledge, console_address, group_members
from comms.providers.twilio_sms import STATUS_MAP
from watchpost.events import AlarmEvent, Location, OutboxMessage
from watchpost.fields import Id, Ring, Text

# "1", "1 确认", "收到", "ok", "ACK" acknowledge; anything else is treated as a report.
ACK_WORDS = {"1", "y", "yes", "ok", "ack", "确认", "收到", "好", "好的", "1确认", "1收到"}


def apply_status_callback(db: Session, params: dict[str, str], ref: str | None, now: datetime,
                          push: Pusher | None = None) -> OutboxRecord | None:
    """Apply a Twilio status callback; repeated and out-of-order ones never move a status back."""
    sid = params.get("MessageSid") or params.get("SmsSid")
    rec = None
    if ref:
        rec = db.execute(select(OutboxRecord).where(OutboxRecord.client_ref == ref)).scalar_one_or_none()
    if rec is None and sid:
        rec = db.execute(select(OutboxRecord).where(OutboxRecord.provider_id == sid)).scalar_one_or_none()
    if rec is None:
        return None
    raw = (params.get("MessageStatus") or params.get("SmsStatus") or "").lower()
    status = STATUS_MAP.get(raw)
    if status is None:
        return rec
    code = params.get("ErrorCode") or None
    transition(db, rec, status, at=now, source="callback", provider_id=sid, error_code=code,
               detail=f"twilio {raw}" + (f" error {code}" if code else ""), push=push)
    return rec


def is_ack(text: str) -> bool:
    norm = re.sub(r"[\s。.,，!！]+", "", (text or "").lower())
    return norm in ACK_WORDS


def latest_to(db: Session, number: str) -> OutboxRecord | None:
    return db.execute(select(OutboxRecord).where(OutboxRecord.recipient == number, OutboxRecord.channel == "sms")
                      .order_by(OutboxRecord.id.desc()).limit(1)).scalar_one_or_none()


def ack_from_reply(db: Session, number: str, now: datetime, push: Pusher | None = None) -> OutboxRecord | None:
    rec = latest_to(db, number)
    if rec is None:
        return None
    acknowledge(db, rec, now, via="sms reply")
    if push is not None:
        push.record(db, "outbox", "acknowledged", {"id": rec.id, "campaign_id": rec.campaign_id,
                                                   "recipient": rec.recipient})
    return rec


def inbound_alarm(params: dict[str, str], exercise: bool = False) -> AlarmEvent:
    """An SMS that is not an acknowledgement is a report from the field (ALM-4 phone/SMS intake)."""
    body = (params.get("Body") or "").strip()
    return AlarmEvent(source="sms", source_event_id=params.get("MessageSid") or params.get("SmsSid") or "sms",
                      type="sms_report", title=f"SMS from {params.get('From', '?')}: {body[:200]}",
                      description=body[:4000], location=Location(name=params.get("FromCity", "")[:200]),
                      exercise=exercise, raw={"from": params.get("From"), "to": params.get("To")})


# -- send-now ------------------------------------------------------------------------------------
class SendNow(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel: Literal["sms", "broadcast", "console"] = "sms"
    body: Text = Field(min_length=1, max_length=1500)
    to: list[Annotated[Text, Field(max_length=200)]] = Field(default_factory=list, max_length=10000,
                                                             description="phone numbers or PA zones")
    groups: list[Annotated[Text, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=100, description="contact groups, e.g. experts, residents")
    title: Text = Field(default="", max_length=300)
    alarm_id: Id | None = None
    incident_id: Id | None = None
    warning_id: Id | None = None
    exercise: bool = False
    msg_type: Literal["Alert", "Update", "Cancel"] = "Alert"
    level: Literal["red", "orange", "yellow", "blue"] | None = None
    area_desc: Text = Field(default="", max_length=300)
    area_polygon: Ring | None = None


def send_now(db: Session, req: SendNow, *, actor: str, now: datetime, push: Pusher | None = None) -> Campaign:
    """One campaign, one outbox record per recipient, in the caller's transaction."""
    targets: list[tuple[str, str, str, int | None]] = [(t.strip(), "", "zh", None) for t in req.to if t.strip()]
    for g in req.groups:
        members = group_members(db, g)
        if not members:
            raise LookupError(f"contact group {g!r} has no active members")
        for c in members:
            addr = c.phone if req.channel == "sms" else (console_address(c) if req.channel == "console" else None)
            if addr:
                targets.append((addr, c.name, c.lang, c.id))
    if not targets:
        raise ValueError("no recipients: give 'to' or 'groups'")
    camp = Campaign(title=req.title or req.body[:100], kind="manual", level=req.level, alarm_id=req.alarm_id,
                    incident_id=req.incident_id, warning_id=req.warning_id, exercise=req.exercise,
                    msg_type=req.msg_type, area_desc=req.area_desc,
                    area_polygon=[list(p) for p in req.area_polygon] if req.area_polygon else None,
                    created_by=actor, created_at=now)
    db.add(camp)
    db.flush()
    seen = set()
    for addr, name, lang, cid in targets:
        if addr in seen:
            continue
        seen.add(addr)
        enqueue(db, OutboxMessage(channel=req.channel, recipient=addr, body=req.body, alarm_id=req.alarm_id,
                                  incident_id=req.incident_id, warning_id=req.warning_id, exercise=req.exercise),
                campaign_id=camp.id, recipient_name=name, lang=lang, contact_id=cid, now=now, push=push)
    return camp


def campaign_status(db: Session, campaign_id: int) -> dict[str, Any] | None:
    camp = db.get(Campaign, campaign_id)
    if camp is None:
        return None
    recs = db.execute(select(OutboxRecord).where(OutboxRecord.campaign_id == campaign_id)
                      .order_by(OutboxRecord.id)).scalars().all()
    totals: dict[str, int] = {}
    for r in recs:
        totals[r.status] = totals.get(r.status, 0) + 1
    totals["total"] = len(recs)
    totals["acknowledged"] = sum(1 for r in recs if r.acked_at is not None)
    return {"campaign": campaign_dict(camp), "totals": totals,
            "recipients": [{**r.to_dict(), "history": [h.to_dict() for h in r.history]} for r in recs]}


def campaign_dict(c: Campaign) -> dict[str, Any]:
    return {"id": c.id, "title": c.title, "kind": c.kind, "policy": c.policy, "level": c.level,
            "incident_type": c.incident_type, "alarm_id": c.alarm_id, "incident_id": c.incident_id,
            "warning_id": c.warning_id, "exercise": c.exercise, "msg_type": c.msg_type, "references": c.references,
            "area_desc": c.area_desc, "area_polygon": c.area_polygon, "created_by": c.created_by,
            "created_at": c.created_at.isoformat() if c.created_at else None}


def search(db: Session, *, status: str | None = None, channel: str | None = None, recipient: str | None = None,
           campaign_id: int | None = None, alarm_id: int | None = None, incident_id: int | None = None,
           exercise: bool | None = None, since: datetime | None = None, until: datetime | None = None,
           limit: int = 500, offset: int = 0) -> tuple[int, list[OutboxRecord]]:
    q = select(OutboxRecord)
    for col, val in ((OutboxRecord.status, status), (OutboxRecord.channel, channel),
                     (OutboxRecord.campaign_id, campaign_id), (OutboxRecord.alarm_id, alarm_id),
                     (OutboxRecord.incident_id, incident_id), (OutboxRecord.exercise, exercise)):
        if val is not None:
            q = q.where(col == val)
    if recipient:
        q = q.where(OutboxRecord.recipient.contains(recipient))
    if since:
        q = q.where(OutboxRecord.created_at >= since)
    if until:
        q = q.where(OutboxRecord.created_at < until)
    total = db.execute(select(func.count()).select_from(q.subquery())).scalar_one()
    rows = db.execute(q.order_by(OutboxRecord.id.desc()).limit(limit).offset(offset)).scalars().all()
    return total, list(rows)


CSV_COLUMNS = ["id", "campaign_id", "channel", "recipient", "recipient_name", "status", "attempts", "provider",
               "provider_id", "error_code", "error_message", "exercise", "alarm_id", "incident_id", "warning_id",
               "created_at", "sent_at", "final_at", "acked_at", "ack_via", "body"]


def add_contact(db: Session, name: str, phone: str | None, groups: list[str], lang: str = "zh", rank: int = 0,
                supervisor_id: int | None = None) -> Contact:
    c = Contact(name=name, phone=phone, groups=groups, lang=lang, rank=rank, supervisor_id=supervisor_id)
    db.add(c)
    db.flush()
    return c
