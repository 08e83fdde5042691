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


def live_source(cam: Camera, gb: Gb28181, relay: str | None = None, playback: str | None = None) -> CameraSource:
    """The camera as the live view opens it; a GB camera through ``relay`` (its worker's, assigned mode)
    or else the config's, and with ``playback`` that relay's device playback session instead of the live
    stream (a feed key of its own, so it never shares the live feed). NotRelayed for a GB camera with no
    relay to read it through: the feed is never asked to open a url FFmpeg cannot."""
    if gb28181_channel(cam.url) is None:
        return CameraSource(cam.id, cam.url, cam.rtsp_transport)
    base = relay or gb.relay_url
    if not base:
        raise NotRelayed(f"camera {cam.id}: a GB/T 28181 channel reaches the service through the vision worker's "
                         "relay: set vision.gb28181.relay_port and relay_token (docs/gb28181.md)")
    key, path = (cam.id, f"live/{cam.id}") if playback is None else (f"{cam.id}@playback-{playback}",
                                                                       f"playback/{playback}")
    # The token goes in a header, not the url: urls end up in FFmpeg's messages and logs.
    return CameraSource(key, f"{base}/{path}.ps", cam.rtsp_transport, av_format="mpeg",
                        headers=f"Authorization: Bearer {gb.relay_token}\r\n")
