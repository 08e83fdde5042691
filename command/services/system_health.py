"""What the service knows about its own health (issue #26, NFR-10): the workers' heartbeats, the comms
outbox, the media root, the database and this process. Read by ``GET /metrics``, ``GET /api/system/health``
and the self-monitor loop (``command.services.self_monitor``)."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from command.db.models.alarms import Alarm
from command.db.models.monitor import WorkerHeartbeatRow
from command.domain import alarm_merge
from comms.models import OutboxRecord
from watchpost.events import WorkerHeartbeat

PENDING = ("queued", "sending")
SENT_WINDOW_S = 300.0


# -- worker heartbeats ----------------------------------------------------------------------------
def store_heartbeat(db: Session, hb: WorkerHeartbeat, now: datetime) -> None:
    """Keep ``hb`` as its worker's latest (received at ``now``). Commits."""
    body = hb.model_dump(mode="json")
    for _ in range(2):
        row = db.get(WorkerHeartbeatRow, hb.worker_id)
        if row is None:
            db.add(WorkerHeartbeatRow(worker_id=hb.worker_id, at=now, body=body))
        else:
            row.at, row.body = now, body
        try:
            db.commit()
            return
        except IntegrityError:  # another replica stored this worker's first heartbeat at the same moment
            db.rollback()


@dataclass(frozen=True)
class WorkerSeen:
    worker_id: str
    received_at: datetime
    heartbeat: dict[str, Any]  # WorkerHeartbeat as JSON


def heartbeats(db: Session) -> list[WorkerSeen]:
    rows = db.execute(select(WorkerHeartbeatRow).order_by(WorkerHeartbeatRow.worker_id)).scalars()
    return [WorkerSeen(r.worker_id, r.at, dict(r.body or {})) for r in rows]


# -- comms outbox ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class OutboxFigures:
    pending: dict[str, int]  # status -> messages (queued, sending)
    oldest_pending_s: float | None
    sent_recent: int  # messages handed to a provider in the last SENT_WINDOW_S

    @property
    def backlog(self) -> int:
        return sum(self.pending.values())

    @property
    def send_rate(self) -> float:
        return self.sent_recent / SENT_WINDOW_S


def outbox_figures(db: Session, now: datetime) -> OutboxFigures:
    counts = dict(db.execute(select(OutboxRecord.status, func.count()).where(OutboxRecord.status.in_(PENDING))
                             .group_by(OutboxRecord.status)).all())
    oldest = db.execute(select(func.min(OutboxRecord.created_at)).where(OutboxRecord.status.in_(PENDING))).scalar()
    sent = db.execute(select(func.count()).select_from(OutboxRecord)
                      .where(OutboxRecord.sent_at >= now - timedelta(seconds=SENT_WINDOW_S))).scalar() or 0
    if isinstance(oldest, str):  # func.min keeps the column's type; this is only a safety net
        oldest = datetime.fromisoformat(oldest)
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=timezone.utc)
    return OutboxFigures(pending={s: int(counts.get(s, 0)) for s in PENDING},
                         oldest_pending_s=None if oldest is None else max((now - oldest).total_seconds(), 0.0),
                         sent_recent=int(sent))


# -- alarms the service raised about itself -----------------------------------------------------------
def open_system_alarms(db: Session, limit: int = 100) -> list[dict[str, Any]]:
    rows = db.execute(select(Alarm).where(Alarm.source == "system", Alarm.status.in_(alarm_merge.OPEN_STATUSES))
                      .order_by(Alarm.last_seen_at.desc()).limit(limit)).scalars()
    return [{"id": a.id, "type": a.type, "level": a.level, "status": a.status, "title": a.title,
             "description": a.description, "camera_id": a.camera_id, "location": a.location_name,
             "occurrences": a.occurrences, "occurred_at": a.occurred_at.isoformat(),
             "last_seen_at": a.last_seen_at.isoformat()} for a in rows]


def count_open_system_alarms(db: Session) -> int:
    return int(db.execute(select(func.count()).select_from(Alarm).where(
        Alarm.source == "system", Alarm.status.in_(alarm_merge.OPEN_STATUSES))).scalar() or 0)


# -- database and process ---------------------------------------------------------------------------
def db_ping(db: Session) -> float:
    """Seconds a trivial query takes (the database's round trip as the service sees it)."""
    t0 = time.perf_counter()
    db.execute(text("SELECT 1")).scalar()
    return time.perf_counter() - t0


_process: Any = None
_process_lock = threading.Lock()


def process_figures() -> dict[str, float]:
    """This process's CPU (percent of one core since the last call) and resident memory."""
    global _process
    import psutil

    with _process_lock:
        if _process is None:
            _process = psutil.Process(os.getpid())
            _process.cpu_percent(None)
        return {"cpu_percent": float(_process.cpu_percent(None)), "rss_bytes": float(_process.memory_info().rss),
                "cpu_seconds": float(sum(_process.cpu_times()[:2]))}


# -- the media root ------------------------------------------------------------------------------------
class MediaUsage:
    """Bytes under the media root, measured by walking it at most every ``every_s`` (a walk of a large
    recording tree is not free), and the free space of its file system."""

    def __init__(self, root: str | Path, every_s: float):
        self.root = Path(root)
        self.every_s = every_s
        self._at: float | None = None
        self._bytes = 0
        self._lock = threading.Lock()

    def used_bytes(self) -> int:
        with self._lock:
            if self._at is None or time.monotonic() - self._at >= self.every_s:
                self._bytes = walk_bytes(self.root)
                self._at = time.monotonic()
            return self._bytes

    def free_bytes(self) -> int | None:
        import shutil

        for where in (self.root, *self.root.resolve().parents):  # before the first recording: its parent's disk
            try:
                return shutil.disk_usage(where).free
            except OSError:
                continue
        return None


def walk_bytes(root: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:  # swept away while we looked
                pass
    return total
