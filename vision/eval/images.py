"""Score a detector on a labelled image set: per-class P/R/AP, confusion, hard negatives."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

from vision.eval.dataset import ImageSet, to_pixels
from vision.eval.detectors import Det, ImageDetector
from vision.eval.metrics import BACKGROUND, ClassStats, ImageLevelStats, confusion_with_background

log = logging.getLogger(__name__)


@dataclass
class ImageOutcome:
    """One image's result, kept for the HTML report's example frames."""

    path: Path
    gt: list[tuple[str, tuple[float, float, float, float]]]
    dets: list[Det]  # above the alarm threshold
    fp: int
    fn: int


@dataclass
class ImageEval:
    report: dict[str, object]
    outcomes: list[ImageOutcome] = field(default_factory=list)


def _interp_curve(rec: np.ndarray, prec: np.ndarray, points: int = 101) -> dict[str, list[float]]:
    """Interpolated precision (envelope) at evenly spaced recall: a compact, plottable PR curve."""
    grid = np.linspace(0, 1, points)
    if len(rec) == 0:
        return {"recall": grid.round(3).tolist(), "precision": [0.0] * points}
    env = np.maximum.accumulate(prec[::-1])[::-1]
    idx = np.searchsorted(rec, grid, side="left")
    vals = np.where(idx < len(env), env[np.minimum(idx, len(env) - 1)], 0.0)
    return {"recall": grid.round(3).tolist(), "precision": vals.round(4).tolist()}


def _num(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and np.isnan(x)) else round(float(x), 4)


SWEEP = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7)


def _sweep(st: ClassStats, per_image: ImageLevelStats, neg_max: list[float]) -> list[dict[str, float | None]]:
    """Box P/R/F1, image recall and the share of negative images alarmed by this class, per candidate
    threshold.

    This is what the alarm thresholds in the rules are tuned on (docs/evaluation.md).
    """
    rows = []
    for t in SWEEP:
        s = st.summary(t)
        p, r = float(s["precision"]), float(s["recall"])  # type: ignore[arg-type]
        f1 = 2 * p * r / (p + r) if p + r > 0 else 0.0
        neg = sum(1 for m in neg_max if m >= t) / len(neg_max) if neg_max else None
        rows.append({"threshold": t, "precision": _num(p), "recall": _num(r), "f1": _num(f1),
                     "image_recall": _num(per_image.summary(t)["recall"]),  # type: ignore[arg-type]
                     "negative_images_alarmed": _num(neg) if neg is not None else None})
    return rows


def source_of(path: Path) -> str:
    """The source tag of an image: a short alphanumeric prefix before the first underscore
    (the developer sets' ``f8_…``, ``fa_…``, ``cn_…``; an evaluator's ``cam03_…``), else ""."""
    head, sep, _ = path.name.partition("_")
    return head if sep and head.isalnum() and len(head) <= 8 else ""


@dataclass
class _Tally:
    """Box and image-level statistics of each class over one group of images."""

    classes: list[str]
    images: int = 0
    negatives: int = 0  # images with no labelled box
    negatives_alarmed: int = 0  # of those, images with a detection at the alarm threshold
    boxes: dict[str, ClassStats] = field(init=False)
    per_image: dict[str, ImageLevelStats] = field(init=False)

    def __post_init__(self) -> None:
        self.boxes = {c: ClassStats(c) for c in self.classes}
        self.per_image = {c: ImageLevelStats(c) for c in self.classes}

    def add(self, dets: list[Det], gt: list[tuple[str, tuple[float, float, float, float]]],
            alarmed: bool) -> None:
        self.images += 1
        if not gt:
            self.negatives += 1
            self.negatives_alarmed += alarmed
        for c in self.classes:
            mine = [d for d in dets if d.label == c]
            truth = [b for gc, b in gt if gc == c]
            self.boxes[c].add([d.box for d in mine], [d.conf for d in mine], truth)
            self.per_image[c].add([d.box for d in mine], [d.conf for d in mine], truth)

    def image_level(self, c: str, conf: float) -> dict[str, object]:
        s = self.per_image[c].summary(conf)
        return {"images_with_class": s["positives"], "images_alarmed": s["alarmed"], "ap": _num(s["ap"]),  # type: ignore[arg-type]
                "recall": _num(s["recall"]), "located_recall": _num(s["located_recall"]),  # type: ignore[arg-type]
                "precision": _num(s["precision"])}  # type: ignore[arg-type]

    def brief(self, alarm_conf: dict[str, float]) -> dict[str, object]:
        """Per class: box AP50 / P / R at the alarm threshold and the image-level figures; and how many
        negative images alarmed."""
        out: dict[str, object] = {}
        for c in self.classes:
            t = alarm_conf.get(c, 0.5)
            s = self.boxes[c].summary(t)
            out[c] = {"n_gt": s["n_gt"], "ap50": _num(s["ap50"]), "precision": _num(s["precision"]),  # type: ignore[arg-type]
                      "recall": _num(s["recall"]), "image_level": self.image_level(c, t)}  # type: ignore[arg-type]
        return {"n_images": self.images, "classes": out, "negative_images": self.negatives,
                "negatives_alarmed": self.negatives_alarmed}


def evaluate_images(
    image_set: ImageSet,
    detector: ImageDetector,
    alarm_conf: dict[str, float],
    iou_confusion: float = 0.5,
    group_of: Callable[[Path], str] | None = None,
) -> ImageEval:
    """Run ``detector`` over every image (low score floor) and score it against the labels.

    Only classes present in both the set's ``names`` and the detector's labels are scored;
    the others are listed under ``not_evaluated`` so a missing detector is visible.
    ``alarm_conf`` is the per-class alarm threshold used for P/R, confusion and negatives.
    ``group_of`` (e.g. ``source_of``) also scores each group of images on its own, under ``by_source``.
    """
    set_classes = list(dict.fromkeys(image_set.names.values()))
    classes = [c for c in set_classes if c in detector.labels]
    total = _Tally(classes)
    groups: dict[str, _Tally] = {}
    confusion: Counter[tuple[str, str]] = Counter()
    negatives = 0
    neg_fp: list[dict[str, object]] = []
    neg_max: dict[str, list[float]] = {c: [] for c in classes}  # per negative image, top score per class
    outcomes: list[ImageOutcome] = []
    for n, item in enumerate(image_set.images):
        img = cv2.imread(str(item.path))
        if img is None:
            raise ValueError(f"{item.path}: cannot decode image")
        h, w = img.shape[:2]
        gt = [
            (c, to_pixels(cx, cy, bw, bh, w, h))
            for c, cx, cy, bw, bh in item.boxes
        ]
        dets = [d for d in detector.detect(img, item.path) if d.label in total.boxes]
        alarm = [d for d in dets if d.conf >= alarm_conf.get(d.label, 0.5)]
        total.add(dets, gt, bool(alarm))
        if group_of is not None:
            groups.setdefault(group_of(item.path), _Tally(classes)).add(dets, gt, bool(alarm))
        gt_eval = [(c, b) for c, b in gt if c in total.boxes]
        pairs = confusion_with_background(
            [d.label for d in alarm], [d.box for d in alarm], [c for c, _ in gt_eval], [b for _, b in gt_eval],
            iou=iou_confusion,
        )
        confusion.update(pairs)
        fp = sum(1 for p, a in pairs if a == BACKGROUND)
        fn = sum(1 for p, a in pairs if p == BACKGROUND)
        if item.negative:
            negatives += 1
            for c in classes:
                neg_max[c].append(max((d.conf for d in dets if d.label == c), default=0.0))
            if alarm:
                top = max(alarm, key=lambda d: d.conf)
                neg_fp.append({"image": str(item.path), "label": top.label, "conf": round(top.conf, 4),
                               "n_boxes": len(alarm)})
        outcomes.append(ImageOutcome(item.path, gt_eval, alarm, fp, fn))
        if (n + 1) % 100 == 0:
            log.info("images: %d/%d", n + 1, len(image_set.images))

    per_class: dict[str, object] = {}
    for c, st in total.boxes.items():
        s = st.summary(alarm_conf.get(c, 0.5))
        rec, prec, _ = st.pr_curve(0.5)
        per_class[c] = {
            "n_gt": s["n_gt"],
            "alarm_threshold": alarm_conf.get(c, 0.5),
            "precision": _num(s["precision"]),  # type: ignore[arg-type]
            "recall": _num(s["recall"]),  # type: ignore[arg-type]
            "ap50": _num(s["ap50"]),  # type: ignore[arg-type]
            "ap50_95": _num(s["ap50_95"]),  # type: ignore[arg-type]
            "tp": s["tp_at_conf"],
            "detections": s["n_det_at_conf"],
            "pr_curve_iou50": _interp_curve(rec, prec),
            "threshold_sweep": _sweep(st, total.per_image[c], neg_max[c]),
            "image_level": total.image_level(c, alarm_conf.get(c, 0.5)),
        }
    labels = classes + [BACKGROUND]
    matrix = [[confusion.get((p, a), 0) for a in labels] for p in labels]
    report = {
        "set": str(image_set.root),
        "split": image_set.split,
        "n_images": len(image_set.images),
        "names": {str(k): v for k, v in image_set.names.items()},
        "classes": per_class,
        "not_evaluated": [c for c in set_classes if c not in total.boxes],
        "confusion": {"labels": labels, "rows_predicted_cols_actual": matrix, "iou": iou_confusion},
        "hard_negatives": {
            "negative_images": negatives,
            "with_false_positive": len(neg_fp),
            "rate": round(len(neg_fp) / negatives, 4) if negatives else None,
            "false_positive_images": sorted(neg_fp, key=lambda r: -float(r["conf"])),  # type: ignore[arg-type]
        },
        "by_source": {g: t.brief(alarm_conf) for g, t in sorted(groups.items())} if group_of is not None else None,
    }
    return ImageEval(report, outcomes)
