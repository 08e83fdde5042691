"""The provider interface: one adapter per external part (SMS gateway, PA system, drill sink).

Providers get a plain ``Outgoing`` (never an ORM row): the provider call happens outside any
database transaction, and a slow gateway must not hold the database's write lock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Outgoing:
    id: int
    client_ref: str
    channel: str
    recipient: str
    body: str
    lang: str = "zh"
    exercise: bool = False
    created_at: datetime | None = None
    provider: str = ""  # chosen once, when the record was claimed


@dataclass
class SendResult:
    """What the provider said. ``status`` is ours: "sending" (accepted, delivery report to
    come by callback), "sent" or "delivered" (the provider finished synchronously)."""

    status: str
    provider_id: str | None = None
    detail: str = ""
    audio_path: str | None = None
    extra: dict = field(default_factory=dict)


class ProviderError(Exception):
    """A failed send. ``transient`` errors are retried with backoff; others fail the record.
    ``unknown_outcome``: the request may have reached the provider (timeout) — reconcile, do not
    resend blindly."""

    def __init__(self, code: str, message: str, *, transient: bool, retry_after_s: float | None = None,
                 unknown_outcome: bool = False):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.transient = transient
        self.retry_after_s = retry_after_s
        self.unknown_outcome = unknown_outcome


class Provider(Protocol):
    name: str

    def send(self, msg: Outgoing) -> SendResult: ...

    def lookup(self, msg: Outgoing) -> SendResult | None:
        """Find ``msg`` at the provider by its client reference (crash recovery); None = never arrived."""
        ...
