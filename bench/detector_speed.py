"""Benchmark: CPU inference time per image for the shipped detectors, .pt and .onnx (issue #5).

Each weights file runs through the backend the worker would pick for it (``vision.detector.backend:
auto``: ultralytics on torch for .pt, onnxruntime for .onnx), on N dev images (half square fire frames,
half 16:9 room frames), one image at a time as the worker does, after a warm-up. It reports mean /
p50 / p95 ms per image and the machine's load (a busy box inflates every row alike: compare ratios).

    .venv/bin/python bench/detector_speed.py [--n 30] [--imgsz 640 320] [--threads 1 2] [--weights extra.onnx]
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

from vision.detect.registry import backend_for, load_detector  # noqa: E402
from vision.detect.yolo_env import prepare_offline  # noqa: E402

CLASSES = {"firesmoke": ["fire", "smoke"], "person": ["person"]}


def images(n: int) -> list[Path]:
    shared = ROOT.parent / "shared" / "data"
    found = sorted((shared / "firesmoke" / "images" / "val").glob("f8_*.jpg"))[: n // 2]
    found += sorted((shared / "person" / "images" / "val").glob("*.jpg"))[: n - len(found)]
    if not found:
        sys.exit(f"no dev images under {shared}")
    return found


def time_one(weights: Path, classes: list[str], imgsz: int, threads: int, imgs: list[np.ndarray]) -> dict:
    det = load_detector("auto", str(weights), classes=classes, imgsz=imgsz, threads=threads)
    for im in imgs[:3]:
        det.detect([im])
    load0 = os.getloadavg()[0]
    ts = []
    for im in imgs:
        t0 = time.perf_counter()
        det.detect([im])
        ts.append((time.perf_counter() - t0) * 1000)
    ms = np.asarray(ts)
    return {"weights": str(weights.relative_to(ROOT) if weights.is_relative_to(ROOT) else weights),
            "backend": backend_for("auto", weights), "imgsz": imgsz, "threads": threads, "n": len(ts),
            "mean_ms": round(float(ms.mean()), 1), "p50_ms": round(float(np.median(ms)), 1),
            "p95_ms": round(float(np.percentile(ms, 95)), 1), "img_per_s": round(1000 / float(ms.mean()), 1),
            "loadavg_1m": round((load0 + os.getloadavg()[0]) / 2, 2)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument("--imgsz", type=int, nargs="+", default=[640])
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--models", nargs="+", default=["firesmoke", "person"])
    ap.add_argument("--weights", type=Path, nargs="*", default=[],
                    help="extra fire/smoke weights to time beside the shipped ones (e.g. a quantized graph)")
    a = ap.parse_args()
    prepare_offline(ROOT / "var" / "yolo")
    import cv2

    imgs = [cv2.imread(str(p)) for p in images(a.n)]
    runs = [(ROOT / "models" / m / f"best.{ext}", CLASSES[m]) for m in a.models for ext in ("pt", "onnx")]
    runs += [(w.resolve(), CLASSES["firesmoke"]) for w in a.weights]
    rows = []
    print(f"{'weights':40s} {'backend':12s} {'imgsz':>5s} {'thr':>3s} {'mean ms':>8s} {'p50':>7s} {'p95':>7s} {'load':>5s}")
    for weights, classes in runs:
        if not weights.is_file():
            continue
        for imgsz in a.imgsz:
            for threads in a.threads:
                r = time_one(weights, classes, imgsz, threads, imgs)
                rows.append(r)
                print(f"{r['weights']:40s} {r['backend']:12s} {imgsz:5d} {threads:3d} {r['mean_ms']:8.1f} "
                      f"{r['p50_ms']:7.1f} {r['p95_ms']:7.1f} {r['loadavg_1m']:5.2f}", flush=True)
    import onnxruntime
    import torch

    out = {"host": {"cpus": os.cpu_count(), "machine": platform.machine(), "torch": torch.__version__,
                    "onnxruntime": onnxruntime.__version__},
           "gpu": "not measured: no GPU lent to this session", "results": rows,
           "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    path = ROOT / "bench" / "results" / "detector_speed.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
