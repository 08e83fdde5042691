"""One camera's live stream, opened once however many consoles watch it (VID-5, VID-11).

A thread demuxes the camera's video packets (PyAV) and hands each to every subscriber. It keeps
the packets since the last keyframe, so a new viewer starts from that keyframe at once instead of
waiting up to a whole GOP for the next one: that is most of a fast call-up. H.264 is passed
through untouched (Annex B, parameter sets in front of every keyframe). Frames are decoded here,
once, only while someone needs them (a WebRTC viewer of a codec the browser cannot take, or the
MJPEG stream, which shares one JPEG per frame among its viewers).

The feed reconnects by itself with backoff and reports its state (``online``, ``error``) for
the tiles; it closes when its last subscriber has been gone for ``linger_s``.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

log = logging.getLogger(__name__)

MAX_GOP_PACKETS = 600  # a stream with no keyframe for this long is not cached further


@dataclass
class Subscriber:
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue
    want: str  # "packet" (H.264 passthrough) | "frame" (decoded, for an encoder) | "jpeg" (MJPEG)

    def put(self, item: Any) -> None:
        def put_now() -> None:
            if self.queue.full():  # a slow viewer drops old data rather than growing without end
                try:
                    self.queue.get_nowait()
                except asyncio.QueueEmpty:
                    pass
            self.queue.put_nowait(item)

        self.loop.call_soon_threadsafe(put_now)


@dataclass
class FeedState:
    online: bool = False
    error: str = ""
    codec: str = ""
    width: int = 0
    height: int = 0
    fps: float = 0.0
    started_at: float = field(default_factory=time.time)
    packets: int = 0
    last_packet_at: float = field(default_factory=time.monotonic)

    def silent_for(self) -> float:
        return time.monotonic() - self.last_packet_at


class CameraFeed:
    """Demux ``url`` for as long as anyone subscribes; ``subscribe`` for packets or frames."""

    def __init__(self, camera_id: str, url: str, *, rtsp_transport: str = "tcp", loop_file: bool = True,
                 linger_s: float = 10.0, open_timeout_s: float = 5.0, av_format: str = "", headers: str = "",
                 on_close: Callable[["CameraFeed"], None] | None = None):
        self.camera_id = camera_id
        self.url = url
        self.rtsp_transport = rtsp_transport
        self.av_format = av_format  # e.g. "mpeg" for a GB camera's relay (PS over HTTP has no name FFmpeg probes by)
        self.headers = headers
        self.loop_file = loop_file
        self.linger_s = linger_s
        self.open_timeout_s = open_timeout_s
        self.on_close = on_close
        self.state = FeedState()
        self.passthrough: bool | None = None  # known once the stream is open: H.264 or not
        self._subs: list[Subscriber] = []
        self._gop: list[Any] = []  # since the last keyframe, as sent to passthrough viewers
        self._raw_gop: list[Any] = []  # the same as demuxed, for a decoder starting mid-GOP
        self._lock = threading.Lock()
        self._halt = threading.Event()
        self._opened = threading.Event()
        # Idle from the start: a feed nobody subscribes to (its caller gave up) still closes.
        self._idle_since: float | None = time.monotonic()
        self._held_until = 0.0
        self._thread = threading.Thread(target=self._run, name=f"live-{camera_id}", daemon=True)
        self._thread.start()

    # -- subscribers ---------------------------------------------------------------------------
    def wait_open(self, timeout_s: float) -> bool:
        return self._opened.wait(timeout_s)

    def subscribe(self, want: str, loop: asyncio.AbstractEventLoop, maxsize: int = 120) -> Subscriber:
        sub = Subscriber(loop, asyncio.Queue(maxsize=maxsize), want)
        with self._lock:
            if want == "packet":
                for p in self._gop:  # start from the last keyframe, now
                    sub.put(p)
            self._subs.append(sub)
            self._idle_since = None
        return sub

    def hold(self, seconds: float) -> None:
        """Stay open ``seconds`` from now even with nobody watching (then linger as usual)."""
        with self._lock:
            self._held_until = max(self._held_until, time.monotonic() + seconds)
            if not self._subs:
                self._idle_since = time.monotonic()

    def unsubscribe(self, sub: Subscriber) -> None:
        with self._lock:
            if sub in self._subs:
                self._subs.remove(sub)
            if not self._subs:
                self._idle_since = time.monotonic()

    @property
    def viewers(self) -> int:
        with self._lock:
            return len(self._subs)

    def close(self) -> None:
        self._halt.set()

    @property
    def closed(self) -> bool:
        return self._halt.is_set()

    # -- the thread ----------------------------------------------------------------------------
    def _idle_too_long(self) -> bool:
        with self._lock:
            now = time.monotonic()
            return (self._idle_since is not None and now > self._held_until
                    and now - max(self._idle_since, self._held_until) > self.linger_s)

    def _run(self) -> None:
        backoff = 0.5
        try:
            while not self._halt.is_set():
                try:
                    self._stream()
                    self.state.online, self.state.error = False, self.state.error or "the camera's stream ended"
                    backoff = 0.5
                except Exception as exc:  # av raises many kinds; each means "not now"
                    self.state.online, self.state.error = False, f"{type(exc).__name__}: {exc}"[:300]
                    with self._lock:
                        self._gop = []  # stale pictures must not greet the next viewer
                    log.info("live %s: %s (retry in %.1f s)", self.camera_id, self.state.error, backoff)
                    self._opened.set()  # waiters learn the error instead of timing out
                    self._halt.wait(backoff)
                    backoff = min(backoff * 2, 5.0)  # a camera back from an outage shows within ~5 s
                if self._idle_too_long():
                    break
        finally:
            self._halt.set()
            for sub in list(self._subs):
                sub.put(None)  # the tracks end
            if self.on_close is not None:
                self.on_close(self)

    def _stream(self) -> None:
        import av

        # FFmpeg probes a stream for up to 5 s before it says what it holds. A camera's SDP already
        # names the codec and carries its SPS (the size), and the relay needs nothing else, so an
        # RTSP camera is barely probed (measured: open 3.7 s -> 0.3 s, docs/benchmarks.md "Live
        # video"); other sources get a short probe, as their format is found from their bytes.
        options = {"rw_timeout": str(int(self.open_timeout_s * 1e6)), "timeout": str(int(self.open_timeout_s * 1e6)),
                   "fflags": "nobuffer", "analyzeduration": "250000", "probesize": "262144"}
        if self.url.startswith(("rtsp://", "rtsps://")):
            options |= {"rtsp_transport": self.rtsp_transport, "analyzeduration": "50000", "probesize": "32"}
        if self.av_format:  # a GB camera's relay: each viewer starts at the last keyframe (vision/gb28181/relay.py)
            # Keep what the probe reads: with nobuffer FFmpeg drops it, and here it is that keyframe (it cost a
            # whole GOP, docs/gb28181.md "Live view"). The keyframe alone nearly fills a short probe.
            del options["fflags"]
            options |= {"analyzeduration": "100000", "probesize": "32768"}
        if self.headers:
            options["headers"] = self.headers
        container = av.open(self.url, format=self.av_format or None, options=options, timeout=self.open_timeout_s)
        try:
            stream = container.streams.video[0]
            codec = stream.codec_context.name
            self.passthrough = codec == "h264"
            fps = float(stream.average_rate or stream.guessed_rate or 10)
            # Online once video flows, not when the socket opens: a relay or a camera that is up but
            # sends nothing must read as offline, and its last error stays until then.
            self.state = FeedState(online=False, error=self.state.error, codec=codec, width=stream.codec_context.width,
                                   height=stream.codec_context.height, fps=fps)
            bsf = _annexb_filter(stream) if self.passthrough else None
            self._raw_gop = []
            file_like = not self.url.startswith(("rtsp://", "rtsps://", "http://", "https://"))
            t0, first_pts, offset, last_pts, decoding = time.monotonic(), None, 0, 0, False
            frame_step = max(1, int(1 / (fps * float(stream.time_base)))) if stream.time_base else 1
            while not self._halt.is_set():
                if self._idle_too_long():
                    return
                for packet in container.demux(stream):
                    if self._halt.is_set() or self._idle_too_long():
                        return
                    if not packet.size:
                        continue
                    if packet.pts is None:
                        # FFmpeg leaves some packets of a live MPEG-PS (a GB camera's relay) without a time,
                        # keyframes among them: skipping one cost a viewer a whole GOP. One frame on from the last.
                        packet.pts = packet.dts if packet.dts is not None else last_pts - offset + frame_step
                    if file_like:  # a file plays at its own pace, like the camera it stands for
                        first_pts = packet.pts if first_pts is None else first_pts
                        due = t0 + float((packet.pts - first_pts) * packet.time_base)
                        delay = due - time.monotonic()
                        if delay > 0:
                            time.sleep(min(delay, 1.0))
                    self.state.packets += 1
                    self.state.last_packet_at = time.monotonic()
                    if not self.state.online:
                        self.state.online, self.state.error = True, ""
                        self._opened.set()
                    # A looping file starts again at pts 0: carry on from where it was, as a camera would.
                    packet.pts += offset
                    packet.dts = None if packet.dts is None else packet.dts + offset
                    last_pts = packet.pts
                    decoding = self._decode(packet, decoding)
                    if self.passthrough:
                        for out in (bsf.filter(packet) if bsf is not None else [packet]):
                            self._publish_packet(out)
                if not (file_like and self.loop_file):
                    return
                container.seek(0)
                t0, first_pts, offset = time.monotonic(), None, last_pts + frame_step
        finally:
            container.close()

    def _decode(self, packet: Any, decoding: bool) -> bool:
        """Decode only while someone needs pictures. A decoder must start at a keyframe (mid-GOP
        it paints grey blocks): when pictures are first wanted mid-GOP, the packets since the
        last keyframe are decoded at once, unshown, so the first picture is this one rather
        than the next keyframe's (measured: re-encoded call-up p50 452 -> 64 ms, docs/benchmarks.md)."""
        wanted = self._wants("frame", "jpeg")
        if packet.is_keyframe:
            self._raw_gop = []
        elif not wanted:
            if self._raw_gop and len(self._raw_gop) < MAX_GOP_PACKETS:
                self._raw_gop.append(packet)
            return False
        if wanted and not decoding and not packet.is_keyframe:
            if not self._raw_gop:
                return False  # no keyframe seen yet: wait for one
            for cached in self._raw_gop:
                for _ in cached.decode():
                    pass
        if packet.is_keyframe or self._raw_gop:
            self._raw_gop.append(packet)
        if not wanted:
            return False
        for frame in packet.decode():
            self._publish(frame, "frame")
            if self._wants("jpeg"):
                self._publish(_jpeg(frame), "jpeg")
        return True

    def _publish_packet(self, packet: Any) -> None:
        with self._lock:
            if packet.is_keyframe:
                self._gop = [packet]
            elif self._gop and len(self._gop) < MAX_GOP_PACKETS:
                self._gop.append(packet)
            subs = [s for s in self._subs if s.want == "packet"]
        for s in subs:
            s.put(packet)

    def _wants(self, *kinds: str) -> bool:
        with self._lock:
            return any(s.want in kinds for s in self._subs)

    def _publish(self, item: Any, want: str) -> None:
        with self._lock:
            subs = [s for s in self._subs if s.want == want]
        for s in subs:
            s.put(item)


def _annexb_filter(stream: Any) -> Any:
    """H.264 from MP4 is length-prefixed with its parameter sets in the container; WebRTC wants
    Annex B with SPS/PPS in front of each keyframe. RTSP streams are Annex B already: repeat
    their parameter sets in band so a viewer joining at a keyframe can decode it."""
    from av.bitstream import BitStreamFilterContext

    extradata = bytes(stream.codec_context.extradata or b"")
    name = "h264_mp4toannexb" if extradata[:1] == b"\x01" else "dump_extra"
    return BitStreamFilterContext(name, stream)


def _jpeg(frame: Any, quality: int = 80) -> bytes:
    import cv2

    ok, buf = cv2.imencode(".jpg", frame.to_ndarray(format="bgr24"), [cv2.IMWRITE_JPEG_QUALITY, quality])
    return buf.tobytes() if ok else b""
