"""Open an alarm's camera before anyone asks (VID-11): the duty officer's next move is to look
at it, and a feed that is already open starts a viewer at its cached keyframe at once instead of
connecting to the camera and waiting for the next keyframe (measured in docs/benchmarks.md "Live
video": warm vs cold call-up). The feed is held for ``hold_s``, then lingers and closes as any.

It listens to the same push events the consoles get, so an alarm that reached this replica by
any path (HTTP, MQTT, another replica) warms its camera here.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Callable

from command.errors import DomainError
from command.live.hub import CameraSource, LiveHub
from command.push import Client, PushHub
from watchpost.config import Camera

log = logging.getLogger(__name__)


def alarm_camera(camera_id: str | None) -> str:
    """A drill plays footage as ``<camera>.drill<id>.<inject>``: warm the camera it stands for."""
    return (camera_id or "").split(".drill")[0]


async def prewarm_alarm_cameras(push: PushHub, hub: LiveHub, cameras: Callable[[], list[Camera]],
                                hold_s: float, source: Callable[[Camera], CameraSource]) -> None:
    """``source``: where a camera opens (blocking: it may read the workers' leases, so it runs in a
    thread); a DomainError when nothing can open it now (a GB camera without a relay or its worker)."""
    await push.ensure_running()
    client = Client(frozenset({"alarm"}))
    push.add(client)
    try:
        while True:
            ev = await client.queue.get()
            if ev is None:  # fell behind: start again from now
                push.remove(client)
                client = Client(frozenset({"alarm"}))
                push.add(client)
                continue
            if ev.action != "created":
                continue
            cam_id = alarm_camera(ev.data.get("camera_id"))
            cam = next((c for c in cameras() if c.id == cam_id and c.enabled), None)
            if cam is not None:
                try:
                    src = await asyncio.to_thread(source, cam)
                except DomainError as exc:  # a GB camera with no relay, or its worker down: a viewer is told why
                    log.info("not warming camera %s: %s", cam.id, exc)
                    continue
                hub.warm(src, hold_s)
    except asyncio.CancelledError:
        raise
    finally:
        push.remove(client)
