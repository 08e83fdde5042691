"""One box per plume: merge a class's touching or nearby label boxes into their union.

The `fa` source's labellers drew every smoke puff as its own box (3.8 boxes an image, median 1 % of the image),
while `f8` draws one box round a plume, and the model, trained on both, draws one. Trained on fragments, the
model learns that smoke is many small puffs. Merging each image's boxes of a class that overlap or lie within
``gap`` (a share of the image) of each other into their union gives one box per plume; a scratch check on val
showed the same detections scoring higher against merged labels (models/firesmoke/card.md).
"""

from __future__ import annotations

Box = tuple[float, float, float, float]  # x1, y1, x2, y2, normalised


def _near(a: Box, b: Box, gap: float) -> bool:
    return not (a[2] + gap < b[0] or b[2] + gap < a[0] or a[3] + gap < b[1] or b[3] + gap < a[1])


def merge_boxes(boxes: list[Box], gap: float) -> list[Box]:
    """Unions of the groups of ``boxes`` linked by overlap or a distance under ``gap``, until none is near
    another (a union can reach a box none of its parts reached)."""
    out = [tuple(b) for b in boxes]
    changed = True
    while changed:
        changed = False
        merged: list[Box] = []
        for b in out:
            for i, m in enumerate(merged):
                if _near(b, m, gap):
                    merged[i] = (min(b[0], m[0]), min(b[1], m[1]), max(b[2], m[2]), max(b[3], m[3]))
                    changed = True
                    break
            else:
                merged.append(b)  # type: ignore[arg-type]
        out = merged  # type: ignore[assignment]
    return out  # type: ignore[return-value]


def merge_label_text(text: str, class_id: int, gap: float) -> str:
    """A YOLO label file's text with class ``class_id``'s boxes merged; other lines kept as they are."""
    keep, boxes = [], []
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        if int(float(parts[0])) != class_id:
            keep.append(line.strip())
            continue
        cx, cy, w, h = map(float, parts[1:5])
        boxes.append((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2))
    for x1, y1, x2, y2 in merge_boxes(boxes, gap):
        keep.append(f"{class_id} {(x1 + x2) / 2:.6f} {(y1 + y2) / 2:.6f} {x2 - x1:.6f} {y2 - y1:.6f}")
    return "\n".join(keep) + ("\n" if keep else "")
