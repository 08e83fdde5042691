"""Notification policies and escalation (ALM-2 send/supervise, CMD-4).

A policy says, for a warning level and incident type, which contact groups are told on which
channels and how soon each must acknowledge. A recipient who has not acknowledged in time gets
the policy's next escalation step: another channel, the next person of the group, or their
supervisor (督办). Every step is an outbox record linked to the one it escalates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from comms import templates
from comms.models import Campaign, Contact, OutboxEvent, OutboxRecord
from comms.outbox import Pusher, enqueue
from watchpost.config import Config, NotifyPolicy
from watchpost.events import OutboxMessage


def matching(policies: list[NotifyPolicy], level: str | None, incident_type: str | None) -> list[NotifyPolicy]:
    """Pure: the policies that apply to ``level`` and ``incident_type`` (an empty list matches any)."""
    return [p for p in policies
            if (not p.levels or level in p.levels) and (not p.incident_types or incident_type in p.incident_types)]


def group_members(db: Session, group: str) -> list[Contact]:
    """Active contacts labelled ``group``; ``role:<role>`` names the system users with that role
    (read from the users table by SQL, so comms does not import the service's models). Users are
    returned as unsaved Contact objects: they get messages but have no deputy or supervisor."""
    if group.startswith("role:"):
        rows = db.execute(text("SELECT id, display_name, username, phone FROM users WHERE role = :r AND active "
                               "ORDER BY id"), {"r": group[5:]}).all()
        return [Contact(id=None, name=r.display_name or r.username, phone=r.phone, lang="zh", groups=[group], rank=0,
                        active=True) for r in rows]
    rows = db.execute(select(Contact).where(Contact.active.is_(True)).order_by(Contact.rank, Contact.id)).scalars()
    return [c for c in rows if group in (c.groups or [])]


@dataclass
class Notice:
    title: str
    place: str = ""
    time: str = ""
    park: str = ""


def run_policies(db: Session, config: Config, *, level: str | None, incident_type: str | None, notice: Notice,
                 now: datetime, alarm_id: int | None = None, incident_id: int | None = None,
                 warning_id: int | None = None, exercise: bool = False, actor: str = "system",
                 policy_names: list[str] | None = None, area_polygon: list[Any] | None = None,
                 push: Pusher | None = None) -> Campaign:
    """Create one campaign and its outbox records for every matching policy (in the caller's
    transaction). A contact reached through two groups gets one message per channel."""
    pols = matching(config.comms.policies, level, incident_type)
    if policy_names is not None:
        pols = [p for p in config.comms.policies if p.name in policy_names]
    camp = Campaign(title=notice.title, kind="policy", policy=",".join(p.name for p in pols) or None, level=level,
                    incident_type=incident_type, alarm_id=alarm_id, incident_id=incident_id, warning_id=warning_id,
                    exercise=exercise, area_desc=notice.place, area_polygon=area_polygon, created_by=actor,
                    created_at=now)
    db.add(camp)
    db.flush()
    values = {"park": notice.park or config.park_name, "title": notice.title, "place": notice.place or "-",
              "time": notice.time or now.strftime("%Y-%m-%d %H:%M"), "level": level or "blue"}
    ids = dict(alarm_id=alarm_id, incident_id=incident_id, warning_id=warning_id, exercise=exercise)
    seen: set[tuple[str, str]] = set()
    for pol in pols:
        due = now + timedelta(seconds=pol.ack_within_s)
        for channel in pol.channels:
            if channel == "broadcast":
                for zone in pol.zones or config.comms.broadcast.zones:
                    if ("broadcast", zone) in seen:
                        continue
                    seen.add(("broadcast", zone))
                    body = templates.render("evacuate" if level == "red" else pol.template, "zh", **values)
                    enqueue(db, OutboxMessage(channel="broadcast", recipient=zone, body=body, **ids),
                            campaign_id=camp.id, recipient_name=zone, policy=pol.name, now=now, push=push)
                continue
            for group in pol.groups:
                members = group_members(db, group)
                for c in members[:pol.first_n] if pol.first_n else members:
                    target = c.phone if channel == "sms" else console_address(c)
                    if not target or (channel, target) in seen:
                        continue
                    seen.add((channel, target))
                    body = templates.render(pol.template, c.lang, **values)
                    enqueue(db, OutboxMessage(channel=channel, recipient=target, body=body, **ids), campaign_id=camp.id,
                            recipient_name=c.name, lang=c.lang, policy=pol.name, contact_id=c.id, ack_due_at=due,
                            now=now, push=push)
    return camp


def console_address(c: Contact) -> str:
    return f"contact:{c.id}" if c.id is not None else f"user:{c.name}"


def acknowledge(db: Session, rec: OutboxRecord, now: datetime, via: str) -> None:
    """Mark ``rec`` acknowledged, and the records it escalates: the chain is handled."""
    seen = set()
    cur: OutboxRecord | None = rec
    while cur is not None and cur.id not in seen:
        seen.add(cur.id)
        if cur.acked_at is None:
            cur.acked_at = now
            cur.ack_via = via
            cur.history.append(OutboxEvent(at=now, status=cur.status, source="ack",
                                           detail=f"acknowledged via {via}" + ("" if cur is rec else f" (on #{rec.id})")))
        cur = db.get(OutboxRecord, cur.escalated_from_id) if cur.escalated_from_id else None
    db.flush()


def _next_target(db: Session, rec: OutboxRecord, step_action: str, channel: str) -> tuple[Contact | None, str]:
    contact = db.get(Contact, rec.contact_id) if rec.contact_id else None
    if contact is None:
        return None, "recipient is not in the contact directory"
    if step_action == "next_channel":
        return contact, f"same person on {channel}"
    if step_action == "supervisor":
        sup = db.get(Contact, contact.supervisor_id) if contact.supervisor_id else None
        return sup, "supervisor" if sup else f"{contact.name} has no supervisor"
    # next_person: the next active member (by rank) of a group the contact shares with the policy's
    # groups who has not yet been messaged for this campaign.
    already = set(db.execute(select(OutboxRecord.contact_id).where(OutboxRecord.campaign_id == rec.campaign_id))
                  .scalars())
    for group in contact.groups or []:
        for c in group_members(db, group):
            if c.id not in already and c.id != contact.id:
                return c, f"next person in {group}"
    return None, "no further person in the group"


def escalate_due(db: Session, config: Config, now: datetime, push: Pusher | None = None) -> int:
    """Raise the next step for every unacknowledged record past its ack deadline (or failed).
    Returns the number of escalation messages queued. Runs in the caller's transaction."""
    policies = {p.name: p for p in config.comms.policies}
    # Past the deadline, or already known to have failed (invalid number, undelivered): a message
    # that cannot arrive need not wait for its deadline to be escalated.
    due = db.execute(select(OutboxRecord).where(
        OutboxRecord.ack_due_at.is_not(None), OutboxRecord.acked_at.is_(None), OutboxRecord.escalated_at.is_(None),
        or_(OutboxRecord.ack_due_at <= now, OutboxRecord.status.in_(("failed", "undelivered"))))
        .order_by(OutboxRecord.id).limit(500)).scalars().all()
    raised = 0
    for rec in due:
        rec.escalated_at = now
        pol = policies.get(rec.policy or "")
        if pol is None or rec.step >= len(pol.escalation):
            rec.history.append(OutboxEvent(at=now, status=rec.status, source="escalation",
                                           detail="not acknowledged; no further escalation step in the policy"))
            continue
        step = pol.escalation[rec.step]
        channel = step.channel
        target, why = _next_target(db, rec, step.action, channel)
        address = None
        if target is not None:
            address = target.phone if channel == "sms" else f"contact:{target.id}"
        if target is None or not address:
            rec.history.append(OutboxEvent(at=now, status=rec.status, source="escalation",
                                           detail=f"step {rec.step + 1} {step.action}: {why}; nobody to escalate to"))
            continue
        minutes = max(1, round(pol.ack_within_s / 60))
        body = templates.render("escalation", target.lang, name=rec.recipient_name or rec.recipient, minutes=minutes,
                                body=rec.body)
        new_id = enqueue(db, OutboxMessage(channel=channel, recipient=address, body=body[:2000], alarm_id=rec.alarm_id,
                                           incident_id=rec.incident_id, warning_id=rec.warning_id,
                                           exercise=rec.exercise),
                         campaign_id=rec.campaign_id, recipient_name=target.name, lang=target.lang, policy=pol.name,
                         step=rec.step + 1, contact_id=target.id, escalated_from_id=rec.id,
                         ack_due_at=now + timedelta(seconds=pol.ack_within_s), now=now, push=push)
        reason = (f"{rec.status} ({rec.error_code or 'no code'})" if rec.status in ("failed", "undelivered")
                  else f"not acknowledged in {pol.ack_within_s:.0f}s")
        rec.history.append(OutboxEvent(at=now, status=rec.status, source="escalation",
                                       detail=f"{reason}; step {rec.step + 1} {step.action} ({why}): "
                                              f"#{new_id} {channel} to {target.name}"))
        raised += 1
    db.flush()
    return raised
