"""PTZ of a GB/T 28181 camera (VID-5): its device registered to a vision worker's platform, not to the
service, so the move is queued for that worker (``worker_commands``, long-polled) and audited as
the write it is. The worker sends it to the device as a DeviceControl PTZCmd (vision/gb28181)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from command.services import audit, worker_commands
from watchpost.clock import Clock
from watchpost.config import Camera
from watchpost.events import PtzRequest, WorkerCommand


def queue(db: Session, cam: Camera, req: PtzRequest, actor: str, clock: Clock) -> int:
    """Queue ``req`` for the worker that runs ``cam`` (``cam.worker``, else every worker: only the one running
    it acts); the command's id. Commits."""
    cmd = WorkerCommand(command="ptz", camera_ids=[cam.id], ptz=req)
    cid = worker_commands.queue(db, cmd, clock.now(), target=cam.worker or worker_commands.ALL)
    audit.record(db, actor, "camera.ptz", "camera", cam.id,
                 after={"command_id": cid, **req.model_dump(mode="json", exclude_defaults=True)}, clock=clock)
    db.commit()
    return cid
