"""Training views of fire and smoke seen close up: square crops that cut through a labelled box (VID-1, VID-2).

The detector trained on whole scenes learned fire as an object inside a scene: with only the middle
of a fire in view it misses most of them (``vision.eval.close_ups``: val fire recall 0.80 -> 0.34
at fill 2.5), and a real flame front filling a fixed camera's view got no detection. ultralytics'
own scale augmentation zooms in at most 1.5x and mosaic shrinks images, so training never shows a
fire larger than the frame. These views do: for each large fire or smoke box, square crops centred
at a random point of the box's middle, whose side is the box's longer side / fill (fill drawn above
1, so the box runs past the crop's edges), with every label clipped to the crop.

Views come from the train split only; val stays untouched for the harness.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from vision.eval.close_ups import square_crop
from vision.eval.dataset import load_image_set, to_pixels

# Fire only: smoke close-ups already score well (close_ups fill 2.5: 0.75 against 0.61 for the full
# image), and grey crops of smoke would teach "grey = smoke", the worst false alarm on plain walls.
CLOSE_UP_CLASSES = ("fire",)
DEFAULT_FILLS = (1.2, 2.5)  # box side / crop side: from a fifth past the edges to the middle 40 %
MIN_BOX = 0.15      # box's longer side / image side: smaller fires are not "close up" material
MIN_SIDE_PX = 160   # no crop smaller than this: upscaling a few dozen pixels to 640 teaches blur
KEEP_VISIBLE = 0.3  # keep a clipped label when this much of its box is in the crop...
KEEP_COVER = 0.15   # ...or when it covers this much of the crop (a fire filling the view)
MIN_EDGE = 0.04     # clipped boxes thinner than this (of the crop side) are slivers: dropped

PxBox = tuple[int, float, float, float, float]  # class id, x1, y1, x2, y2 in pixels
YoloBox = tuple[int, float, float, float, float]  # class id, cx, cy, w, h normalised to the crop


@dataclass(frozen=True)
class View:
    image: np.ndarray
    labels: list[YoloBox]


def clip_labels(boxes: list[PxBox], ix: int, iy: int, side: int) -> list[YoloBox]:
    """``boxes`` seen through the side x side window at (ix, iy), as YOLO labels of that window."""
    out: list[YoloBox] = []
    for cls, x1, y1, x2, y2 in boxes:
        cx1, cy1 = max(x1, ix), max(y1, iy)
        cx2, cy2 = min(x2, ix + side), min(y2, iy + side)
        if cx2 <= cx1 or cy2 <= cy1:
            continue
        w, h = cx2 - cx1, cy2 - cy1
        if min(w, h) < MIN_EDGE * side:
            continue
        visible = w * h / max((x2 - x1) * (y2 - y1), 1e-9)
        cover = w * h / side**2
        if visible < KEEP_VISIBLE and cover < KEEP_COVER:
            continue
        out.append((cls, ((cx1 + cx2) / 2 - ix) / side, ((cy1 + cy2) / 2 - iy) / side, w / side, h / side))
    return out


def views_of(image: np.ndarray, boxes: list[PxBox], classes: set[int], per_box: int,
             fills: tuple[float, float], rng: random.Random) -> list[View]:
    """``per_box`` close-up views of each large box of ``classes`` in ``image``."""
    h, w = image.shape[:2]
    lo, hi = fills
    views: list[View] = []
    for cls, x1, y1, x2, y2 in boxes:
        longer = max(x2 - x1, y2 - y1)
        if cls not in classes or longer < MIN_BOX * max(h, w):
            continue
        hi_fill = min(hi, longer / MIN_SIDE_PX)
        if hi_fill < lo:
            continue
        for _ in range(per_box):
            side = max(1, round(longer / rng.uniform(lo, hi_fill)))
            # Centre somewhere in the middle half of the box: the fire stays in view but not always centred.
            cx = rng.uniform(x1 + (x2 - x1) / 4, x2 - (x2 - x1) / 4)
            cy = rng.uniform(y1 + (y2 - y1) / 4, y2 - (y2 - y1) / 4)
            ix, iy = round(cx - side / 2), round(cy - side / 2)
            views.append(View(square_crop(image, ix, iy, side), clip_labels(boxes, ix, iy, side)))
    return views


def write_views(data_dir: Path, out: Path, class_names: set[str], per_box: int, fills: tuple[float, float],
                seed: int = 0, split: str = "train") -> int:
    """Write close-up views of ``split`` to ``out/images/cu_*.jpg`` and ``out/labels/cu_*.txt``; return how many."""
    if not 1.0 <= fills[0] <= fills[1]:
        raise ValueError(f"close-up fills must satisfy 1 <= low <= high, got {fills}")
    rng = random.Random(seed)
    image_set = load_image_set(data_dir, split)
    ids = {name: i for i, name in image_set.names.items()}
    classes = {ids[n] for n in class_names if n in ids}
    (out / "images").mkdir(parents=True, exist_ok=True)
    (out / "labels").mkdir(parents=True, exist_ok=True)
    n = 0
    for item in image_set.images:
        if not any(ids[b[0]] in classes for b in item.boxes):
            continue
        img = cv2.imread(str(item.path))
        if img is None:
            continue
        h, w = img.shape[:2]
        boxes = [(ids[c], *to_pixels(cx, cy, bw, bh, w, h)) for c, cx, cy, bw, bh in item.boxes]
        for k, view in enumerate(views_of(img, boxes, classes, per_box, fills, rng)):
            stem = f"cu_{item.path.stem}_{k}"
            cv2.imwrite(str(out / "images" / f"{stem}.jpg"), view.image, [cv2.IMWRITE_JPEG_QUALITY, 92])
            (out / "labels" / f"{stem}.txt").write_text(
                "".join(f"{c} {x:.6f} {y:.6f} {bw:.6f} {bh:.6f}\n" for c, x, y, bw, bh in view.labels))
            n += 1
    return n
