"""Video device events from the vision workers (GB/T 28181: a registration refused, made, moved to another
address, ended) into the audit log. The worker folds floods to one event per device a minute; each
event it sends is one entry here, written once however often the spool resends it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from command.db.models.audit import AuditEntry
from command.services import audit
from watchpost.clock import Clock
from watchpost.events import VideoDeviceEvent

ENTITY = "video_device"
# A resend comes within the spool's back-off of the first try, and a device has at most one entry a minute,
# so its own last entries are enough to find it.
RECENT = 50


def note_of(ev: VideoDeviceEvent) -> str:
    """One line for the audit list: what happened, from where, and how many events the entry stands for."""
    last = f"{ev.kind}" + (f" from {ev.addr}" if ev.addr else "") + (f": {ev.detail}" if ev.detail else "")
    total = sum(ev.counts.values())
    if total == 1:
        return last
    kinds = ", ".join(f"{k} ×{n}" for k, n in sorted(ev.counts.items()))
    return (f"{total} events {ev.first_at:%Y-%m-%d %H:%M:%S}–{ev.last_at:%H:%M:%S} UTC ({kinds}); last {last}")[:2000]


def record(db: Session, ev: VideoDeviceEvent, actor: str, clock: Clock) -> tuple[int, bool]:
    """Append ``ev`` to the audit chain unless its ``event_id`` is already there: (its entry's seq, new).
    Does not commit: the caller commits before it answers."""
    recent = db.execute(select(AuditEntry).where(AuditEntry.entity_type == ENTITY, AuditEntry.entity_id == ev.device_id)
                        .order_by(AuditEntry.seq.desc()).limit(RECENT)).scalars()
    for entry in recent:
        if (entry.after or {}).get("event_id") == ev.event_id:
            return entry.seq, False
    entry = audit.record(db, actor, f"{ev.protocol}.{ev.kind}", ENTITY, ev.device_id, after=ev.model_dump(mode="json"),
                         note=note_of(ev), clock=clock)
    return entry.seq, True
