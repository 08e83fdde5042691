"""Open a camera URL and yield decoded frames. PyAV (FFmpeg) for RTSP, HTTP/MJPEG and files;
OpenCV for USB devices; for ``gb28181://`` the opener the worker's GB/T 28181 platform registers."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Callable, Iterator

import numpy as np


class Frame:
    """A decoded frame. Conversion to a BGR array is done only when someone asks (detection
    samples 2 fps of a 25 fps stream), and smaller copies come straight from the decoder's
    scaler, so a 1080p stream costs little between detections."""

    __slots__ = ("_av", "_image", "_lock", "t", "wall")

    def __init__(self, image: np.ndarray | None, t: float, wall: float, av_frame=None):  # noqa: ANN001
        self._image = image
        self._av = av_frame
        # The detect thread and the reader's ring both convert the same decoder frame; FFmpeg's
        # scaler is not safe to run on one frame from two threads at once (it crashes).
        self._lock = threading.Lock()
        self.t = t  # seconds in the stream's own time base (pts), monotonic across file loops
        self.wall = wall  # time.time() when the frame was read (capture time for latency)

    @property
    def image(self) -> np.ndarray:
        with self._lock:
            if self._image is None:
                self._image = self._av.to_ndarray(format="bgr24")
                self._av = None
            return self._image

    def scaled(self, max_width: int) -> np.ndarray:
        """A BGR copy no wider than ``max_width`` (aspect kept)."""
        with self._lock:
            src = self._av
            if src is not None and src.width > max_width:
                h = int(round(src.height * max_width / src.width / 2)) * 2
                return src.reformat(width=max_width, height=h, format="bgr24").to_ndarray()
        img = self.image
        if img.shape[1] <= max_width:
            return img
        import cv2

        h = int(round(img.shape[0] * max_width / img.shape[1]))
        return cv2.resize(img, (max_width, h), interpolation=cv2.INTER_AREA)


class SourceError(Exception):
    pass


# Schemes served by a part of this process, not by FFmpeg: scheme -> opener(url, timeout_s) yielding frames.
# The vision worker registers "gb28181" while its GB/T 28181 platform runs (vision/gb28181/worker_platform.py).
Opener = Callable[[str, float], Iterator[Frame]]
_OPENERS: dict[str, Opener] = {}


def register_scheme(scheme: str, opener: Opener) -> None:
    _OPENERS[scheme] = opener


def unregister_scheme(scheme: str, opener: Opener) -> None:
    if _OPENERS.get(scheme) is opener:
        del _OPENERS[scheme]


def kind_of(url: str) -> str:
    if url.startswith("gb28181://"):
        return "gb28181"
    if url.startswith(("rtsp://", "rtsps://")):
        return "rtsp"
    if url.startswith(("http://", "https://")):
        return "http"
    if url.startswith("usb:"):
        return "usb"
    return "file"


def open_options(url: str, rtsp_transport: str, timeout_s: float) -> dict[str, str]:
    """FFmpeg's options for opening ``url``: give up after ``timeout_s`` of silence; RTSP over ``rtsp_transport``."""
    options = {"rw_timeout": str(int(timeout_s * 1e6)), "timeout": str(int(timeout_s * 1e6))}
    if kind_of(url) == "rtsp":
        options["rtsp_transport"] = rtsp_transport
    return options


def open_frames(url: str, *, rtsp_transport: str = "tcp", loop: bool = True, realtime: bool = True,
                timeout_s: float = 10.0) -> Iterator[Frame]:
    """Frames from ``url`` until it ends (files loop when ``loop``) or fails (raises SourceError)."""
    kind = kind_of(url)
    if kind == "gb28181":
        opener = _OPENERS.get(kind)
        if opener is None:
            raise SourceError(f"{url}: no GB/T 28181 platform runs in this process (vision.gb28181.enabled)")
        yield from opener(url, timeout_s)
        return
    if kind == "usb":
        yield from _usb_frames(int(url[4:] or 0))
        return
    import av

    options = open_options(url, rtsp_transport, timeout_s)
    if kind == "file" and not Path(url).exists():
        raise SourceError(f"file not found: {url}")
    offset = 0.0
    while True:
        try:
            container = av.open(url, options=options, timeout=timeout_s)
        except Exception as exc:  # av raises many error types; all mean "not now"
            raise SourceError(f"cannot open {url}: {exc}") from exc
        try:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            start_wall = time.time()
            last_t = 0.0
            for packet_frame in container.decode(stream):
                if packet_frame.pts is None:
                    continue
                t = float(packet_frame.pts * packet_frame.time_base) if packet_frame.time_base else last_t
                if kind == "file" and realtime:
                    # Play files at their own speed so a looped clip behaves like a camera.
                    delay = (t - (stream.start_time or 0) * float(stream.time_base or 0)) - (time.time() - start_wall)
                    if delay > 0:
                        time.sleep(min(delay, 1.0))
                last_t = t
                yield Frame(None, offset + t, time.time(), av_frame=packet_frame)
        except av.error.EOFError:
            pass
        except Exception as exc:
            raise SourceError(f"decode failed on {url}: {exc}") from exc
        finally:
            container.close()
        if kind != "file" or not loop:
            return
        offset += last_t + 0.1


def _usb_frames(index: int) -> Iterator[Frame]:
    import cv2

    cap = cv2.VideoCapture(index)
    if not cap.isOpened():
        raise SourceError(f"USB camera {index} cannot be opened")
    t0 = time.monotonic()
    try:
        while True:
            ok, img = cap.read()
            if not ok:
                raise SourceError(f"USB camera {index} stopped delivering frames")
            yield Frame(img, time.monotonic() - t0, time.time())
    finally:
        cap.release()
