"""The shipped detectors load (.pt and .onnx) and find what is labelled in a few dev images (VID-1..3, VID-13)."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest

from vision.eval.dataset import load_image_set
from vision.eval.detectors import build_detector
from vision.eval.metrics import iou_matrix

ROOT = Path(__file__).resolve().parents[2]


def _hits(weights: Path, set_dir: Path, label: str, imgsz: int, n: int = 4, conf: float = 0.25) -> int:
    if not weights.is_file():
        pytest.skip(f"{weights} not shipped yet")
    det = build_detector(weights, keep=(label,), imgsz=imgsz, conf=conf)
    items = [i for i in load_image_set(set_dir, "val").images if any(b[0] == label for b in i.boxes)][:n]
    hits = 0
    for item in items:
        img = cv2.imread(str(item.path))
        h, w = img.shape[:2]
        gt = [((cx - bw / 2) * w, (cy - bh / 2) * h, (cx + bw / 2) * w, (cy + bh / 2) * h)
              for c, cx, cy, bw, bh in item.boxes if c == label]
        dets = det.detect(img)
        assert all(d.label == label for d in dets)
        if dets and (iou_matrix([d.box for d in dets], gt) >= 0.3).any():
            hits += 1
    return hits


@pytest.mark.parametrize("ext", ["pt", "onnx"])
def test_person_detector_finds_people(shared_dir: Path, ext: str) -> None:
    """VID-3: the person model finds labelled people in indoor CCTV frames."""
    assert _hits(ROOT / "models" / "person" / f"best.{ext}", shared_dir / "data" / "person", "person", 640, n=2) == 2


@pytest.mark.parametrize("ext", ["pt", "onnx"])
def test_firesmoke_detector_finds_fire(shared_dir: Path, ext: str) -> None:
    """VID-1: the fire/smoke model finds labelled fire in most of a few val images."""
    assert _hits(ROOT / "models" / "firesmoke" / f"best.{ext}", shared_dir / "data" / "firesmoke", "fire", 320) >= 2
