"""Benchmark: CPU cost per camera at 2 detections a second with issue #22's checks (VID-1..3).

One control-room camera at 1080p runs, per detection frame: the fire/smoke detector (main pass and context
pass), the person detector on the full frame, the seat view on each duty post, and the temporal checks (grey
copy, change against the previous and the 2 s baseline frame). This times each part through the worker's own
``CameraProcessor`` on real dev frames scaled into a 1920x1080 view, for 0, 1 and 3 posts, and reports the
share of one core a camera needs at 2 fps. Every variant runs on the same frames in one run, so the ratios
hold on a busy machine.

    .venv/bin/python bench/camera_cost.py [--frames 40] [--threads 1] [--out bench/results/camera_cost.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from vision.pipeline import load_detectors  # noqa: E402
from vision.processor import CameraProcessor  # noqa: E402
from watchpost.config import Camera, Zone, load_config  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
POSTS = [[[0.20, 0.55], [0.23, 0.55], [0.23, 0.62], [0.20, 0.62]],
         [[0.50, 0.50], [0.53, 0.50], [0.53, 0.57], [0.50, 0.57]],
         [[0.75, 0.60], [0.78, 0.60], [0.78, 0.67], [0.75, 0.67]]]


def frames(n: int) -> list[np.ndarray]:
    paths = sorted((SHARED / "person" / "images" / "val").glob("*.jpg"))[:n]
    return [cv2.resize(cv2.imread(str(p)), (1920, 1080), interpolation=cv2.INTER_LINEAR) for p in paths]


def run_variant(config, detectors, posts: int, seat_view: bool, temporal: bool, imgs: list[np.ndarray]) -> float:
    rules = config.vision.rules
    op = rules.off_post.model_copy(update={"seat_view": seat_view})
    fs = rules.fire_smoke.model_copy(update={} if temporal else {
        "smoke_min_change": 0, "smoke_min_drift": 0, "fire_min_flicker": 0, "needs_history": False})
    cfg = config.model_copy(update={"vision": config.vision.model_copy(update={
        "rules": rules.model_copy(update={"off_post": op, "fire_smoke": fs})})})
    zones = [Zone(name=f"seat{i}", kind="duty_post", polygon=p) for i, p in enumerate(POSTS[:posts])]
    cam = Camera(id="c", url="x", profile="control_room" if posts else "warehouse", motion_gating=False, zones=zones)
    proc = CameraProcessor(cam, cfg, detectors)
    proc.process([(imgs[0], 0.0)])  # warm-up
    t0 = time.process_time()
    for i, img in enumerate(imgs):
        proc.process([(img, 0.5 * (i + 1))])
    return (time.process_time() - t0) / len(imgs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=40)
    ap.add_argument("--threads", type=int, default=1, help="detector threads (1: CPU time is one core's)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "camera_cost.json")
    args = ap.parse_args()
    config = load_config(None)
    det_cfg = config.vision.detector.model_copy(update={"threads": args.threads})
    config = config.model_copy(update={"vision": config.vision.model_copy(update={"detector": det_cfg})})
    detectors = load_detectors(config, {"firesmoke", "person"})
    imgs = frames(args.frames)
    variants = [("fire/smoke only, no temporal checks", 0, False, False),
                ("fire/smoke only, temporal checks (default)", 0, False, True),
                ("+ person, 1 post, no seat view", 1, False, True),
                ("+ person, 1 post, seat view (default)", 1, True, True),
                ("+ person, 3 posts, seat view (default)", 3, True, True)]
    rows = []
    for name, posts, seat, temporal in variants:
        cpu = run_variant(config, detectors, posts, seat, temporal, imgs)
        rows.append({"variant": name, "posts": posts, "seat_view": seat, "temporal": temporal,
                     "cpu_ms_per_frame": round(1000 * cpu, 1), "core_share_at_2fps": round(2 * cpu, 3)})
    print(f"{'variant':<46} {'CPU ms/frame':>12} {'core at 2 fps':>14}")
    for r in rows:
        print(f"{r['variant']:<46} {r['cpu_ms_per_frame']:>12} {r['core_share_at_2fps']:>14}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"machine": platform.processor() or platform.machine(), "frames": len(imgs),
                                    "threads": args.threads, "frame": [1920, 1080], "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
