"""Detector loading and replay of a video file through the real worker path, in simulated time."""

from __future__ import annotations

import time
from pathlib import Path

import av

from vision.detect.base import Detector
from vision.detect.context_view import load_fire_smoke
from vision.detect.registry import load_detector
from vision.processor import CameraProcessor, detectors_needed
from vision.rules.events import RuleEvent
from watchpost.config import Camera, Config


def load_detectors(config: Config, needs: set[str] | None = None) -> dict[str, Detector]:
    """Load the detectors the configured cameras need (or ``needs``): "firesmoke", "person"."""
    d = config.vision.detector
    if needs is None:
        needs = set()
        for cam in config.vision.cameras:
            needs |= detectors_needed(cam)
        needs = needs or {"firesmoke"}
    out: dict[str, Detector] = {}
    if "firesmoke" in needs:
        out["firesmoke"] = load_fire_smoke(d)
    if "person" in needs:
        out["person"] = load_detector(d.backend, d.person_weights, classes=["person"], imgsz=d.imgsz,
                                      device=d.device, threads=d.threads)
    return out


def replay_file(path: str | Path, camera: Camera, config: Config, detectors: dict[str, Detector] | None = None,
                realtime: bool = False) -> list[RuleEvent]:
    """Rule events raised on ``path``: frames sampled at the camera's detect_fps in the clip's own
    time base, through motion gate, detectors and rules — the worker's code, not a shortcut."""
    if detectors is None:
        detectors = load_detectors(config, detectors_needed(camera))
    proc = CameraProcessor(camera, config, detectors)
    events: list[RuleEvent] = []
    step = 1.0 / camera.detect_fps
    next_t = 0.0
    start = time.monotonic()
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        t0 = None
        for frame in container.decode(stream):
            if frame.pts is None:
                continue
            t = float(frame.pts * frame.time_base)
            t0 = t if t0 is None else t0
            t -= t0
            if t + 1e-6 < next_t:
                continue
            next_t += step * max(1, int((t - next_t) / step) + 1)
            if realtime:
                delay = t - (time.monotonic() - start)
                if delay > 0:
                    time.sleep(delay)
            events.extend(e for e in proc.process([(frame.to_ndarray(format="bgr24"), t)]) if e.kind == "raised")
    return events
