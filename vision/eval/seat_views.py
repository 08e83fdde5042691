"""Is an occupied seat seen as occupied when the seat is small in a wide view? (VID-3)

The off-post rule asks one thing of the person detector: is somebody at the post. In a wide 1080p view
of an open-plan room a seat is a few dozen pixels. This simulates such views from any labelled person
set: each sampled person's box, grown by ``--post-margin``, is the duty post; the frame is scaled so the
post is ``S`` pixels wide and placed in a 1920x1080 canvas (the rest of the canvas is the frame
mirrored, a wide room full of more of the same). A seat counts as seen when the detector gives a person
at the rule's threshold lying in the post as the rule reads it (``OffPostRule.people``). Empty posts of the same
sizes, placed where no labelled person is, measure the opposite error: an empty seat called occupied
delays an off-post alarm.

Each view is scored with the full pass alone and with the seat view (vision/detect/seat_view.py) as
the worker runs them, and both passes are timed.

    python -m vision.eval.seat_views ../shared/data/person --split val --sizes 40 60 90 140 \\
        [--weights models/person/best.onnx] [--out seat_views.json]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from vision.detect import seat_view
from vision.detect.base import Detector
from vision.detect.registry import load_detector
from vision.eval.dataset import load_image_set
from vision.processor import CameraProcessor
from vision.rules.off_post import OffPostRule as PostRule
from watchpost.config import OffPostRule, Zone, load_config

WIDE = (1920, 1080)


def wide_view(image: np.ndarray, post_px: tuple[float, float, float, float], size: float,
              rng: random.Random) -> tuple[np.ndarray, list[list[float]]] | None:
    """``image`` scaled so the post (x1, y1, x2, y2 px) is ``size`` px wide, inside a 1920x1080 canvas.
    Returns the canvas and the post as a normalised polygon; None if the post would not fit."""
    x1, y1, x2, y2 = post_px
    f = size / max(1.0, x2 - x1)
    h, w = image.shape[:2]
    sw, sh = max(1, round(w * f)), max(1, round(h * f))
    scaled = cv2.resize(image, (sw, sh), interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR)
    W, H = WIDE
    px1, py1, px2, py2 = x1 * f, y1 * f, x2 * f, y2 * f
    if px2 - px1 > W or py2 - py1 > H:
        return None
    # Where the scaled frame's top-left lands in the canvas: any place that keeps the post inside it.
    ox = rng.uniform(-px1, W - px2)
    oy = rng.uniform(-py1, H - py2)
    ox, oy = round(ox), round(oy)
    # Mirror the scaled frame out to cover the canvas, then cut the canvas out.
    pad_l, pad_t = max(0, ox), max(0, oy)
    pad_r, pad_b = max(0, W - (ox + sw)), max(0, H - (oy + sh))
    big = cv2.copyMakeBorder(scaled, pad_t, pad_b, pad_l, pad_r, cv2.BORDER_REFLECT_101) \
        if min(sw, sh) > max(pad_l, pad_t, pad_r, pad_b) else _tile(scaled, pad_l, pad_t, pad_r, pad_b)
    cx0, cy0 = pad_l - ox, pad_t - oy
    canvas = np.ascontiguousarray(big[cy0:cy0 + H, cx0:cx0 + W])
    nx1, ny1, nx2, ny2 = ((px1 + ox) / W, (py1 + oy) / H, (px2 + ox) / W, (py2 + oy) / H)
    return canvas, [[nx1, ny1], [nx2, ny1], [nx2, ny2], [nx1, ny2]]


def _tile(img: np.ndarray, left: int, top: int, right: int, bottom: int) -> np.ndarray:
    """Mirror-pad wider than the image itself (a small frame in a big canvas): repeat the mirroring."""
    out = img
    while left or top or right or bottom:
        h, w = out.shape[:2]
        step = [min(v, w - 1 if i % 2 == 0 else h - 1) for i, v in enumerate((left, top, right, bottom))]
        out = cv2.copyMakeBorder(out, step[1], step[3], step[0], step[2], cv2.BORDER_REFLECT_101)
        left, top, right, bottom = left - step[0], top - step[1], right - step[2], bottom - step[3]
    return out


@dataclass
class Tally:
    seen_full: int = 0
    seen_seat: int = 0
    n: int = 0
    full_s: list[float] = field(default_factory=list)
    seat_s: list[float] = field(default_factory=list)

    def row(self) -> dict[str, Any]:
        return {"n": self.n, "full_pass": round(self.seen_full / self.n, 4) if self.n else None,
                "with_seat_view": round(self.seen_seat / self.n, 4) if self.n else None}


def look(detector: Detector, canvas: np.ndarray, polygon: list[list[float]], rule: OffPostRule,
         tally: Tally) -> None:
    # Seen as the off-post rule reads a post: its own presence check, not a copy of it.
    post = PostRule(rule, Zone(name="seat", kind="duty_post", polygon=polygon))
    t0 = time.perf_counter()
    (full,) = detector.detect([canvas])
    t1 = time.perf_counter()
    regions = seat_view.regions_for([polygon], rule.seat_margin, rule.seat_view_below, WIDE[0] / WIDE[1])
    views = [(r, seat_view.cut(canvas, r)) for r in regions]
    found = detector.detect([c for _, c in views]) if views else []
    t2 = time.perf_counter()
    both = CameraProcessor.with_seat_detections(full, views, found)
    tally.n += 1
    tally.seen_full += bool(post.people(full))
    tally.seen_seat += bool(post.people(both))
    tally.full_s.append(t1 - t0)
    tally.seat_s.append(t2 - t1)


def empty_post(boxes: list[tuple[float, float, float, float]], w: int, h: int, like: tuple[float, float, float, float],
               rng: random.Random) -> tuple[float, float, float, float] | None:
    """A post the size of ``like`` (px) placed where it touches no labelled person, if one can be found."""
    bw, bh = like[2] - like[0], like[3] - like[1]
    for _ in range(50):
        x, y = rng.uniform(0, max(1.0, w - bw)), rng.uniform(0, max(1.0, h - bh))
        cand = (x, y, x + bw, y + bh)
        if all(cand[2] < b[0] or b[2] < cand[0] or cand[3] < b[1] or b[3] < cand[1] for b in boxes):
            return cand
    return None


def run(set_dir: Path, split: str, weights: str, sizes: list[float], max_seats: int, post_margin: float,
        rule: OffPostRule, imgsz: int = 640, threads: int = 0, seed: int = 0) -> dict[str, Any]:
    image_set = load_image_set(set_dir, split)
    detector = load_detector("auto", weights, classes=["person"], imgsz=imgsz, threads=threads, conf=0.05)
    rng = random.Random(seed)
    seats: list[tuple[Path, tuple[float, float, float, float], list[tuple[float, float, float, float]]]] = []
    for item in image_set.images:
        img = cv2.imread(str(item.path))
        if img is None:
            continue
        h, w = img.shape[:2]
        people = [((cx - bw / 2) * w, (cy - bh / 2) * h, (cx + bw / 2) * w, (cy + bh / 2) * h)
                  for c, cx, cy, bw, bh in item.boxes if c == "person"]
        for b in people:
            if b[2] - b[0] >= 8 and b[3] - b[1] >= 8:  # a person smaller than this is not a seat anyone draws
                seats.append((item.path, b, people))
    rng.shuffle(seats)
    seats = seats[:max_seats]
    occupied_t = {s: Tally() for s in sizes}
    empty_t = {s: Tally() for s in sizes}
    cache: dict[Path, np.ndarray] = {}
    for path, b, people in seats:
        img = cache.setdefault(path, cv2.imread(str(path)))
        h, w = img.shape[:2]
        mx, my = post_margin * (b[2] - b[0]), post_margin * (b[3] - b[1])
        post = (max(0.0, b[0] - mx), max(0.0, b[1] - my), min(w, b[2] + mx), min(h, b[3] + my))
        empty = empty_post(people, w, h, post, rng)
        for s in sizes:
            view = wide_view(img, post, s, rng)
            if view is not None:
                look(detector, *view, rule, occupied_t[s])
            if empty is not None:
                view = wide_view(img, empty, s, rng)
                if view is not None:
                    look(detector, *view, rule, empty_t[s])
    rows = []
    for s in sizes:
        o, e = occupied_t[s], empty_t[s]
        times = o.full_s + e.full_s
        seat_times = o.seat_s + e.seat_s
        rows.append({"seat_px": s, "occupied": o.row(), "empty_called_occupied": e.row(),
                     "full_pass_ms": round(1000 * float(np.median(times)), 1) if times else None,
                     "seat_view_ms": round(1000 * float(np.median(seat_times)), 1) if seat_times else None})
    return {"set": str(set_dir), "split": split, "weights": weights, "imgsz": imgsz, "frame": list(WIDE),
            "post_margin": post_margin, "seat_margin": rule.seat_margin, "person_threshold": rule.person_threshold,
            "seats": len(seats), "sizes": rows}


def print_table(report: dict[str, Any]) -> None:
    print(f"{report['weights']} at {report['imgsz']} px, {report['seats']} seats, frame {report['frame']}")
    print(f"{'seat px':>8} {'n':>5} {'recall full':>12} {'+seat view':>11} {'empty n':>8} {'false full':>11} "
          f"{'+seat view':>11} {'full ms':>8} {'seat ms':>8}")
    for r in report["sizes"]:
        o, e = r["occupied"], r["empty_called_occupied"]
        print(f"{r['seat_px']:>8g} {o['n']:>5} {o['full_pass']!s:>12} {o['with_seat_view']!s:>11} {e['n']:>8} "
              f"{e['full_pass']!s:>11} {e['with_seat_view']!s:>11} {r['full_pass_ms']!s:>8} {r['seat_view_ms']!s:>8}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("set_dir", type=Path)
    ap.add_argument("--split", default="val")
    ap.add_argument("--weights", help="default: vision.detector.person_weights")
    ap.add_argument("--sizes", type=float, nargs="+", default=[40, 60, 90, 140])
    ap.add_argument("--max-seats", type=int, default=150)
    ap.add_argument("--post-margin", type=float, default=0.2, help="the post drawn round a person, as a share of them")
    ap.add_argument("--no-seat-view", action="store_true", help="(for the table) the rule without the seat view")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--config", type=Path)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    config = load_config(args.config) if args.config else load_config(None)
    rule = config.vision.rules.off_post
    report = run(args.set_dir, args.split, args.weights or config.vision.detector.person_weights, args.sizes,
                 args.max_seats, args.post_margin, rule, config.vision.detector.imgsz, args.threads)
    print_table(report)
    if args.out:
        args.out.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
