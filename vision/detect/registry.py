"""Find a detector backend by name (entry-point group ``watchpost.detectors``) and its weights."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

from vision.detect.base import Detector

REPO = Path(__file__).resolve().parents[2]
BUILTIN = {"ultralytics": "vision.detect.ultralytics_backend:UltralyticsDetector"}


def resolve_weights(path: str | Path) -> Path:
    p = Path(path)
    for candidate in ([p] if p.is_absolute() else [Path.cwd() / p, REPO / p]):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"detector weights not found: {path} (looked in {Path.cwd()} and {REPO})")


def backend_class(backend: str) -> type[Detector]:
    for ep in entry_points(group="watchpost.detectors"):
        if ep.name == backend:
            return ep.load()
    if backend in BUILTIN:
        import importlib

        module, attr = BUILTIN[backend].split(":")
        return getattr(importlib.import_module(module), attr)
    names = sorted({ep.name for ep in entry_points(group="watchpost.detectors")} | set(BUILTIN))
    raise ValueError(f"unknown detector backend {backend!r}; installed: {', '.join(names)}")


def load_detector(backend: str, weights: str, *, classes: list[str] | None = None, imgsz: int = 640,
                  device: str = "cpu", threads: int = 0, conf: float = 0.05) -> Detector:
    cls = backend_class(backend)
    det = cls(resolve_weights(weights), classes=classes, imgsz=imgsz, device=device, threads=threads, conf=conf)
    det.load()
    return det
