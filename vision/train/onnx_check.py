"""Export a checkpoint to ONNX and check onnxruntime gives the same detections as the .pt."""

from __future__ import annotations

import shutil
from pathlib import Path

import cv2

from vision.eval.detectors import build_detector
from vision.eval.metrics import iou_matrix
from vision.detect.yolo_env import prepare_offline


def export_onnx(pt: Path, imgsz: int) -> Path:
    prepare_offline()
    from ultralytics import YOLO

    # simplify needs onnxslim, which is not installed offline; the plain graph runs the same. Dynamic
    # axes let the onnxruntime backend letterbox each frame to the same rectangle as the .pt model
    # (640x384 for 16:9, not the full square), so both give the same boxes, and fewer pixels cost less.
    produced = Path(YOLO(str(pt)).export(format="onnx", imgsz=imgsz, simplify=False, dynamic=True, verbose=False))
    target = pt.with_suffix(".onnx")
    if produced.resolve() != target.resolve():
        shutil.move(str(produced), target)
    return target


def compare(pt: Path, onnx: Path, images: list[Path], imgsz: int, conf: float = 0.25,
            iou_min: float = 0.9, conf_tol: float = 0.03) -> dict[str, object]:
    """Detections of both on each image: every .pt box above ``conf`` must have an ONNX twin."""
    a = build_detector(pt, keep=None, imgsz=imgsz, conf=conf)
    b = build_detector(onnx, keep=None, imgsz=imgsz, conf=conf)
    rows = []
    ok = True
    for p in images:
        img = cv2.imread(str(p))  # as it is: both letterbox it to the same rectangle
        da, db = a.detect(img), b.detect(img)
        matched = 0
        if da and db:
            ious = iou_matrix([d.box for d in da], [d.box for d in db])
            for i, d in enumerate(da):
                j = int(ious[i].argmax())
                if ious[i, j] >= iou_min and db[j].label == d.label and abs(db[j].conf - d.conf) <= conf_tol:
                    matched += 1
        # Boxes right at the threshold may flip; allow one such difference per image.
        same = abs(len(da) - len(db)) <= 1 and matched >= len(da) - 1
        ok &= same
        rows.append({"image": p.name, "pt": len(da), "onnx": len(db), "matched": matched, "same": same})
    return {"images": rows, "equivalent": ok, "conf": conf, "iou_min": iou_min, "conf_tol": conf_tol}
