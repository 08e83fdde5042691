"""Alarm evidence and recordings stored by vision workers under ``vision.media_root`` (VID-7, VID-10)."""

from __future__ import annotations

from pathlib import Path

from typing import Annotated

from fastapi import APIRouter, Depends, Path as PathParam, Query
from fastapi.responses import FileResponse

from command.api.deps import current_user, get_state
from command.api.openapi import file_answer
from command.db.models.users import User
from command.errors import NotFound
from command.state import ServiceState
from vision.record.index import INDEX_NAME, SegmentIndex
from watchpost.fields import Instant, Text

router = APIRouter(prefix="/api/media", tags=["media"])
recordings = APIRouter(prefix="/api/recordings", tags=["media"])

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
                    _: User = Depends(current_user)) -> list[dict]:
    """Recorded segments of a camera overlapping [start, end], oldest first; play each through
    ``/api/media/{path}`` (VID-5 playback, VID-10 standard video API)."""
    root = Path(state.config.vision.media_root)
    if not (root / INDEX_NAME).exists():
        return []
    idx = SegmentIndex(root, readonly=True)
    try:
        segs = idx.query(camera, start, end)[:limit]
    finally:
        idx.close()
    return [{"camera_id": s.camera_id, "start": s.start, "end": s.end, "uri": s.path, "size": s.size,
             "category": s.category, "pinned_until": s.pinned_until} for s in segs]


@router.get("/{path:path}", responses=file_answer(*sorted(set(MEDIA_TYPES.values())), "application/octet-stream"))
def get_media(path: Annotated[Text, PathParam(max_length=1024)], state: ServiceState = Depends(get_state), _: User = Depends(current_user)) -> FileResponse:
    """A snapshot, clip or recording segment; any signed-in user (HTTP range requests supported)."""
    f = resolve_media(state.config.vision.media_root, path)
    return FileResponse(f, media_type=MEDIA_TYPES.get(f.suffix.lower(), "application/octet-stream"))
