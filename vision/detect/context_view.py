"""A second fire/smoke pass that shows the detector the whole frame as a small picture with a border.

The fire/smoke model learned fire as an object inside a wider scene. A fire seen close up runs past
the frame's edges, and it scores near zero: val fire recall falls to 0.34 when only the middle of a
fire is in view, and a real top-down flame-front video got no detection at all. Shrunk into a grey
canvas, the same frame shows the fire with an edge all round again, and the same weights find it
(models/firesmoke/card.md, "Context view"). The extra pass runs at a small input size (a tenth more
detector time per val image, measured), and it keeps only the classes it is there for (fire).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import cv2
import numpy as np

from vision.detect.base import Detection, Detector, merge_passes

if TYPE_CHECKING:
    from watchpost.config import Detector as DetectorConfig

PAD_GREY = (114, 114, 114)  # ultralytics' letterbox grey: the border the model already sees as nothing


def shrink_into_canvas(frame: np.ndarray, scale: float) -> tuple[np.ndarray, float, float]:
    """The frame shrunk by ``scale`` and centred in a grey canvas of the frame's own size.

    Returns the canvas and the content's top-left corner as a fraction of the canvas (ox, oy).
    """
    h, w = frame.shape[:2]
    sw, sh = max(1, round(w * scale)), max(1, round(h * scale))
    ox, oy = (w - sw) // 2, (h - sh) // 2
    canvas = np.empty_like(frame)
    canvas[:] = PAD_GREY
    canvas[oy:oy + sh, ox:ox + sw] = cv2.resize(frame, (sw, sh), interpolation=cv2.INTER_AREA)
    return canvas, ox / w, oy / h


def from_canvas(d: Detection, scale: float, ox: float, oy: float) -> Detection | None:
    """A detection on the canvas in the frame's normalised coordinates; None if it lies on the border."""
    x1, x2 = (min(1.0, max(0.0, (v - ox) / scale)) for v in (d.x1, d.x2))
    y1, y2 = (min(1.0, max(0.0, (v - oy) / scale)) for v in (d.y1, d.y2))
    if x2 <= x1 or y2 <= y1:
        return None
    return Detection(d.cls, d.score, x1, y1, x2, y2)


def merge(main: list[Detection], extra: list[Detection], iou: float = 0.5) -> list[Detection]:
    """Both passes' boxes, a box dropped when a kept box of its class from the other pass overlaps it
    (IoU >= ``iou``)."""
    return merge_passes(main, extra, lambda k, d: k.cls == d.cls and k.iou(d) >= iou)


class ContextViewDetector(Detector):
    """The fire/smoke detector plus its context pass, behind the same plugin contract."""

    def __init__(self, main: Detector, context: Detector, scale: float, labels: list[str],
                 min_area: float = 0.1, min_score: float = 0.35) -> None:
        if not 0 < scale < 1:
            raise ValueError(f"context view scale must be in (0, 1), got {scale}")
        self.main, self.context, self.scale, self.labels = main, context, scale, set(labels)
        self.min_area, self.min_score = min_area, min_score
        self.name = f"{main.name}+context@{scale:g}"
        self.classes = list(main.classes)

    def load(self) -> None:  # both parts arrive loaded from the registry
        pass

    def detect(self, frames: list[np.ndarray]) -> list[list[Detection]]:
        if not frames:
            return []
        main = self.main.detect(frames)
        views = [shrink_into_canvas(f, self.scale) for f in frames]
        extra = self.context.detect([canvas for canvas, _, _ in views])
        out = []
        for dets, more, (_, ox, oy) in zip(main, extra, views):
            # Only large, confident boxes: the pass is there for fires that fill the view. A small box
            # is a blurrier copy of what the main pass sees at full size (they cost val AP50), and the
            # shrunk frame shows less detail: it called red clothes and orange chairs fire at 0.22-0.26.
            mapped = [m for m in (from_canvas(d, self.scale, ox, oy) for d in more
                                  if d.cls in self.labels and d.score >= self.min_score)
                      if m and m.area >= self.min_area]
            out.append(merge(dets, mapped))
        return out


def canvas_scale(scale: float, imgsz: int, runs_at: int) -> float:
    """The shrink factor that gives the network the frame at the size the settings mean. The settings
    (``scale`` of a canvas seen at ``imgsz``) put the frame at ``scale * imgsz`` pixels; a static exported
    graph runs at its own size ``runs_at`` whatever it is asked, so the frame shrinks further to match."""
    return scale * imgsz / runs_at if runs_at > imgsz else scale


def load_fire_smoke(d: DetectorConfig, conf: float = 0.05) -> Detector:
    """The fire/smoke detector as ``vision.detector`` sets it up, with its context pass when enabled:
    what the worker runs and the harness measures."""
    from vision.detect.registry import load_detector

    kw = dict(classes=["fire", "smoke"], device=d.device, threads=d.threads, conf=conf)
    main = load_detector(d.backend, d.fire_smoke_weights, imgsz=d.fire_smoke_imgsz, **kw)  # type: ignore[arg-type]
    cv = d.fire_smoke_context_view
    if not cv.enabled:
        return main
    context = load_detector(d.backend, d.fire_smoke_weights, imgsz=cv.imgsz, **kw)  # type: ignore[arg-type]
    scale = canvas_scale(cv.scale, cv.imgsz, getattr(context, "input_size", cv.imgsz))
    return ContextViewDetector(main, context, scale, list(cv.labels), cv.min_area, cv.min_score)
