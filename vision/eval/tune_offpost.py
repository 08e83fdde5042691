"""Tune the off-post rule's person threshold and zone overlap on labelled post clips (VID-3).

Samples each clip at the worker's detect rate, runs the person detector, and scores the
per-frame decision "someone is at the post" (a person box with score >= threshold whose
area lies >= overlap inside the ROI) against the ground truth (occupied before the
off_post event's start_s, empty after). Frames within 1 s of start_s are ignored (the person
is walking out). Prints and returns the error table.

    python -m vision.eval.tune_offpost ../shared/data/offpost/clips.json --weights models/person/best.pt
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import av
from shapely.geometry import Polygon, box

from vision.eval.dataset import load_clips
from vision.eval.detectors import build_detector

THRESHOLDS = (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5)
OVERLAPS = (0.1, 0.2, 0.3, 0.5)


def frames(path: Path, every_s: float):
    with av.open(str(path)) as c:
        nxt = 0.0
        for f in c.decode(video=0):
            t = float(f.time or 0.0)
            if t + 1e-6 >= nxt:
                nxt += every_s
                yield t, f.to_ndarray(format="bgr24")


def analyse(clips_json: Path, weights: Path, imgsz: int = 640, fps: float = 2.0) -> dict[str, object]:
    det = build_detector(weights, keep=("person",), imgsz=imgsz, conf=0.1)
    samples = []  # (occupied truth, [(conf, overlap)])
    for clip in load_clips(clips_json):
        rec = clip.record
        if not rec.roi:
            continue
        starts = [e.start_s for e in rec.events if e.type == "off_post"]
        for t, img in frames(clip.path, 1.0 / fps):
            if any(abs(t - s) < 1.0 for s in starts):
                continue
            occupied = not any(t >= s for s in starts)
            h, w = img.shape[:2]
            roi = Polygon([(x * w, y * h) for x, y in rec.roi])
            boxes = []
            for d in det.detect(img):
                b = box(*d.box)
                boxes.append((d.conf, b.intersection(roi).area / b.area if b.area else 0.0))
            samples.append((occupied, boxes))
    rows = []
    for thr in THRESHOLDS:
        for ov in OVERLAPS:
            present = [any(c >= thr and o >= ov for c, o in bs) for _, bs in samples]
            truth = [occ for occ, _ in samples]
            miss_present = sum(1 for p, t in zip(present, truth) if t and not p)  # -> false off-post
            ghost = sum(1 for p, t in zip(present, truth) if not t and p)  # -> late/missed off-post
            rows.append({"person_threshold": thr, "min_overlap": ov,
                         "occupied_frames_seen_empty": miss_present, "empty_frames_seen_occupied": ghost})
    n_occ = sum(1 for o, _ in samples if o)
    return {"frames": len(samples), "occupied_frames": n_occ, "empty_frames": len(samples) - n_occ,
            "sample_fps": fps, "table": rows}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("clips_json", type=Path)
    ap.add_argument("--weights", type=Path, default=Path("models/person/best.pt"))
    ap.add_argument("--imgsz", type=int, default=640)
    ap.add_argument("--fps", type=float, default=2.0)
    ap.add_argument("--out", type=Path)
    a = ap.parse_args()
    res = analyse(a.clips_json, a.weights, a.imgsz, a.fps)
    print(f"frames {res['frames']} (occupied {res['occupied_frames']}, empty {res['empty_frames']})")
    print("thr   overlap  occupied->empty  empty->occupied")
    for r in res["table"]:  # type: ignore[union-attr]
        print(f"{r['person_threshold']:.2f}  {r['min_overlap']:.1f}      {r['occupied_frames_seen_empty']:5d}"
              f"            {r['empty_frames_seen_occupied']:5d}")
    if a.out:
        a.out.write_text(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
