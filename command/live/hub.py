"""Live video for the consoles: WebRTC (aiortc) from one feed per camera, and MJPEG over HTTP for
other systems and browsers without WebRTC (VID-5, VID-10, VID-11).

WebRTC is LAN only (``RTCConfiguration(iceServers=[])``: host candidates, no STUN or TURN). An
H.264 camera is passed through without re-encoding; any other codec is decoded once by its feed
and encoded per viewer by aiortc (VP8). Peer connections close with the browser, or when their
camera's feed ends; a feed closes when nobody has watched it for ``linger_s``.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any, AsyncIterator

from command.live.feed import CameraFeed, Subscriber

log = logging.getLogger(__name__)
STALE_S = 2.0  # a feed with no packet for this long is not shown as live


def _track_classes():  # aiortc is imported when live video is first asked for
    from aiortc import MediaStreamTrack
    from aiortc.mediastreams import MediaStreamError

    class FeedTrack(MediaStreamTrack):
        """What a feed subscriber receives, as a WebRTC video track (packets or frames)."""

        kind = "video"

        def __init__(self, feed: CameraFeed, sub: Subscriber):
            super().__init__()
            self.feed, self.sub = feed, sub

        async def recv(self):  # noqa: ANN202
            item = await self.sub.queue.get()
            if item is None:
                self.stop()
                raise MediaStreamError
            return item

        def stop(self) -> None:
            self.feed.unsubscribe(self.sub)
            super().stop()

    return FeedTrack


def without_mdns(sdp: str) -> str:
    """The offer without its mDNS host candidates (``<uuid>.local``, how browsers hide LAN
    addresses). Resolving them cost a whole second of every call-up (measured); the browser's
    connectivity checks reach the service's own candidates anyway, and ICE learns the browser's
    address from them (a peer-reflexive candidate)."""
    lines = sdp.replace("\r\n", "\n").split("\n")
    kept = [ln for ln in lines if not (ln.startswith("a=candidate:") and ".local " in ln)]
    return "\r\n".join(kept)


class BadOffer(ValueError):
    """The browser's SDP offer cannot be answered (malformed, or no video it can receive)."""


@dataclass
class CameraSource:
    camera_id: str
    url: str
    rtsp_transport: str = "tcp"
    av_format: str = ""  # the demuxer, where the url does not say (a GB camera's relay: "mpeg", MPEG-PS)
    headers: str = field(default="", repr=False)  # HTTP request headers (the relay's token)


class LiveHub:
    def __init__(self, linger_s: float = 10.0, open_timeout_s: float = 5.0):
        self.linger_s = linger_s
        self.open_timeout_s = open_timeout_s
        self.feeds: dict[str, CameraFeed] = {}
        self.peers: set[Any] = set()

    # -- feeds ---------------------------------------------------------------------------------
    def feed(self, src: CameraSource) -> CameraFeed:
        f = self.feeds.get(src.camera_id)
        if f is None or f.closed:
            f = self.feeds[src.camera_id] = CameraFeed(src.camera_id, src.url, rtsp_transport=src.rtsp_transport,
                                                       av_format=src.av_format, headers=src.headers,
                                                       linger_s=self.linger_s, open_timeout_s=self.open_timeout_s,
                                                       on_close=self._forget)
        return f

    def _forget(self, feed: CameraFeed) -> None:
        if self.feeds.get(feed.camera_id) is feed:
            del self.feeds[feed.camera_id]

    def warm(self, src: CameraSource, hold_s: float) -> CameraFeed:
        """Open the camera's feed now and keep it open ``hold_s`` with nobody watching."""
        f = self.feed(src)
        f.hold(hold_s)
        return f

    def status(self, camera_id: str) -> dict[str, Any]:
        f = self.feeds.get(camera_id)
        if f is None or f.closed:
            return {"camera_id": camera_id, "open": False, "viewers": 0}
        st = f.state
        return {"camera_id": camera_id, "open": True, "online": st.online, "error": st.error, "codec": st.codec,
                "passthrough": f.passthrough, "width": st.width, "height": st.height, "fps": st.fps,
                "viewers": f.viewers}

    async def opened(self, src: CameraSource) -> CameraFeed:
        """The camera's feed once its stream is open; LookupError naming why it is not."""
        f = self.feed(src)
        await asyncio.get_running_loop().run_in_executor(None, f.wait_open, self.open_timeout_s)
        if not f.state.online:
            raise LookupError(f.state.error or f"camera {src.camera_id} did not answer within {self.open_timeout_s:g} s")
        # Connected but silent (the camera stopped sending; the socket has not timed out yet).
        silent = f.state.silent_for()
        if silent > max(STALE_S, 3 / (f.state.fps or 1)):
            raise LookupError(f"no video from camera {src.camera_id} for {silent:.0f} s")
        return f

    # -- WebRTC --------------------------------------------------------------------------------
    async def answer(self, src: CameraSource, offer_sdp: str) -> str:
        """Answer a browser's offer with the camera's video; the SDP answer."""
        from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
        from aiortc.rtcrtpsender import RTCRtpSender

        if "\nm=video " not in offer_sdp.replace("\r\n", "\n"):
            raise BadOffer("the offer has no video section (m=video) to answer with the camera")
        feed = await self.opened(src)
        loop = asyncio.get_running_loop()
        # Pass H.264 through only to a browser that offers H.264; any other gets VP8.
        passthrough = bool(feed.passthrough) and "H264/90000" in offer_sdp
        track = _track_classes()(feed, feed.subscribe("packet" if passthrough else "frame", loop))
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.peers.add(pc)

        @pc.on("connectionstatechange")
        async def _state() -> None:
            if pc.connectionState in ("failed", "closed"):
                await self._close(pc, track)

        try:
            # Codecs are chosen when the offer is read: the sending transceiver and its preference
            # (H.264 to pass the camera's own stream through, else VP8 from decoded frames) first.
            want = "video/H264" if passthrough else "video/VP8"
            sender = pc.addTransceiver(track, direction="sendonly")
            sender.setCodecPreferences([c for c in RTCRtpSender.getCapabilities("video").codecs
                                        if c.mimeType in (want, "video/rtx")])
            try:
                await pc.setRemoteDescription(RTCSessionDescription(sdp=without_mdns(offer_sdp), type="offer"))
            except Exception as exc:  # aiortc's parser raises what it meets: all mean a bad offer
                raise BadOffer(f"not a usable SDP offer: {type(exc).__name__}: {exc}"[:300]) from None
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception:
            await self._close(pc, track)
            raise
        return pc.localDescription.sdp

    async def _close(self, pc: Any, track: Any) -> None:
        track.stop()
        self.peers.discard(pc)
        await pc.close()

    # -- MJPEG ---------------------------------------------------------------------------------
    async def mjpeg(self, src: CameraSource, boundary: str) -> AsyncIterator[bytes]:
        """multipart/x-mixed-replace parts, one JPEG each, shared by every MJPEG viewer."""
        feed = await self.opened(src)
        sub = feed.subscribe("jpeg", asyncio.get_running_loop(), maxsize=2)
        try:
            while True:
                jpeg = await sub.queue.get()
                if jpeg is None:
                    return
                yield (f"--{boundary}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n".encode()
                       + jpeg + b"\r\n")
        finally:
            feed.unsubscribe(sub)

    async def close(self) -> None:
        for pc in list(self.peers):
            await pc.close()
        self.peers.clear()
        for f in list(self.feeds.values()):
            f.close()
