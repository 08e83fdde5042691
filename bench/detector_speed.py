"""Benchmark: CPU inference time per image for the shipped detectors, .pt and .onnx (issue #5).

Runs each model on N dev images (640 px longest side, letterboxed to --imgsz) after a warm-up,
one image at a time as the worker does, and reports mean / p50 / p95 ms per image plus the
machine's load (a background training run inflates the numbers; the table says so).

    .venv/bin/python bench/detector_speed.py [--n 30] [--imgsz 640] [--threads 2]
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


def images(n: int) -> list[Path]:
    shared = ROOT.parent / "shared" / "data"
    found = sorted((shared / "firesmoke" / "images" / "val").glob("f8_*.jpg"))[: n // 2]
    found += sorted((shared / "person" / "images" / "val").glob("*.jpg"))[: n - len(found)]
    if not found:
        sys.exit(f"no dev images under {shared}")
    return found


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument("--imgsz", type=int, nargs="+", default=[640])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--models", nargs="+", default=["firesmoke", "person"])
    a = ap.parse_args()
    prepare_offline(ROOT / "var" / "yolo")
    import cv2
    import torch
    from ultralytics import YOLO

    torch.set_num_threads(a.threads)
    imgs = [cv2.imread(str(p)) for p in images(a.n)]
    rows = []
    for name in a.models:
        for ext in ("pt", "onnx"):
            w = ROOT / "models" / name / f"best.{ext}"
            if not w.is_file():
                continue
            sizes = a.imgsz
            if ext == "onnx":
                import onnxruntime as ort

                # The exported graph is static: it only runs at its own input size.
                sizes = [int(ort.InferenceSession(str(w)).get_inputs()[0].shape[-1])]
            for imgsz in sizes:
                m = YOLO(str(w), task="detect")
                for im in imgs[:3]:
                    m.predict(im, imgsz=imgsz, verbose=False, device="cpu")
                load0 = os.getloadavg()[0]
                ts = []
                for im in imgs:
                    t0 = time.perf_counter()
                    m.predict(im, imgsz=imgsz, verbose=False, device="cpu")
                    ts.append((time.perf_counter() - t0) * 1000)
                ms = np.asarray(ts)
                rows.append({"model": name, "format": ext, "imgsz": imgsz, "n": len(ts),
                             "mean_ms": round(float(ms.mean()), 1), "p50_ms": round(float(np.median(ms)), 1),
                             "p95_ms": round(float(np.percentile(ms, 95)), 1),
                             "img_per_s": round(1000 / float(ms.mean()), 1),
                             "loadavg_1m": round((load0 + os.getloadavg()[0]) / 2, 2)})
                print(f"{name:10s} {ext:5s} {imgsz:5d}  mean {rows[-1]['mean_ms']:7.1f} ms  p50 {rows[-1]['p50_ms']:7.1f}"
                      f"  p95 {rows[-1]['p95_ms']:7.1f}  load {rows[-1]['loadavg_1m']}")
    out = {"host": {"cpus": os.cpu_count(), "machine": platform.machine(), "threads": a.threads,
                    "torch": torch.__version__},
           "gpu": "not measured: no GPU lent to this session", "results": rows,
           "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    path = ROOT / "bench" / "results" / "detector_speed.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
