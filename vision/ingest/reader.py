"""A camera reader thread: decode, keep the latest frame and a short JPEG ring for clips,
reconnect with backoff, and report health. One bad stream cannot stall the others."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field

import cv2

from vision.ingest.sources import Frame, SourceError, open_frames
from watchpost.config import Camera
from watchpost.events import CameraHealth

log = logging.getLogger(__name__)


@dataclass
class RingItem:
    t: float
    wall: float
    jpeg: bytes


@dataclass
class Health:
    frames_in: int = 0
    decode_errors: int = 0
    reconnects: int = 0
    last_frame_wall: float | None = None
    fps_window: deque = field(default_factory=lambda: deque(maxlen=50))


class CameraReader(threading.Thread):
    def __init__(self, camera: Camera, ring_s: float = 10.0, ring_fps: float = 5.0, max_backoff_s: float = 10.0,
                 realtime: bool = True, ring_width: int = 960):
        super().__init__(name=f"cam-{camera.id}", daemon=True)
        self.camera = camera
        self.health = Health()
        self.ring: deque[RingItem] = deque()
        self.ring_s = ring_s
        self.ring_every = 1.0 / ring_fps
        self.ring_width = ring_width
        self.max_backoff_s = max_backoff_s
        self.realtime = realtime
        self._latest: Frame | None = None
        self._latest_seq = 0
        self._lock = threading.Lock()
        self._halt = threading.Event()
        self._listeners: list = []  # callables receiving every ring item (clip writers)

    # -- consumers -------------------------------------------------------------------------
    def latest(self) -> tuple[int, Frame | None]:
        with self._lock:
            return self._latest_seq, self._latest

    def ring_since(self, wall: float) -> list[RingItem]:
        with self._lock:
            return [r for r in self.ring if r.wall >= wall]

    def add_listener(self, fn) -> None:
        with self._lock:
            self._listeners.append(fn)

    def remove_listener(self, fn) -> None:
        with self._lock:
            if fn in self._listeners:
                self._listeners.remove(fn)

    def snapshot_health(self, worker_id: str) -> CameraHealth:
        h = self.health
        now = time.time()
        recent = [w for w in h.fps_window if now - w <= 5.0]
        age = None if h.last_frame_wall is None else now - h.last_frame_wall
        return CameraHealth(camera_id=self.camera.id, worker_id=worker_id,
                            online=age is not None and age < self.camera.offline_after_s,
                            fps_in=len(recent) / 5.0, decode_errors=h.decode_errors, last_frame_age_s=age)

    def stop(self) -> None:
        self._halt.set()

    # -- the thread ------------------------------------------------------------------------
    def run(self) -> None:
        backoff = 0.5
        last_ring = 0.0
        while not self._halt.is_set():
            try:
                # The substream when the camera names one: decoding the main stream is most of a camera's cost.
                url = self.camera.detect_url or self.camera.url
                for frame in open_frames(url, rtsp_transport=self.camera.rtsp_transport,
                                         loop=self.camera.loop, realtime=self.realtime):
                    if self._halt.is_set():
                        return
                    backoff = 0.5
                    self._on_frame(frame)
                    if frame.wall - last_ring >= self.ring_every:
                        last_ring = frame.wall
                        self._to_ring(frame)
                if not self.camera.loop:
                    return
            except SourceError as exc:
                self.health.decode_errors += 1
                log.warning("camera %s: %s (retry in %.1fs)", self.camera.id, exc, backoff)
            self.health.reconnects += 1
            self._halt.wait(backoff)
            backoff = min(backoff * 2, self.max_backoff_s)

    def _on_frame(self, frame: Frame) -> None:
        with self._lock:
            self._latest = frame
            self._latest_seq += 1
        self.health.frames_in += 1
        self.health.last_frame_wall = frame.wall
        self.health.fps_window.append(frame.wall)

    def _to_ring(self, frame: Frame) -> None:
        # Clips and recordings are kept at up to ring_width: a 1080p JPEG per frame would cost
        # more CPU than detection itself on a small box.
        ok, buf = cv2.imencode(".jpg", frame.scaled(self.ring_width), [cv2.IMWRITE_JPEG_QUALITY, 85])
        if not ok:
            return
        item = RingItem(frame.t, frame.wall, buf.tobytes())
        with self._lock:
            self.ring.append(item)
            while self.ring and frame.wall - self.ring[0].wall > self.ring_s:
                self.ring.popleft()
            listeners = list(self._listeners)
        for fn in listeners:
            fn(item)
