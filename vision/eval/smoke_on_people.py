"""Fire/smoke false positives on frames full of people (VID-2, VID-3).

The issue's failure case is a person asleep at a desk called "smoke". This scores the fire/smoke
detector, at the rule's thresholds and with the rule's smoke-on-person veto, on an image set
that shows people and no fire or smoke (the dev `person` set: a room of seated people): how many
frames would feed the fire or smoke rule a hit, and how many smoke hits the veto removes.

    python -m vision.eval.smoke_on_people ../shared/data/person [--split all]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2

from vision.detect.base import Detection
from vision.eval.dataset import load_image_set
from vision.eval.detectors import FIRESMOKE_LABELS, PERSON_LABELS, Det, configured_detector
from vision.rules.fire_smoke import on_a_person
from watchpost.config import load_config


def _norm(d: Det, w: int, h: int) -> Detection:
    x1, y1, x2, y2 = d.box
    return Detection(d.label, d.conf, x1 / w, y1 / h, x2 / w, y2 / h)


def analyse(set_dir: Path, splits: list[str]) -> dict[str, object]:
    cfg = load_config()
    rule, det_cfg = cfg.vision.rules.fire_smoke, cfg.vision.detector
    fs = configured_detector(det_cfg, FIRESMOKE_LABELS, conf=0.05)
    people = configured_detector(det_cfg, PERSON_LABELS, conf=0.05)
    out: dict[str, object] = {"thresholds": {"fire": rule.fire_threshold, "smoke": rule.smoke_threshold,
                                             "person_veto": rule.person_veto}, "images": 0,
                              "fire_frames": [], "smoke_frames": [], "smoke_vetoed_frames": []}
    for split in splits:
        for item in load_image_set(set_dir, split).images:
            img = cv2.imread(str(item.path))
            h, w = img.shape[:2]
            dets = [_norm(d, w, h) for d in fs.detect(img, item.path)]
            out["images"] += 1  # type: ignore[operator]
            if any(d.cls == "fire" and d.score >= rule.fire_threshold for d in dets):
                out["fire_frames"].append(item.path.name)  # type: ignore[union-attr]
            smoke = [d for d in dets if d.cls == "smoke" and d.score >= rule.smoke_threshold]
            if not smoke:
                continue
            scene = dets + [_norm(d, w, h) for d in people.detect(img, item.path)]
            kept = [d for d in smoke if not on_a_person(d, scene, rule)]
            key = "smoke_frames" if kept else "smoke_vetoed_frames"
            out[key].append(item.path.name)  # type: ignore[union-attr]
    n = max(1, int(out["images"]))  # type: ignore[arg-type]
    out["summary"] = {k: f"{len(out[k])} / {n} ({100 * len(out[k]) / n:.1f} %)"  # type: ignore[arg-type]
                      for k in ("fire_frames", "smoke_frames", "smoke_vetoed_frames")}
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("set", type=Path)
    ap.add_argument("--split", default="all", help="split folder, or 'all' for train and val")
    args = ap.parse_args(argv)
    splits = ["train", "val"] if args.split == "all" else [args.split]
    res = analyse(args.set, splits)
    print(json.dumps(res["summary"], indent=2))
    print(json.dumps({k: res[k] for k in ("fire_frames", "smoke_frames", "smoke_vetoed_frames")}, indent=1))


if __name__ == "__main__":
    main()
