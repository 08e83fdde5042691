"""The recordings a GB/T 28181 device keeps for a camera (VID-5 "playback, query"): its device registered to
a vision worker's platform, not to the service, so the query (RecordInfo) is queued for that worker
(``worker_commands``) and its answer comes back through ``worker_results``. Playing one back goes the same
way: the worker INVITEs the device and answers with the session's path on its relay."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.orm import Session

from command.services import worker_commands
from watchpost.config import Camera, gb28181_channel
from watchpost.events import WorkerCommand

MAX_SPAN = timedelta(hours=24)  # NVRs answer a day in a few MESSAGEs; longer spans run to thousands of files


def refusal(cam: Camera, start: datetime, end: datetime) -> str | None:
    """Why this query cannot be asked, or None (pure)."""
    if gb28181_channel(cam.url) is None:
        return f"camera {cam.id} is not a GB/T 28181 channel: its recordings are Watchpost's own (/api/recordings)"
    if end <= start:
        return "end must be after start"
    if end - start > MAX_SPAN:
        return f"a device's recordings are listed at most {MAX_SPAN.total_seconds() / 3600:g} h at a time"
    return None


def ask(db: Session, cam: Camera, start: datetime, end: datetime, now: datetime,
        command: Literal["gb_record_query", "gb_playback"] = "gb_record_query") -> str:
    """Queue the query (or the playback) for the worker that runs ``cam`` (``cam.worker``, else every worker: only
    the one whose platform has the device answers); the request id its answer will carry. Commits."""
    request_id = secrets.token_urlsafe(16)
    cmd = WorkerCommand(command=command, camera_ids=[cam.id], start=start, end=end, request_id=request_id)
    worker_commands.queue(db, cmd, now, target=cam.worker or worker_commands.ALL)
    db.commit()
    return request_id
