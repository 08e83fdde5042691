"""Detectors as the harness sees them: an image in, labelled boxes out.

The harness runs the project's detector plugins (``vision.detect``, VID-13), so the numbers
measure what the worker actually runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from watchpost.config import Detector as DetectorConfig



@dataclass(frozen=True)
class Det:
    label: str
    conf: float
    box: tuple[float, float, float, float]  # x1, y1, x2, y2 in pixels


class ImageDetector(Protocol):
    labels: tuple[str, ...]

    def detect(self, image_bgr: np.ndarray, source: Path | None = None) -> list[Det]: ...


class PluginImageDetector:
    """A project detector plugin (``vision.detect``, VID-13) seen one image at a time, boxes in pixels."""

    def __init__(self, plugin: object) -> None:
        self.plugin = plugin
        self.labels = tuple(c.lower() for c in plugin.classes)  # type: ignore[attr-defined]

    def detect(self, image_bgr: np.ndarray, source: Path | None = None) -> list[Det]:
        h, w = image_bgr.shape[:2]
        (dets,) = self.plugin.detect([image_bgr])  # type: ignore[attr-defined]
        return [Det(d.cls.lower(), float(d.score), (d.x1 * w, d.y1 * h, d.x2 * w, d.y2 * h)) for d in dets]


def build_detector(
    weights: str | Path, keep: tuple[str, ...] | None, imgsz: int = 640, conf: float = 0.001,
    backend: str = "auto", device: str = "cpu", threads: int = 0,
) -> ImageDetector:
    """The worker's own detector plugin, so the harness measures what the worker runs."""
    from vision.detect.registry import load_detector

    plugin = load_detector(backend, str(weights), classes=list(keep) if keep else None, imgsz=imgsz,
                           device=device, threads=threads, conf=conf)
    return PluginImageDetector(plugin)


FIRESMOKE_LABELS = ("fire", "smoke")
PERSON_LABELS = ("person",)


def configured_detector(det_cfg: DetectorConfig, labels: tuple[str, ...], conf: float = 0.001) -> ImageDetector:
    """The worker's fire/smoke (``FIRESMOKE_LABELS``, with its context pass) or person (``PERSON_LABELS``)
    detector as ``vision.detector`` sets it up: weights, input size, backend, device and threads."""
    if labels == FIRESMOKE_LABELS:
        from vision.detect.context_view import load_fire_smoke

        return PluginImageDetector(load_fire_smoke(det_cfg, conf))
    if labels == PERSON_LABELS:
        return build_detector(det_cfg.person_weights, labels, det_cfg.imgsz, conf, backend=det_cfg.backend,
                              device=det_cfg.device, threads=det_cfg.threads)
    raise ValueError(f"no configured detector for labels {labels}")


class MultiDetector:
    """Several detectors on the same frame (fire/smoke model + person model)."""

    def __init__(self, parts: list[ImageDetector]) -> None:
        self.parts = parts
        self.labels = tuple(label for p in parts for label in p.labels)

    def detect(self, image_bgr: np.ndarray, source: Path | None = None) -> list[Det]:
        out: list[Det] = []
        for p in self.parts:
            out.extend(p.detect(image_bgr, source))
        return out


class PredictionsDetector:
    """Detections computed elsewhere (another vendor's algorithm, VID-13), read from JSON.

    Format: ``{"<image file name>": [[label, conf, x1, y1, x2, y2], ...], ...}`` in pixels;
    an image missing from the file has no detections.
    """

    def __init__(self, path: str | Path) -> None:
        import json

        try:
            raw = json.loads(Path(path).read_text())
        except (OSError, ValueError) as exc:
            raise ValueError(f"{path}: cannot read predictions: {exc}") from None
        if not isinstance(raw, dict):
            raise ValueError(f"{path}: predictions must be an object keyed by image file name")
        self._by_name: dict[str, list[Det]] = {}
        labels: set[str] = set()
        for name, rows in raw.items():
            dets = []
            for i, r in enumerate(rows):
                if not (isinstance(r, list) and len(r) == 6):
                    raise ValueError(f"{path}: {name}[{i}]: expected [label, conf, x1, y1, x2, y2]")
                dets.append(Det(str(r[0]).lower(), float(r[1]), (float(r[2]), float(r[3]), float(r[4]), float(r[5]))))
                labels.add(str(r[0]).lower())
            self._by_name[name] = dets
        self.labels = tuple(sorted(labels))

    def detect(self, image_bgr: np.ndarray, source: Path | None = None) -> list[Det]:
        if source is None:
            raise ValueError("predictions are looked up by image file name; no source given")
        return list(self._by_name.get(Path(source).name, []))
