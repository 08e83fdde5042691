"""Who may watch a camera, live or recorded (VID-5): its ``view_roles``, or, when it names none,
every role that may read the operational picture. An admin may watch every camera."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Iterable

from command.domain.roles import READERS, Role
from watchpost.config import Camera


def may_watch(cam: Camera, role: str) -> bool:
    if role == Role.admin:
        return True
    if cam.view_roles:
        return role in cam.view_roles
    return role in READERS or role == Role.service


def recording_camera(rel_path: str) -> str | None:
    """The camera a media path's recording belongs to (``recordings/<camera>/...``), else None."""
    parts = PurePosixPath(rel_path).parts
    return parts[1] if len(parts) > 2 and parts[0] == "recordings" else None


def hidden_cameras(cameras: Iterable[Camera], role: str) -> set[str]:
    """The configured cameras this role may not watch."""
    return {c.id for c in cameras if not may_watch(c, role)}
