"""Benchmark: what inference-time options buy the fire/smoke detector on the dev val split (issue #5).

For each variant (input size, ultralytics test-time augmentation, the worker's context pass for fires
seen close up) it runs the shipped weights over every val image once, one image at a time as the worker does, times it, and scores the detections with the
harness's own code (box AP50, image-level AP, hard negatives at the rule thresholds). Accuracy and time come
from the same run, so the ratios between variants hold even on a busy machine.

    .venv/bin/python bench/inference_options.py [--variants 640 640+ctx 640+tta 800] [--weights models/firesmoke/best.pt]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from vision.detect.yolo_env import prepare_offline  # noqa: E402
from vision.eval.dataset import load_image_set  # noqa: E402
from vision.eval.detectors import FIRESMOKE_LABELS, Det, ImageDetector, configured_detector  # noqa: E402
from vision.eval.images import evaluate_images  # noqa: E402
from watchpost.config import Config  # noqa: E402


FLAGS = ("", "tta", "ctx")


def parse_variant(text: str) -> tuple[int, str]:
    size, _, flag = text.partition("+")
    if not size.isdigit() or flag not in FLAGS:
        raise argparse.ArgumentTypeError(f"variant {text!r}: expected SIZE, SIZE+tta or SIZE+ctx, e.g. 640+ctx")
    return int(size), flag


class AugmentedDetector:
    """The ultralytics model with test-time augmentation, as the harness sees a detector."""

    labels = ("fire", "smoke")

    def __init__(self, model: object, imgsz: int) -> None:
        self.model, self.imgsz = model, imgsz

    def detect(self, image_bgr: np.ndarray, source: Path | None = None) -> list[Det]:
        (res,) = self.model.predict(image_bgr, imgsz=self.imgsz, conf=0.001, augment=True,  # type: ignore[attr-defined]
                                    verbose=False, max_det=100)
        names = res.names
        return [Det(str(names[int(c)]).lower(), float(s), (x1, y1, x2, y2))
                for (x1, y1, x2, y2), s, c in zip(res.boxes.xyxy.tolist(), res.boxes.conf.tolist(), res.boxes.cls.tolist())]


class Timed:
    """Any harness detector, timing every call."""

    def __init__(self, inner: ImageDetector) -> None:
        self.inner, self.labels = inner, inner.labels
        self.seconds: list[float] = []

    def detect(self, image_bgr: np.ndarray, source: Path | None = None) -> list[Det]:
        t0 = time.perf_counter()
        out = self.inner.detect(image_bgr, source)
        self.seconds.append(time.perf_counter() - t0)
        return out


def variant_detector(weights: Path, imgsz: int, flag: str, threads: int) -> ImageDetector:
    """The worker's fire/smoke detector (plain, or with its context pass) or the model with TTA."""
    if flag == "tta":
        from ultralytics import YOLO

        model = YOLO(str(weights), task="detect")
        model.predict(np.zeros((64, 64, 3), np.uint8), verbose=False)
        import torch

        torch.set_num_threads(threads)  # ultralytics lowers it to cpu_count - 1 on the CPU
        return AugmentedDetector(model, imgsz)
    det = Config().vision.detector
    cv = det.fire_smoke_context_view.model_copy(update={"enabled": flag == "ctx"})
    det = det.model_copy(update={"fire_smoke_weights": str(weights), "fire_smoke_imgsz": imgsz, "threads": threads,
                                 "fire_smoke_context_view": cv})
    return configured_detector(det, FIRESMOKE_LABELS, conf=0.001)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--variants", nargs="+", type=parse_variant, default=[(640, ""), (640, "ctx"), (640, "tta")])
    ap.add_argument("--weights", type=Path, default=ROOT / "models" / "firesmoke" / "best.pt")
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "firesmoke")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "inference_options.json")
    a = ap.parse_args()
    if not (a.data / "data.yaml").is_file():
        sys.exit(f"no evaluation set at {a.data}")
    prepare_offline(ROOT / "var" / "yolo")
    rules = Config().vision.rules
    alarm = {"fire": rules.fire_smoke.fire_threshold, "smoke": rules.fire_smoke.smoke_threshold}
    image_set = load_image_set(a.data, "val")
    rows = []
    for imgsz, flag in a.variants:
        det = Timed(variant_detector(a.weights, imgsz, flag, a.threads))
        rep = evaluate_images(image_set, det, alarm).report
        ms = np.asarray(det.seconds) * 1000
        c = rep["classes"]
        rows.append({"imgsz": imgsz, "option": flag or None, "ms_mean": round(float(ms.mean()), 1),
                     "ms_p95": round(float(np.percentile(ms, 95)), 1),
                     **{f"{k}_ap50": c[k]["ap50"] for k in ("fire", "smoke")},
                     **{f"{k}_image_ap": c[k]["image_level"]["ap"] for k in ("fire", "smoke")},
                     "hard_negatives": rep["hard_negatives"]["rate"]})
    base = rows[0]["ms_mean"]
    head = f"{'variant':<10}{'ms/img':>8}{'x':>6}{'fire AP50':>11}{'smoke AP50':>12}{'img AP f/s':>14}{'hard neg':>10}"
    print(f"{a.weights.name} on {len(image_set.images)} val images, {a.threads} threads")
    print(head)
    for r in rows:
        name = f"{r['imgsz']}{'+' + r['option'] if r['option'] else ''}"
        print(f"{name:<10}{r['ms_mean']:>8}{r['ms_mean'] / base:>6.2f}{r['fire_ap50']:>11}{r['smoke_ap50']:>12}"
              f"{str(r['fire_image_ap']) + '/' + str(r['smoke_image_ap']):>14}{r['hard_negatives']:>10}")
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps({"weights": str(a.weights), "images": len(image_set.images), "threads": a.threads,
                                 "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                                             "loadavg": os.getloadavg()},
                                 "alarm_thresholds": alarm, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
