"""Where the service reads a camera's live video (pure): the camera's own url, or, for a GB/T 28181
channel, the vision worker's relay of it (docs/gb28181.md, "Live view"). A GB device sends its RTP to
the worker whose platform it registered to, so the service cannot open it; the worker re-serves the
MPEG-PS it receives over HTTP, behind the relay's token.

Which worker that is: in static mode the one relay of the config (``vision.gb28181.relay_host``); in
assigned mode (several workers, docs/scaling.md) the worker that runs the camera now, at the relay
address it stated in its claim (``worker_relay``)."""

from __future__ import annotations

from typing import Mapping

from command.domain.shards import Shares
from command.live.hub import CameraSource
from watchpost.config import Camera, Gb28181, gb28181_channel


class NotRelayed(LookupError):
    """A GB camera no worker can relay now; the message says why (the live view answers it, 503)."""


def relay_url(base: str, camera_id: str) -> str:
    return f"{base}/live/{camera_id}.ps"


def worker_relay(cam: Camera, split: Shares, relays: Mapping[str, str | None]) -> str:
    """Assigned mode: the relay (http://host:port) of the live worker that runs ``cam`` in ``split``,
    from ``relays`` (worker id -> the relay its claim stated). NotRelayed when there is none, rather
    than a url the feed would wait on until it times out."""
    who = next((w for w, ids in split.by_worker.items() if cam.id in ids), None)
    if who is None:
        why = f"its worker {cam.worker} is not running" if cam.worker else "no vision worker is running"
        raise NotRelayed(f"camera {cam.id}: {why}")
    url = relays.get(who)
    if not url:
        raise NotRelayed(f"camera {cam.id}: its worker {who} states no live relay "
                         "(vision.gb28181.relay_port is 0 there)")
    return url


def live_source(cam: Camera, gb: Gb28181, relay: str | None = None) -> CameraSource:
    """The camera as the live view opens it; a GB camera through ``relay`` (its worker's, assigned
    mode) or else the config's. A GB camera without a relay keeps its gb28181:// url, which the feed
    refuses with the reason (the tile shows it)."""
    base = relay or gb.relay_url
    if gb28181_channel(cam.url) is None or not base:
        return CameraSource(cam.id, cam.url, cam.rtsp_transport)
    # The token goes in a header, not the url: urls end up in FFmpeg's messages and logs.
    return CameraSource(cam.id, relay_url(base, cam.id), cam.rtsp_transport, av_format="mpeg",
                        headers=f"Authorization: Bearer {gb.relay_token}\r\n")


def playback_source(live: CameraSource, session: str) -> CameraSource:
    """A device's recording played back through the same worker relay as the camera's live view
    (``/playback/<session>.ps``), under a feed key of its own so it never shares the live feed."""
    base = live.url.rsplit("/live/", 1)[0]
    return CameraSource(f"{live.camera_id}@playback-{session}", f"{base}/playback/{session}.ps", live.rtsp_transport,
                        av_format=live.av_format, headers=live.headers)
