"""Live video (VID-5, VID-10, VID-11, CMD-3): the cameras a user may watch, WebRTC call-up, MJPEG
for other systems, and pan/tilt/zoom."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import Depends, Path, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from command.api.deps import get_state, require
from command.api.openapi import file_answer
from command.api.routing import api_router
from command.db.models.users import User
from command.domain.camera_rights import may_watch
from command.domain.roles import OPERATORS, READERS, Role
from command.errors import Conflict, Invalid, NotFound, Refused, Unavailable
from command.live.hub import BadOffer, CameraSource
from command.live.sources import NotRelayed, live_source, worker_relay
from command.services.auth import AuthError
from command.state import ServiceState
from watchpost.config import Camera, gb28181_channel
from watchpost.events import PtzRequest
from watchpost.fields import Text

router = api_router(tags=["live"])
WATCHERS = (*READERS, Role.service)
CameraId = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")]
# A device playback's session (POST /api/cameras/{id}/device-playback), as the worker's relay names it.
PlaybackSession = Annotated[str | None, Query(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class Offer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["offer"]
    sdp: Text = Field(min_length=1, max_length=100_000)


class PtzMove(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["move", "stop", "preset"]
    pan: float = Field(default=0, ge=-1, le=1, description="move: speed left (-) or right (+)")
    tilt: float = Field(default=0, ge=-1, le=1, description="move: speed down (-) or up (+)")
    zoom: float = Field(default=0, ge=-1, le=1, description="move: speed out (-) or in (+)")
    preset: Text | None = Field(default=None, max_length=64, description="preset: its token")


def camera_for(st: ServiceState, camera_id: str, user: User) -> Camera:
    cam = next((c for c in st.config.vision.cameras if c.id == camera_id), None)
    if cam is None:
        raise NotFound(f"camera {camera_id} is not configured")
    if not may_watch(cam, user.role):
        raise AuthError(f"role {user.role!r} may not watch camera {camera_id}", 403)
    if not cam.enabled:
        raise Conflict(f"camera {camera_id} is disabled")
    return cam


def source_for(st: ServiceState, cam: Camera, playback: str | None = None) -> CameraSource:
    """A GB camera: the relay of the worker reading it; in assigned mode the worker now running it, at
    the address its claim stated (reads the leases: call it off the event loop). 503 naming why when
    no worker can relay it."""
    cfg = st.config.vision
    try:
        relay = None
        if gb28181_channel(cam.url) is not None and cfg.assignment.enabled:
            from command.services import assignment

            with st.sessions() as db:
                split, relays = assignment.relays(db, st.config, st.clock.now())
            relay = worker_relay(cam, split, relays)
        return live_source(cam, cfg.gb28181, relay, playback)
    except NotRelayed as exc:
        raise Unavailable(str(exc)) from None


@router.get("/api/live/cameras")
def cameras(st: ServiceState = Depends(get_state), user: User = Depends(require(*WATCHERS))) -> list[dict]:
    """The cameras the caller may watch, with their group (the wall's) and whether each is open now."""
    out = []
    for c in st.config.vision.cameras:
        if c.enabled and may_watch(c, user.role):
            out.append({"id": c.id, "name": c.name or c.id, "site": c.site, "group": c.group or c.site or "",
                        "profile": c.profile, "ptz": c.ptz is not None or gb28181_channel(c.url) is not None,
                        "gb28181": gb28181_channel(c.url) is not None,
                        "location": c.location.model_dump() if c.location else None} | {"live": st.live.status(c.id)})
    return out


@router.post("/api/live/{camera_id}/offer")
async def offer(camera_id: CameraId, body: Offer, playback: PlaybackSession = None,
                st: ServiceState = Depends(get_state), user: User = Depends(require(*WATCHERS))) -> dict:
    """WebRTC call-up: the browser's SDP offer in, the answer out (LAN only: no STUN/TURN). 503
    with the reason when the camera does not answer. With ``playback``, a GB camera's device playback
    session (``POST /api/cameras/{camera_id}/device-playback``) instead of its live view."""
    cam = camera_for(st, camera_id, user)
    if playback is not None and gb28181_channel(cam.url) is None:
        raise Invalid(f"camera {camera_id} is not a GB/T 28181 channel: it has no device playback")
    src = await run_in_threadpool(source_for, st, cam, playback)
    try:
        sdp = await st.live.answer(src, body.sdp)
    except LookupError as exc:
        raise Unavailable(f"camera {camera_id} is offline: {exc}") from None
    except BadOffer as exc:
        raise Invalid(str(exc)) from None
    return {"type": "answer", "sdp": sdp, "status": st.live.status(src.camera_id)}


@router.get("/api/live/{camera_id}.mjpeg", responses=file_answer(
    "multipart/x-mixed-replace", description="JPEG after JPEG, as they come (VID-10)"))
async def mjpeg(camera_id: CameraId, request: Request, st: ServiceState = Depends(get_state),
                user: User = Depends(require(*WATCHERS))) -> StreamingResponse:
    """The camera as MJPEG over HTTP, for other systems and browsers without WebRTC (a service
    account's token works as ``?token=``)."""
    cam = camera_for(st, camera_id, user)
    boundary = uuid.uuid4().hex
    src = await run_in_threadpool(source_for, st, cam)
    try:
        await st.live.opened(src)
    except LookupError as exc:
        raise Unavailable(f"camera {camera_id} is offline: {exc}") from None

    async def parts():  # noqa: ANN202
        async for part in st.live.mjpeg(src, boundary):
            if await request.is_disconnected():
                return
            yield part

    return StreamingResponse(parts(), media_type=f"multipart/x-mixed-replace; boundary={boundary}",
                             headers={"Cache-Control": "no-store"})


@router.get("/api/live/{camera_id}/status")
def status(camera_id: CameraId, st: ServiceState = Depends(get_state),
           user: User = Depends(require(*WATCHERS))) -> dict:
    camera_for(st, camera_id, user)
    return st.live.status(camera_id)


@router.post("/api/cameras/{camera_id}/ptz")
async def ptz(camera_id: CameraId, body: PtzMove, st: ServiceState = Depends(get_state),
              user: User = Depends(require(*OPERATORS))) -> dict:
    """Pan, tilt, zoom or go to a preset (ONVIF). 409 for a camera without PTZ; 502 with the
    camera's own answer when it refuses. A GB/T 28181 camera's move is queued for the worker whose
    platform its device registered to (its preset is a number, 1-255)."""
    from command.live.ptz import PtzError, controller

    cam = camera_for(st, camera_id, user)
    if cam.ptz is None and gb28181_channel(cam.url) is not None:
        return await run_in_threadpool(_gb28181_ptz, st, cam, body, user.username)
    if cam.ptz is None:
        raise Conflict(f"camera {camera_id} has no PTZ configured")
    try:
        done = await controller(cam.id, cam.ptz).run(body.action, body.pan, body.tilt, body.zoom, body.preset)
    except PtzError as exc:
        raise Refused(f"camera {camera_id} PTZ: {exc}") from None
    return {"ok": True, "camera_id": camera_id, "did": done}


def _gb28181_ptz(st: ServiceState, cam: Camera, body: PtzMove, actor: str) -> dict:
    from command.services import gb_ptz

    preset = None
    if body.action == "preset":
        if not (body.preset or "").isdigit() or not 1 <= int(body.preset or "0") <= 255:
            raise Invalid(f"camera {cam.id} is a GB/T 28181 channel: its preset is a number, 1-255")
        preset = int(body.preset or "0")
    req = PtzRequest(action=body.action, pan=body.pan, tilt=body.tilt, zoom=body.zoom, preset=preset)
    with st.sessions() as db:
        cid = gb_ptz.queue(db, cam, req, actor, st.clock)
    return {"ok": True, "camera_id": cam.id, "did": f"{body.action} queued for the worker (command {cid})"}


@router.get("/api/cameras/{camera_id}/ptz/presets")
async def ptz_presets(camera_id: CameraId, st: ServiceState = Depends(get_state),
                      user: User = Depends(require(*OPERATORS))) -> list[dict]:
    """The camera's PTZ presets (token and name), to go to with ``action: preset``."""
    from command.live.ptz import PtzError, controller

    cam = camera_for(st, camera_id, user)
    if cam.ptz is None:
        raise Conflict(f"camera {camera_id} has no PTZ configured")
    try:
        return await controller(cam.id, cam.ptz).list_presets()
    except PtzError as exc:
        raise Refused(f"camera {camera_id} PTZ: {exc}") from None
