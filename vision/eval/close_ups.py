"""Fire/smoke recall when the fire or smoke fills the frame or runs past its edges (VID-1, VID-2).

Real footage of a fire seen close up (``vision.datasets.fire_video_set``: a flame front running
across a fixed camera's whole view) got no detection at all, while the same detector finds fire
as an object in a wider scene. This measures that on any labelled image set: each large enough
ground-truth box is cut out as a square crop whose side is the box's longer side / ``fill``
(grey padding where the crop leaves the image). ``fill`` < 1: the whole box in view, zoomed;
``fill`` > 1: only the middle of the fire or smoke is in view, its edges outside the frame. The
detector, at the rule's threshold, must find that class overlapping the box (clipped to the
crop; IoU >= 0.3) in the full image and in each crop.

    python -m vision.eval.close_ups ../shared/data/firesmoke [--split val] [--fill 0.5 0.9 1.5 2.5]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np

from vision.detect.context_view import PAD_GREY
from vision.eval.dataset import load_image_set, to_pixels
from vision.eval.detectors import FIRESMOKE_LABELS, Det, ImageDetector, configured_detector
from vision.eval.harness import alarm_thresholds
from vision.eval.metrics import iou_matrix
from watchpost.config import load_config

HIT_IOU = 0.3
MAX_FILL = 4.0


def zoom_crop(image: np.ndarray, box: tuple[float, float, float, float],
              fill: float) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """A square crop centred on ``box`` (x1, y1, x2, y2 px) whose side is the box's longer side / fill.

    Returns the crop and the box in the crop's pixels, clipped to the crop; parts outside the
    image are grey.
    """
    if not 0 < fill <= MAX_FILL:
        raise ValueError(f"fill must be in (0, {MAX_FILL:g}], got {fill}")
    x1, y1, x2, y2 = box
    side = max(x2 - x1, y2 - y1) / fill
    s, ix, iy = max(1, round(side)), round((x1 + x2 - side) / 2), round((y1 + y2 - side) / 2)
    return square_crop(image, ix, iy, s), (max(0.0, x1 - ix), max(0.0, y1 - iy), min(float(s), x2 - ix),
                                           min(float(s), y2 - iy))


def square_crop(image: np.ndarray, ix: int, iy: int, side: int) -> np.ndarray:
    """The ``side`` x ``side`` window whose top-left corner is (ix, iy); grey where it leaves the image."""
    h, w = image.shape[:2]
    pad = max(0, -ix, -iy, ix + side - w, iy + side - h)
    padded = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=PAD_GREY) if pad else image
    return padded[iy + pad:iy + pad + side, ix + pad:ix + pad + side]


def found(dets: list[Det], cls: str, box: tuple[float, float, float, float], threshold: float) -> bool:
    boxes = [d.box for d in dets if d.label == cls and d.conf >= threshold]
    return bool(boxes) and float(iou_matrix([box], boxes).max()) >= HIT_IOU


def analyse(set_dir: Path, split: str | None, detector: ImageDetector, thresholds: dict[str, float],
            fills: list[float], min_box: float = 0.15) -> dict[str, object]:
    """Per class: how many boxes (longer side >= ``min_box`` of the image's) are found in the full
    image and in the crop at each fill."""
    counts: dict[str, dict[str, int]] = {c: {"boxes": 0, "full": 0, **{f"fill_{f:g}": 0 for f in fills}}
                                         for c in thresholds}
    for item in load_image_set(set_dir, split).images:
        big = [b for b in item.boxes if b[0] in thresholds and max(b[3], b[4]) >= min_box]
        if not big:
            continue
        img = cv2.imread(str(item.path))
        h, w = img.shape[:2]
        full = detector.detect(img, item.path)
        for cls, cx, cy, bw, bh in big:
            box = to_pixels(cx, cy, bw, bh, w, h)
            c = counts[cls]
            c["boxes"] += 1
            c["full"] += found(full, cls, box, thresholds[cls])
            for f in fills:
                crop, cbox = zoom_crop(img, box, f)
                c[f"fill_{f:g}"] += found(detector.detect(crop, item.path), cls, cbox, thresholds[cls])
    recall = {cls: {k: round(v / c["boxes"], 3) for k, v in c.items() if k != "boxes"} if c["boxes"] else {}
              for cls, c in counts.items()}
    return {"thresholds": thresholds, "min_box": min_box, "hit_iou": HIT_IOU, "counts": counts, "recall": recall}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("set", type=Path)
    ap.add_argument("--split", default="val")
    ap.add_argument("--fill", type=float, nargs="+", default=[0.5, 0.9, 1.5, 2.5],
                    help="box's longer side / crop side: < 1 the whole box zoomed, > 1 only its middle in view")
    ap.add_argument("--min-box", type=float, default=0.15, help="smallest box (longer side / image side) to use")
    args = ap.parse_args(argv)
    for f in args.fill:
        if not 0 < f <= MAX_FILL:
            ap.error(f"--fill: {f} is not in (0, {MAX_FILL:g}]")
    cfg = load_config()
    thresholds = {c: t for c, t in alarm_thresholds(cfg, None).items() if c in FIRESMOKE_LABELS}
    detector = configured_detector(cfg.vision.detector, FIRESMOKE_LABELS, conf=0.05)
    res = analyse(args.set, args.split, detector, thresholds, args.fill, args.min_box)
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
