"""Video device events the vision workers send for the audit log (GB/T 28181, docs/gb28181.md)."""

from __future__ import annotations

from fastapi import Depends
from pydantic import BaseModel
from sqlalchemy.orm import Session

from command.api.deps import get_db, get_state, require
from command.api.routing import api_router
from command.db.models.users import User
from command.domain.roles import Role
from command.services import device_events
from command.state import ServiceState
from watchpost.events import VideoDeviceEvent

router = api_router(tags=["workers"])


class DeviceEventRecorded(BaseModel):
    seq: int
    duplicate: bool


@router.post("/api/workers/device-events", status_code=201, response_model=DeviceEventRecorded)
def device_event(ev: VideoDeviceEvent, db: Session = Depends(get_db), state: ServiceState = Depends(get_state),
                 user: User = Depends(require(Role.service, Role.admin))) -> DeviceEventRecorded:
    """A device event a worker's GB/T 28181 platform saw (a registration refused, made, moved, ended), folded to
    one per device a minute: one audit entry, written before the answer; a resend finds it (``duplicate``)."""
    seq, new = device_events.record(db, ev, user.username, state.clock)
    db.commit()
    return DeviceEventRecorded(seq=seq, duplicate=not new)
