"""Benchmark: what inference-time options buy the fire/smoke detector on the dev val split (issue #5).

For each variant (input size, ultralytics test-time augmentation) it runs the shipped weights over every
val image once, one image at a time as the worker does, times it, and scores the detections with the
harness's own code (box AP50, image-level AP, hard negatives at the rule thresholds). Accuracy and time come
from the same run, so the ratios between variants hold even on a busy machine.

    .venv/bin/python bench/inference_options.py [--variants 640 640+tta 800] [--weights models/firesmoke/best.pt]
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
from vision.eval.detectors import Det  # noqa: E402
from vision.eval.images import evaluate_images  # noqa: E402
from watchpost.config import Config  # noqa: E402


def parse_variant(text: str) -> tuple[int, bool]:
    size, _, flag = text.partition("+")
    if not size.isdigit() or flag not in ("", "tta"):
        raise argparse.ArgumentTypeError(f"variant {text!r}: expected SIZE or SIZE+tta, e.g. 640+tta")
    return int(size), flag == "tta"


class TimedDetector:
    """The ultralytics model seen by the harness, with one variant's settings, timing every call."""

    labels = ("fire", "smoke")

    def __init__(self, model: object, imgsz: int, augment: bool) -> None:
        self.model, self.imgsz, self.augment = model, imgsz, augment
        self.seconds: list[float] = []

    def detect(self, image_bgr: np.ndarray, source: Path | None = None) -> list[Det]:
        t0 = time.perf_counter()
        (res,) = self.model.predict(image_bgr, imgsz=self.imgsz, conf=0.001, augment=self.augment,  # type: ignore[attr-defined]
                                    verbose=False, max_det=100)
        self.seconds.append(time.perf_counter() - t0)
        names = res.names
        return [Det(str(names[int(c)]).lower(), float(s), (x1, y1, x2, y2))
                for (x1, y1, x2, y2), s, c in zip(res.boxes.xyxy.tolist(), res.boxes.conf.tolist(), res.boxes.cls.tolist())]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--variants", nargs="+", type=parse_variant, default=[(640, False), (640, True), (800, False)])
    ap.add_argument("--weights", type=Path, default=ROOT / "models" / "firesmoke" / "best.pt")
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "firesmoke")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "inference_options.json")
    a = ap.parse_args()
    if not (a.data / "data.yaml").is_file():
        sys.exit(f"no evaluation set at {a.data}")
    prepare_offline(ROOT / "var" / "yolo")
    import torch
    from ultralytics import YOLO

    model = YOLO(str(a.weights), task="detect")
    model.predict(np.zeros((64, 64, 3), np.uint8), verbose=False)
    torch.set_num_threads(a.threads)  # ultralytics lowers it to cpu_count - 1 on the CPU
    rules = Config().vision.rules
    alarm = {"fire": rules.fire_smoke.fire_threshold, "smoke": rules.fire_smoke.smoke_threshold}
    image_set = load_image_set(a.data, "val")
    rows = []
    for imgsz, augment in a.variants:
        det = TimedDetector(model, imgsz, augment)
        rep = evaluate_images(image_set, det, alarm).report
        ms = np.asarray(det.seconds) * 1000
        c = rep["classes"]
        rows.append({"imgsz": imgsz, "tta": augment, "ms_mean": round(float(ms.mean()), 1),
                     "ms_p95": round(float(np.percentile(ms, 95)), 1),
                     **{f"{k}_ap50": c[k]["ap50"] for k in ("fire", "smoke")},
                     **{f"{k}_image_ap": c[k]["image_level"]["ap"] for k in ("fire", "smoke")},
                     "hard_negatives": rep["hard_negatives"]["rate"]})
    base = rows[0]["ms_mean"]
    head = f"{'variant':<10}{'ms/img':>8}{'x':>6}{'fire AP50':>11}{'smoke AP50':>12}{'img AP f/s':>14}{'hard neg':>10}"
    print(f"{a.weights.name} on {len(image_set.images)} val images, {a.threads} threads")
    print(head)
    for r in rows:
        name = f"{r['imgsz']}{'+tta' if r['tta'] else ''}"
        print(f"{name:<10}{r['ms_mean']:>8}{r['ms_mean'] / base:>6.2f}{r['fire_ap50']:>11}{r['smoke_ap50']:>12}"
              f"{str(r['fire_image_ap']) + '/' + str(r['smoke_image_ap']):>14}{r['hard_negatives']:>10}")
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps({"weights": str(a.weights), "images": len(image_set.images), "threads": a.threads,
                                 "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                                             "loadavg": os.getloadavg()},
                                 "alarm_thresholds": alarm, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
