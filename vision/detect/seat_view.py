"""A second person pass on each duty post's own region, so a seat in a wide view is seen up close.

A duty post is a small part of a wide camera. At a 640 px detector input a 1080p frame shrinks three
times, and a seated person 60 px wide behind a monitor becomes 20 px: the detector loses them, and the
off-post rule calls an occupied seat empty. Cut out around the post (with a margin, so the person's
outline and the desk are in view) and handed to the same detector, the seat fills the input and the
person is 200+ px again. The post's boxes are mapped back to the frame and merged with the full pass as
NMS across the two passes would keep them (``base.merge_passes``).

Pure geometry here; the camera processor and the worker decide when to run it (vision/processor.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vision.detect.base import Detection, merge_passes


@dataclass(frozen=True)
class Region:
    """A rectangle of the frame, normalised xyxy."""

    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def longer_side(self) -> float:
        return max(self.x2 - self.x1, self.y2 - self.y1)


def post_region(polygon: list[list[float]] | list[tuple[float, float]], margin: float) -> Region:
    """The post's bounding box grown by ``margin`` of its own size on every side, kept inside the frame."""
    xs, ys = [p[0] for p in polygon], [p[1] for p in polygon]
    w, h = max(xs) - min(xs), max(ys) - min(ys)
    return Region(max(0.0, min(xs) - margin * w), max(0.0, min(ys) - margin * h),
                  min(1.0, max(xs) + margin * w), min(1.0, max(ys) + margin * h))


def regions_for(posts: list[list[list[float]]], margin: float, below: float,
                frame_aspect: float = 16 / 9) -> list[Region]:
    """The seat views a camera needs: one per post, posts whose views overlap sharing one (a row of desks
    is one crop, not one per desk), and none for a view that would cover ``below`` or more of the frame's
    longer side (the full pass already sees it that large). ``frame_aspect`` (w / h) compares widths and
    heights in pixels."""
    regions = [post_region(p, margin) for p in posts]
    merged: list[Region] = []
    for r in regions:
        for i, m in enumerate(merged):
            if not (r.x2 < m.x1 or m.x2 < r.x1 or r.y2 < m.y1 or m.y2 < r.y1):
                merged[i] = Region(min(r.x1, m.x1), min(r.y1, m.y1), max(r.x2, m.x2), max(r.y2, m.y2))
                break
        else:
            merged.append(r)

    def share(r: Region) -> float:  # the view's longer side in pixels as a share of the frame's longer side
        w_px, h_px = (r.x2 - r.x1) * frame_aspect, r.y2 - r.y1
        return max(w_px, h_px) / max(frame_aspect, 1.0)

    return [r for r in merged if share(r) < below]


def cut(frame: np.ndarray, region: Region) -> np.ndarray:
    """The region's pixels (the detector's letterbox scales them up to its input)."""
    h, w = frame.shape[:2]
    x1, y1 = int(region.x1 * w), int(region.y1 * h)
    x2, y2 = max(x1 + 1, int(round(region.x2 * w))), max(y1 + 1, int(round(region.y2 * h)))
    return frame[y1:y2, x1:x2]


def from_region(d: Detection, region: Region) -> Detection:
    """A detection on the cut-out in the frame's normalised coordinates."""
    rw, rh = region.x2 - region.x1, region.y2 - region.y1
    return Detection(d.cls, d.score, region.x1 + d.x1 * rw, region.y1 + d.y1 * rh,
                     region.x1 + d.x2 * rw, region.y1 + d.y2 * rh)


def _same_thing(a: Detection, b: Detection) -> bool:
    # A person cut by the view's edge is a truncated box inside the full pass's box of them: IoU alone
    # would keep both, and a post needing two people would count one person twice.
    if a.cls != b.cls:
        return False
    smaller = min(a.area, b.area)
    return a.iou(b) >= 0.5 or (smaller > 0 and a.intersection(b) / smaller >= 0.6)


def merge(full: list[Detection], seat: list[Detection]) -> list[Detection]:
    """The full pass's boxes and the seat views' (already in frame coordinates); a box showing what a kept
    box of the other pass shows is dropped."""
    return merge_passes(full, seat, _same_thing)
