"""The worker re-serves a GB/T 28181 camera's MPEG-PS to the service's live view (docs/gb28181.md, "Live view").

The device sends RTP to the worker, which INVITEs it for as long as it reads the camera; the service,
which opens every other camera itself for the consoles, cannot reach the device's stream. So the worker
hands the PS bytes it receives, as they come and untouched (no decoding, no re-encoding), to whoever
asks ``GET /live/<camera id>.ps`` with the relay's token (``vision.gb28181.relay_token``, as
``Authorization: Bearer``): the service's ``CameraFeed`` opens that with FFmpeg's ``mpeg`` demuxer, as
it opens an RTSP camera. Every viewer shares the one device stream; a new viewer first gets the bytes
since the last keyframe (``ps.KeyframeCache``), so its first picture is now, not at the next keyframe.

The relay never INVITEs: a camera this worker is not reading right now answers 503, and the service's
feed retries with its back-off. Across a re-INVITE (the device moved, went offline and came back) a
viewer's connection stays open and the new stream's bytes follow the old one's.

A device's recording played back (``gb_playback``) is served the same way at ``/playback/<session>.ps``: the
worker INVITEs it for that session alone, and its response ends when the device's file ends.
"""

from __future__ import annotations

import hmac
import logging
import queue
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

from vision.gb28181.ps import KeyframeCache

log = logging.getLogger(__name__)

MAX_VIEWERS = 16  # per camera: each service replica holds one connection per camera it shows
VIEWER_QUEUE = 2048  # RTP payloads (<= 1400 bytes): several seconds of video behind before a viewer is cut


class _Viewer:
    def __init__(self) -> None:
        self.queue: queue.Queue[bytes | None] = queue.Queue(VIEWER_QUEUE)
        self.cut = False  # fell too far behind: its connection is closed (its FFmpeg reconnects)


class PsFanout:
    """One camera's PS bytes to its viewers. Fed from the RTP receiver's thread; read by HTTP handlers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache = KeyframeCache()
        self._viewers: list[_Viewer] = []
        self.streams = 0  # device streams feeding it now (0: the worker is not reading the camera)

    def attach(self) -> None:
        with self._lock:
            self.streams += 1
            self._cache.reset()

    def detach(self) -> None:
        with self._lock:
            self.streams = max(0, self.streams - 1)
            self._cache.reset()

    def feed(self, data: bytes) -> None:
        with self._lock:
            self._cache.add(data)
            for v in list(self._viewers):
                try:
                    v.queue.put_nowait(data)
                except queue.Full:  # a stalled viewer: dropping bytes mid-stream would corrupt pictures
                    v.cut = True
                    self._viewers.remove(v)

    def join(self) -> _Viewer | None:
        """A new viewer, its queue starting with the bytes since the last keyframe; None when full."""
        with self._lock:
            if len(self._viewers) >= MAX_VIEWERS:
                return None
            v = _Viewer()
            if head := self._cache.snapshot():
                v.queue.put_nowait(head)
            self._viewers.append(v)
            return v

    def leave(self, v: _Viewer) -> None:
        with self._lock:
            if v in self._viewers:
                self._viewers.remove(v)

    @property
    def viewers(self) -> int:
        with self._lock:
            return len(self._viewers)

    def close(self) -> None:
        with self._lock:
            viewers, self._viewers = self._viewers, []
        for v in viewers:
            v.cut = True

    def end(self) -> None:
        """No more bytes will come (a playback's file ended): each viewer gets what is queued, then its end."""
        with self._lock:
            viewers, self._viewers = self._viewers, []
            self.streams = 0
        for v in viewers:
            try:
                v.queue.put_nowait(None)
            except queue.Full:
                v.cut = True


def authorized(header: str | None, token: str) -> bool | None:
    """None: no bearer token given (401); False: the wrong one (403); True: the relay's."""
    scheme, _, given = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return None
    return bool(token) and hmac.compare_digest(given.strip().encode(), token.encode())


def camera_of(path: str) -> str | None:
    """``/live/<camera id>.ps`` -> the camera id; None for any other path."""
    path = path.split("?", 1)[0]
    if not (path.startswith("/live/") and path.endswith(".ps")):
        return None
    cam = path[len("/live/"):-len(".ps")]
    return cam if cam and "/" not in cam else None


def session_of(path: str) -> str | None:
    """``/playback/<session>.ps`` -> the session; None for any other path."""
    path = path.split("?", 1)[0]
    if not (path.startswith("/playback/") and path.endswith(".ps")):
        return None
    name = path[len("/playback/"):-len(".ps")]
    return name if name and "/" not in name else None


def playback_path(session: str) -> str:
    return f"/playback/{session}.ps"


class PsRelay:
    """The relay's HTTP server and a fanout per ``gb28181://`` url. ``url_of`` maps a camera id to its url
    (None: not a camera of this config); ``idle_s`` ends a viewer's response when no stream feeds its
    camera for that long (the service's FFmpeg gives up sooner: its read timeout)."""

    def __init__(self, host: str, port: int, token: str, url_of: Callable[[str], str | None], idle_s: float = 10.0):
        self.host, self.port = host, port
        self.token, self.url_of, self.idle_s = token, url_of, idle_s
        self._fanouts: dict[str, PsFanout] = {}
        self._playbacks: dict[str, PsFanout] = {}  # session -> its fanout, while the device plays it back
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> "PsRelay":
        """Listen (OSError when the port cannot be had) and serve on a thread of its own."""
        self._server = ThreadingHTTPServer((self.host, self.port), _handler(self))
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, name="gb28181-relay", daemon=True).start()
        log.info("GB28181 live relay at http://%s:%d/live/<camera>.ps", self.host, self.port)
        return self

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            fans = [*self._fanouts.values(), *self._playbacks.values()]
        for f in fans:
            f.close()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def fanout(self, url: str) -> PsFanout:
        with self._lock:
            return self._fanouts.setdefault(url, PsFanout())

    def add_playback(self, session: str) -> PsFanout:
        fan = PsFanout()
        fan.attach()
        with self._lock:
            self._playbacks[session] = fan
        return fan

    def end_playback(self, session: str) -> None:
        with self._lock:
            fan = self._playbacks.pop(session, None)
        if fan is not None:
            fan.end()

    def playback(self, session: str) -> PsFanout | None:
        with self._lock:
            return self._playbacks.get(session)

    def streaming(self, url: str) -> PsFanout | None:
        with self._lock:
            f = self._fanouts.get(url)
        return f if f is not None and f.streams else None


def _handler(relay: PsRelay) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "watchpost-gb28181-relay"

        def log_message(self, fmt: str, *args: object) -> None:  # the stdlib writes every request to stderr
            log.debug("relay %s: " + fmt, self.client_address[0], *args)

        def _refuse(self, code: int, why: str) -> None:
            self.send_response(code)
            if code == 401:
                self.send_header("WWW-Authenticate", 'Bearer realm="gb28181-relay"')
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            body = (why + "\n").encode()
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
            ok = authorized(self.headers.get("Authorization"), relay.token)
            if not ok:
                log.info("GB28181 relay: %s from %s refused (%s token)", self.path[:100], self.client_address[0],
                         "no" if ok is None else "wrong")
                return self._refuse(401 if ok is None else 403, "a bearer token is needed" if ok is None
                                    else "wrong token")
            if (session := session_of(self.path)) is not None:
                fan = relay.playback(session)
                if fan is None:  # never started here, or its file ended: asking again cannot help
                    return self._refuse(404, "no such playback session (ended?)")
                name = f"playback {session}"
            else:
                cam = camera_of(self.path)
                url = relay.url_of(cam) if cam else None
                if url is None:
                    return self._refuse(404, "not a gb28181:// camera")
                fan = relay.streaming(url)
                if fan is None:
                    return self._refuse(503, f"camera {cam}: this worker is not receiving its stream now")
                name = f"camera {cam}"
            viewer = fan.join()
            if viewer is None:
                return self._refuse(503, f"{name}: too many viewers")
            try:
                self.send_response(200)
                self.send_header("Content-Type", "video/MP2P")
                self.send_header("Cache-Control", "no-store")
                self.end_headers()  # HTTP/1.0: the body runs until the connection closes
                self._pass(fan, viewer)
            except OSError:  # the viewer went away
                pass
            finally:
                fan.leave(viewer)

        def _pass(self, fan: PsFanout, viewer: _Viewer) -> None:
            idle = 0.0
            while not relay._stopping.is_set() and not viewer.cut:
                try:
                    data = viewer.queue.get(timeout=0.5)
                except queue.Empty:
                    idle = idle + 0.5 if not fan.streams else 0.0
                    if idle >= relay.idle_s:
                        return
                    continue
                if data is None:
                    return
                chunks = [data]
                while len(chunks) < 64 and not viewer.queue.empty():  # whatever else is waiting: one write
                    chunks.append(viewer.queue.get_nowait() or b"")
                self.wfile.write(b"".join(chunks))

    return Handler
