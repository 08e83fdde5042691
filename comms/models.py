"""Comms tables: campaigns, the durable outbox (one row per message per recipient), its status
history, and a small contact directory for groups that are not system users (CMD-4, CMD-7, COM-2).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from watchpost.db import Base, utcnow

# Statuses a message moves through; the rank decides whether a callback may move it
# (a late "sent" must never overwrite "delivered").
STATUSES = ("queued", "sending", "sent", "delivered", "undelivered", "failed")
FINAL = frozenset({"delivered", "undelivered", "failed"})


class Campaign(Base):
    """A batch of messages raised together: one send-now, one policy run, one broadcast."""

    __tablename__ = "comms_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    kind: Mapped[str] = mapped_column(String(20), default="manual")  # manual | policy | cap | escalation
    policy: Mapped[str | None] = mapped_column(String(100), default=None)
    level: Mapped[str | None] = mapped_column(String(10), default=None)
    incident_type: Mapped[str | None] = mapped_column(String(50), default=None)
    alarm_id: Mapped[int | None] = mapped_column(Integer, default=None)
    incident_id: Mapped[int | None] = mapped_column(Integer, default=None)
    warning_id: Mapped[int | None] = mapped_column(Integer, default=None)
    exercise: Mapped[bool] = mapped_column(Boolean, default=False)
    msg_type: Mapped[str] = mapped_column(String(10), default="Alert")  # CAP: Alert | Update | Cancel
    references: Mapped[str | None] = mapped_column(String(500), default=None)
    area_desc: Mapped[str] = mapped_column(String(300), default="")
    # [[lon, lat], ...] closed ring; exported as a CAP polygon.
    area_polygon: Mapped[list[Any] | None] = mapped_column(JSON, default=None)
    created_by: Mapped[str] = mapped_column(String(100), default="system")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxRecord(Base):
    """One message to one recipient on one channel, persisted before anything is sent."""

    __tablename__ = "comms_outbox"
    __table_args__ = (Index("ix_comms_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Sent to the provider with the message so a crash after the provider call can be reconciled.
    client_ref: Mapped[str] = mapped_column(String(64), unique=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("comms_campaigns.id", ondelete="SET NULL"),
                                                    index=True, default=None)
    channel: Mapped[str] = mapped_column(String(20))  # sms | broadcast | console
    recipient: Mapped[str] = mapped_column(String(200), index=True)
    recipient_name: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(10), default="zh")
    alarm_id: Mapped[int | None] = mapped_column(Integer, index=True, default=None)
    incident_id: Mapped[int | None] = mapped_column(Integer, index=True, default=None)
    warning_id: Mapped[int | None] = mapped_column(Integer, index=True, default=None)
    exercise: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)  # None: due now
    provider: Mapped[str | None] = mapped_column(String(30), default=None)  # twilio | tts | drill | console
    provider_id: Mapped[str | None] = mapped_column(String(100), index=True, default=None)
    error_code: Mapped[str | None] = mapped_column(String(30), default=None)
    error_message: Mapped[str | None] = mapped_column(Text, default=None)
    audio_path: Mapped[str | None] = mapped_column(String(500), default=None)
    # Escalation: who/what this message escalates, which policy step it is, when an ack is due.
    policy: Mapped[str | None] = mapped_column(String(100), default=None)
    step: Mapped[int] = mapped_column(Integer, default=0)
    contact_id: Mapped[int | None] = mapped_column(Integer, default=None)
    escalated_from_id: Mapped[int | None] = mapped_column(ForeignKey("comms_outbox.id", ondelete="SET NULL"),
                                                          default=None)
    ack_due_at: Mapped[datetime | None] = mapped_column(default=None)
    acked_at: Mapped[datetime | None] = mapped_column(default=None)
    ack_via: Mapped[str | None] = mapped_column(String(30), default=None)
    escalated_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    final_at: Mapped[datetime | None] = mapped_column(default=None)

    history: Mapped[list[OutboxEvent]] = relationship(
        back_populates="message", order_by="OutboxEvent.id", cascade="all, delete-orphan", lazy="selectin")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "client_ref": self.client_ref, "campaign_id": self.campaign_id,
            "channel": self.channel, "recipient": self.recipient, "recipient_name": self.recipient_name,
            "body": self.body, "lang": self.lang, "alarm_id": self.alarm_id, "incident_id": self.incident_id,
            "warning_id": self.warning_id, "exercise": self.exercise, "status": self.status,
            "attempts": self.attempts, "provider": self.provider, "provider_id": self.provider_id,
            "error_code": self.error_code, "error_message": self.error_message, "audio_path": self.audio_path,
            "policy": self.policy, "step": self.step, "escalated_from_id": self.escalated_from_id,
            "ack_due_at": _iso(self.ack_due_at), "acked_at": _iso(self.acked_at), "ack_via": self.ack_via,
            "escalated_at": _iso(self.escalated_at), "created_at": _iso(self.created_at),
            "updated_at": _iso(self.updated_at), "sent_at": _iso(self.sent_at), "final_at": _iso(self.final_at),
        }


class OutboxEvent(Base):
    """Status history of one outbox record: every transition, with provider id and error code."""

    __tablename__ = "comms_outbox_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("comms_outbox.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(30), default="dispatcher")  # dispatcher | callback | api | ...
    provider_id: Mapped[str | None] = mapped_column(String(100), default=None)
    error_code: Mapped[str | None] = mapped_column(String(30), default=None)
    detail: Mapped[str] = mapped_column(Text, default="")

    message: Mapped[OutboxRecord] = relationship(back_populates="history")

    def to_dict(self) -> dict[str, Any]:
        return {"at": _iso(self.at), "status": self.status, "source": self.source, "provider_id": self.provider_id,
                "error_code": self.error_code, "detail": self.detail}


class Contact(Base):
    """Someone to notify who may not be a system user: team members, experts, enterprise contacts,
    residents outside the park. ``groups`` are free labels that policies address."""

    __tablename__ = "comms_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40), default=None)
    lang: Mapped[str] = mapped_column(String(10), default="zh")
    groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Escalation: the deputy is "the next person", the supervisor the 督办 step.
    rank: Mapped[int] = mapped_column(Integer, default=0)
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("comms_contacts.id", ondelete="SET NULL"),
                                                      default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


def _iso(v: datetime | None) -> str | None:
    return None if v is None else v.isoformat()


class DrillRecipient(Base):
    """A number a running drill's organiser named as its test group: exercise traffic to it goes
    through the real provider until ``until`` (the drill's end); all other exercise traffic goes
    to the drill sink (``comms.dispatcher.Dispatcher.route``)."""

    __tablename__ = "comms_drill_recipients"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(200), index=True)
    drill_ref: Mapped[str] = mapped_column(String(50), index=True)
    until: Mapped[datetime]
