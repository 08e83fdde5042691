"""Find a detector backend by name (entry-point group ``watchpost.detectors``) and its weights."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

from vision.detect.base import Detector

REPO = Path(__file__).resolve().parents[2]
BUILTIN = {"ultralytics": "vision.detect.ultralytics_backend:UltralyticsDetector",
           "onnxruntime": "vision.detect.onnx_backend:OnnxRuntimeDetector"}


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


BY_SUFFIX = {".pt": "ultralytics", ".onnx": "onnxruntime"}


def backend_for(backend: str, weights: str | Path) -> str:
    """``auto`` picks the built-in backend for the weights' format; any other name is kept."""
    if backend != "auto":
        return backend
    suffix = Path(weights).suffix.lower()
    if suffix not in BY_SUFFIX:
        raise ValueError(f"{weights}: backend 'auto' knows {', '.join(BY_SUFFIX)} weights; name a backend for "
                         f"{suffix or 'this file'}")
    return BY_SUFFIX[suffix]


def load_detector(backend: str, weights: str, *, classes: list[str] | None = None, imgsz: int = 640,
                  device: str = "cpu", threads: int = 0, conf: float = 0.05) -> Detector:
    cls = backend_class(backend_for(backend, weights))
    det = cls(resolve_weights(weights), classes=classes, imgsz=imgsz, device=device, threads=threads, conf=conf)
    det.load()
    return det
