"""Detection metrics: IoU matching, all-point interpolated AP, confusion with background.

Pure numpy, no I/O, so the numbers the harness reports can be checked by hand (VID-12).
Boxes are ``(x1, y1, x2, y2)`` in any consistent unit (the harness uses pixels).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# COCO's ten IoU thresholds 0.50:0.05:0.95 (AP50-95 is their mean).
IOU_THRESHOLDS: tuple[float, ...] = tuple(round(0.5 + 0.05 * i, 2) for i in range(10))
BACKGROUND = "background"


def _as_boxes(a: object) -> np.ndarray:
    arr = np.asarray(a, dtype=np.float64)
    if arr.size == 0:
        return np.zeros((0, 4), dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 4:
        raise ValueError(f"boxes must be (N, 4) x1,y1,x2,y2, got shape {arr.shape}")
    return arr


def iou_matrix(a: object, b: object) -> np.ndarray:
    """IoU of every box in ``a`` (N) with every box in ``b`` (M): an (N, M) array."""
    a, b = _as_boxes(a), _as_boxes(b)
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)), dtype=np.float64)
    ix1 = np.maximum(a[:, None, 0], b[None, :, 0])
    iy1 = np.maximum(a[:, None, 1], b[None, :, 1])
    ix2 = np.minimum(a[:, None, 2], b[None, :, 2])
    iy2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(ix2 - ix1, 0, None) * np.clip(iy2 - iy1, 0, None)
    area_a = np.clip(a[:, 2] - a[:, 0], 0, None) * np.clip(a[:, 3] - a[:, 1], 0, None)
    area_b = np.clip(b[:, 2] - b[:, 0], 0, None) * np.clip(b[:, 3] - b[:, 1], 0, None)
    union = area_a[:, None] + area_b[None, :] - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(union > 0, inter / union, 0.0)
    return out


def match_detections(
    det_boxes: object,
    det_scores: object,
    gt_boxes: object,
    iou_thresholds: tuple[float, ...] = IOU_THRESHOLDS,
) -> np.ndarray:
    """True-positive flags, shape (N, T), for one image and one class.

    Detections are taken in descending score order; each claims the unmatched ground-truth
    box it overlaps most (IoU >= threshold), as in COCO. A ground-truth box is claimed once,
    so a duplicate detection of the same object is a false positive.
    Rows follow the order of ``det_boxes`` as given (not the sorted order).
    """
    det = _as_boxes(det_boxes)
    scores = np.asarray(det_scores, dtype=np.float64).reshape(-1)
    gt = _as_boxes(gt_boxes)
    if len(scores) != len(det):
        raise ValueError("det_boxes and det_scores differ in length")
    tp = np.zeros((len(det), len(iou_thresholds)), dtype=bool)
    if len(det) == 0 or len(gt) == 0:
        return tp
    ious = iou_matrix(det, gt)
    order = np.argsort(-scores, kind="stable")
    for t, thr in enumerate(iou_thresholds):
        taken = np.zeros(len(gt), dtype=bool)
        for i in order:
            cand = np.where(~taken & (ious[i] >= thr - 1e-12), ious[i], -1.0)
            j = int(np.argmax(cand))
            if cand[j] >= 0:
                taken[j] = True
                tp[i, t] = True
    return tp


def average_precision(tp: object, scores: object, n_gt: int) -> tuple[float, np.ndarray, np.ndarray]:
    """All-point interpolated AP (VOC 2010+/COCO style without the 101-point sampling).

    Returns ``(ap, recall, precision)`` where recall/precision are the cumulative curve over
    detections sorted by descending score. With no ground truth AP is undefined: ``nan``.
    """
    tp = np.asarray(tp, dtype=bool).reshape(-1)
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    if n_gt <= 0:
        return float("nan"), np.zeros(0), np.zeros(0)
    if len(tp) == 0:
        return 0.0, np.zeros(0), np.zeros(0)
    order = np.argsort(-scores, kind="stable")
    tps = np.cumsum(tp[order])
    fps = np.cumsum(~tp[order])
    recall = tps / n_gt
    precision = tps / (tps + fps)
    # Precision envelope: the best precision at any recall at least this high.
    mrec = np.concatenate([[0.0], recall, [recall[-1]]])
    mpre = np.concatenate([[1.0], precision, [0.0]])
    mpre = np.maximum.accumulate(mpre[::-1])[::-1]
    steps = np.where(mrec[1:] != mrec[:-1])[0]
    ap = float(np.sum((mrec[steps + 1] - mrec[steps]) * mpre[steps + 1]))
    return ap, recall, precision


@dataclass
class ClassStats:
    """Accumulates one class's detections over a set of images."""

    name: str
    iou_thresholds: tuple[float, ...] = IOU_THRESHOLDS
    n_gt: int = 0
    scores: list[np.ndarray] = field(default_factory=list)
    tps: list[np.ndarray] = field(default_factory=list)

    def add(self, det_boxes: object, det_scores: object, gt_boxes: object) -> None:
        det_scores = np.asarray(det_scores, dtype=np.float64).reshape(-1)
        self.n_gt += len(_as_boxes(gt_boxes))
        self.scores.append(det_scores)
        self.tps.append(match_detections(det_boxes, det_scores, gt_boxes, self.iou_thresholds))

    def _stacked(self) -> tuple[np.ndarray, np.ndarray]:
        if not self.scores:
            return np.zeros(0), np.zeros((0, len(self.iou_thresholds)), dtype=bool)
        return np.concatenate(self.scores), np.concatenate(self.tps, axis=0)

    def summary(self, conf: float) -> dict[str, object]:
        """AP50, AP50-95 (over all scores) and precision/recall of detections with score >= conf."""
        scores, tps = self._stacked()
        aps = [average_precision(tps[:, t], scores, self.n_gt)[0] for t in range(len(self.iou_thresholds))]
        i50 = self.iou_thresholds.index(0.5) if 0.5 in self.iou_thresholds else 0
        keep = scores >= conf
        n_tp = int(tps[keep, i50].sum())
        n_det = int(keep.sum())
        return {
            "n_gt": self.n_gt,
            "n_det_at_conf": n_det,
            "tp_at_conf": n_tp,
            "precision": (n_tp / n_det) if n_det else (1.0 if self.n_gt == 0 else 0.0),
            "recall": (n_tp / self.n_gt) if self.n_gt else float("nan"),
            "ap50": aps[i50],
            "ap50_95": float(np.mean(aps)) if self.n_gt else float("nan"),
        }

    def pr_curve(self, iou: float = 0.5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(recall, precision, score) along descending score, at one IoU threshold."""
        scores, tps = self._stacked()
        t = self.iou_thresholds.index(iou)
        _, rec, prec = average_precision(tps[:, t], scores, self.n_gt)
        return rec, prec, np.sort(scores)[::-1]


@dataclass
class ImageLevelStats:
    """One class judged per image: does the image hold it, and the detector's best score for it.

    The worker raises an alarm on a frame, not on a box, so this is what an alarm sees. Box AP also
    charges for how an object is cut into boxes: one labeller draws each flame tongue, another the
    whole fire, and a detector that finds the fire in one box is scored as several misses.
    ``located_recall`` asks more: the alarming box must overlap a ground-truth box of the class, so
    an image is not counted as found because of a detection somewhere else in it.
    """

    name: str
    top: list[float] = field(default_factory=list)
    top_located: list[float] = field(default_factory=list)
    positive: list[bool] = field(default_factory=list)

    def add(self, det_boxes: object, det_scores: object, gt_boxes: object) -> None:
        scores = np.asarray(det_scores, dtype=np.float64).reshape(-1)
        gt = _as_boxes(gt_boxes)
        on_truth = (iou_matrix(det_boxes, gt) > 0).any(axis=1) if len(gt) else np.zeros(len(scores), dtype=bool)
        self.top.append(float(scores.max()) if len(scores) else 0.0)
        self.top_located.append(float(scores[on_truth].max()) if on_truth.any() else 0.0)
        self.positive.append(len(gt) > 0)

    def summary(self, conf: float) -> dict[str, object]:
        """Image-level AP (images ranked by their best score; an image with no detection is never
        retrieved), and recall / located recall / precision of the images alarmed at ``conf``."""
        top = np.asarray(self.top, dtype=np.float64)
        pos = np.asarray(self.positive, dtype=bool)
        n_pos = int(pos.sum())
        found = top > 0
        ap = average_precision(pos[found], top[found], n_pos)[0]
        alarmed = top >= conf
        hits = int((alarmed & pos).sum())
        located = int((np.asarray(self.top_located, dtype=np.float64) >= conf).sum())
        n_alarmed = int(alarmed.sum())
        return {
            "images": len(top),
            "positives": n_pos,
            "alarmed": n_alarmed,
            "ap": ap,
            "recall": hits / n_pos if n_pos else float("nan"),
            "located_recall": located / n_pos if n_pos else float("nan"),
            "precision": hits / n_alarmed if n_alarmed else (1.0 if n_pos == 0 else 0.0),
        }


def confusion_with_background(
    pred_classes: list[str],
    pred_boxes: object,
    gt_classes: list[str],
    gt_boxes: object,
    iou: float = 0.5,
) -> list[tuple[str, str]]:
    """(predicted, actual) pairs for one image, with ``background`` for misses and false positives.

    Pairs of any class are matched greedily by descending IoU (>= ``iou``), so a fire box
    called "smoke" shows as (smoke, fire); an unmatched prediction is (cls, background) and
    an unmatched ground-truth box is (background, cls).
    """
    pb, gb = _as_boxes(pred_boxes), _as_boxes(gt_boxes)
    ious = iou_matrix(pb, gb)
    pairs: list[tuple[str, str]] = []
    used_p: set[int] = set()
    used_g: set[int] = set()
    if ious.size:
        flat = np.argsort(-ious, axis=None, kind="stable")
        for k in flat:
            i, j = divmod(int(k), ious.shape[1])
            if ious[i, j] < iou:
                break
            if i in used_p or j in used_g:
                continue
            used_p.add(i)
            used_g.add(j)
            pairs.append((pred_classes[i], gt_classes[j]))
    pairs += [(pred_classes[i], BACKGROUND) for i in range(len(pb)) if i not in used_p]
    pairs += [(BACKGROUND, gt_classes[j]) for j in range(len(gb)) if j not in used_g]
    return pairs


def percentile(values: list[float], q: float) -> float | None:
    """Linear-interpolated percentile (numpy's default); None for an empty list."""
    if not values:
        return None
    return float(np.percentile(np.asarray(values, dtype=np.float64), q))
