"""Alarm evidence and recordings stored by vision workers under ``vision.media_root`` (VID-7, VID-10)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Path as PathParam, Query
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from command.api.deps import current_user, get_state
from command.api.openapi import file_answer
from command.api.routing import api_router
from command.db.models.users import User
from command.domain.camera_rights import hidden_cameras, recording_camera
from command.errors import Invalid, NotFound
from command.services.auth import AuthError
from command.state import ServiceState
from vision.record.export import ExportError, export_segments
from vision.record.index import INDEX_NAME, SegmentIndex
from watchpost.fields import Instant, Text

router = api_router(prefix="/api/media", tags=["media"])
recordings = api_router(prefix="/api/recordings", tags=["media"])

MEDIA_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".mp4": "video/mp4",
               ".wav": "audio/wav", ".json": "application/json"}


def resolve_media(root: str, rel: str) -> Path:
    """The file for ``rel`` inside ``root``; anything that escapes the root is refused as not found."""
    base = Path(root).resolve()
    target = (base / rel).resolve()
    if base != target and base not in target.parents:
        raise NotFound(f"no media at {rel!r}")
    if not target.is_file():
        raise NotFound(f"no media at {rel!r}")
    return target


@recordings.get("")
def list_recordings(camera: Text | None = Query(None, max_length=100), start: Instant | None = None,
                    end: Instant | None = None,
                    limit: int = Query(500, ge=1, le=5000), state: ServiceState = Depends(get_state),
                    user: User = Depends(current_user)) -> list[dict]:
    """Recorded segments of a camera overlapping [start, end], oldest first; play each through
    ``/api/media/{path}`` (VID-5 playback, VID-10 standard video API). Cameras the caller may
    not watch (their ``view_roles``) are left out; asking for one by name is a 403."""
    hidden = hidden_cameras(state.config.vision.cameras, user.role)
    if camera in hidden:
        raise AuthError(f"role {user.role!r} may not watch camera {camera}", 403)
    root = Path(state.config.vision.media_root)
    if not (root / INDEX_NAME).exists():
        return []
    idx = SegmentIndex(root, readonly=True)
    try:
        segs = [s for s in idx.query(camera, start, end) if s.camera_id not in hidden][:limit]
    finally:
        idx.close()
    return [{"camera_id": s.camera_id, "start": s.start, "end": s.end, "uri": s.path, "size": s.size,
             "category": s.category, "pinned_until": s.pinned_until} for s in segs]


EXPORT_MAX_S = 6 * 3600


@recordings.get("/export", responses=file_answer("video/mp4"))
def export_recording(camera: Annotated[Text, Query(min_length=1, max_length=100)], start: Instant, end: Instant,
                     state: ServiceState = Depends(get_state), user: User = Depends(current_user)) -> FileResponse:
    """One MP4 of a camera's recording from ``start`` to ``end`` (at most 6 h), joined from its
    segments without re-encoding; it begins and ends on segment boundaries. The segments keep
    their own retention (an alarm's evidence stays pinned)."""
    if camera in hidden_cameras(state.config.vision.cameras, user.role):
        raise AuthError(f"role {user.role!r} may not watch camera {camera}", 403)
    if end <= start:
        raise Invalid("end must be after start")
    if (end - start).total_seconds() > EXPORT_MAX_S:
        raise Invalid(f"at most {EXPORT_MAX_S // 3600} h in one export")
    root = Path(state.config.vision.media_root)
    if not (root / INDEX_NAME).exists():
        raise NotFound("nothing is recorded yet")
    idx = SegmentIndex(root, readonly=True)
    try:
        segs = idx.query(camera, start, end)
    finally:
        idx.close()
    if not segs:
        raise NotFound(f"camera {camera} has no recording between {start.isoformat()} and {end.isoformat()}")
    out = Path(tempfile.mkdtemp(prefix="wp-export-")) / "export.mp4"
    try:
        export_segments(root, segs, out)
    except ExportError as exc:
        shutil.rmtree(out.parent, ignore_errors=True)
        raise NotFound(str(exc)) from None
    name = f"{camera}_{segs[0].start:%Y%m%dT%H%M%S}_{segs[-1].end:%Y%m%dT%H%M%S}.mp4"
    return FileResponse(out, media_type="video/mp4", filename=name,
                        background=BackgroundTask(shutil.rmtree, out.parent, ignore_errors=True))


@router.get("/{path:path}", responses=file_answer(*sorted(set(MEDIA_TYPES.values())), "application/octet-stream"))
def get_media(path: Annotated[Text, PathParam(max_length=1024)], state: ServiceState = Depends(get_state),
              user: User = Depends(current_user)) -> FileResponse:
    """A snapshot, clip or recording segment; any signed-in user, except a recording of a camera
    the caller may not watch (HTTP range requests supported)."""
    cam = recording_camera(path)
    if cam is not None and cam in hidden_cameras(state.config.vision.cameras, user.role):
        raise AuthError(f"role {user.role!r} may not watch camera {cam}", 403)
    f = resolve_media(state.config.vision.media_root, path)
    return FileResponse(f, media_type=MEDIA_TYPES.get(f.suffix.lower(), "application/octet-stream"))
