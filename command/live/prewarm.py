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
from command.live.sources import live_source
from command.push import Client, PushHub
from watchpost.config import Camera, Gb28181, gb28181_channel

log = logging.getLogger(__name__)


def alarm_camera(camera_id: str | None) -> str:
    """A drill plays footage as ``<camera>.drill<id>.<inject>``: warm the camera it stands for."""
    return (camera_id or "").split(".drill")[0]


async def prewarm_alarm_cameras(push: PushHub, hub: LiveHub, cameras: Callable[[], list[Camera]],
                                hold_s: float, gb: Callable[[], Gb28181] = Gb28181,
                                source: Callable[[Camera], CameraSource] | None = None) -> None:
    """``source``: where a camera opens (blocking: it may read the workers' leases, so it runs in a
    thread); by default ``live_source`` with the config's relay."""
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
            # A GB camera opens through the worker's relay; without one there is nothing to warm.
            if cam is not None and (gb28181_channel(cam.url) is None or gb().relay_port):
                try:
                    src = live_source(cam, gb()) if source is None else await asyncio.to_thread(source, cam)
                except DomainError as exc:  # its worker is down: a viewer will be told why
                    log.info("not warming camera %s: %s", cam.id, exc)
                    continue
                hub.warm(src, hold_s)
    except asyncio.CancelledError:
        raise
    finally:
        push.remove(client)
