"""`watchpost vision train` ships an ONNX twin of each checkpoint: dynamic axes, same detections (VID-13)."""

from __future__ import annotations

import shutil
from pathlib import Path

import onnxruntime as ort

from vision.train.onnx_check import compare, export_onnx

ROOT = Path(__file__).resolve().parents[2]


def test_export_has_dynamic_axes_and_matches_the_checkpoint(tmp_path: Path, shared_dir: Path) -> None:
    pt = tmp_path / "best.pt"
    shutil.copyfile(ROOT / "models" / "firesmoke" / "best.pt", pt)
    onnx = export_onnx(pt, 640)
    assert onnx == tmp_path / "best.onnx"
    shape = ort.InferenceSession(str(onnx), providers=["CPUExecutionProvider"]).get_inputs()[0].shape
    assert not isinstance(shape[2], int) and not isinstance(shape[3], int)  # any letterbox rectangle
    fire = sorted((shared_dir / "data" / "firesmoke" / "images" / "val").glob("f8_*.jpg"))[:2]
    room = sorted((shared_dir / "data" / "person" / "images" / "val").glob("*.jpg"))[:1]  # 16:9
    check = compare(pt, onnx, fire + room, 640)
    assert check["equivalent"], check
    assert sum(int(r["pt"]) for r in check["images"]) >= 2  # fire was found, so the match means something
