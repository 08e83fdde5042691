"""Where the service reads a camera's live video (pure): the camera's own url, or, for a GB/T 28181
channel, the vision worker's relay of it (docs/gb28181.md, "Live view"). A GB device sends its RTP to
the worker whose platform it registered to, so the service cannot open it; the worker re-serves the
MPEG-PS it receives over HTTP, behind the relay's token."""

from __future__ import annotations

from command.live.hub import CameraSource
from watchpost.config import Camera, Gb28181, gb28181_channel


def relay_url(gb: Gb28181, camera_id: str) -> str:
    host = f"[{gb.relay_host}]" if ":" in gb.relay_host else gb.relay_host  # an IPv6 address
    return f"http://{host}:{gb.relay_port}/live/{camera_id}.ps"


def live_source(cam: Camera, gb: Gb28181) -> CameraSource:
    """The camera as the live view opens it. A GB camera without a relay keeps its gb28181:// url, which
    the feed refuses with the reason (the tile shows it)."""
    if gb28181_channel(cam.url) is None or not gb.relay_port:
        return CameraSource(cam.id, cam.url, cam.rtsp_transport)
    # The token goes in a header, not the url: urls end up in FFmpeg's messages and logs.
    return CameraSource(cam.id, relay_url(gb, cam.id), cam.rtsp_transport, av_format="mpeg",
                        headers=f"Authorization: Bearer {gb.relay_token}\r\n")
