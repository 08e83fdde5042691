"""Zone geometry in normalised image coordinates."""

from __future__ import annotations

from shapely.geometry import Point, Polygon, box

from vision.detect.base import Detection
from watchpost.config import Zone


class ZoneSet:
    """Detect zones (none = whole frame) and masks for one camera."""

    def __init__(self, zones: list[Zone]):
        self.detect = [Polygon(z.polygon) for z in zones if z.kind == "detect"]
        self.masks = [Polygon(z.polygon) for z in zones if z.kind == "mask"]

    def admits(self, d: Detection) -> bool:
        b = box(d.x1, d.y1, d.x2, d.y2)
        if b.area <= 0:
            return False
        # A box mostly under a mask (a flare stack, a lit sign) is ignored.
        if any(b.intersection(m).area / b.area > 0.5 for m in self.masks):
            return False
        return not self.detect or any(b.intersects(z) for z in self.detect)


def in_post(d: Detection, post: Polygon, min_overlap: float) -> bool:
    """A person counts at the post if enough of their box is over it, or their feet or centre are in it."""
    b = box(d.x1, d.y1, d.x2, d.y2)
    if b.area > 0 and b.intersection(post).area / b.area >= min_overlap:
        return True
    cx = (d.x1 + d.x2) / 2
    return post.contains(Point(cx, d.y2)) or post.contains(Point(cx, (d.y1 + d.y2) / 2))
