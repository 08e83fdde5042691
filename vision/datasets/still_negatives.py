"""Hard-negative stills (sunsets, lamps, red rooms) as a fixed camera would film them.

The negatives that fool the fire/smoke model most are scenes, not events: the low sun, an orange sky,
a lamp, a red-and-gold room. A camera pointed at one sees the same picture frame after frame, with
sensor noise and a little exposure wander. This turns every negative image of a labelled set (an empty
label file) into such a clip: the still held for ``--seconds`` at 10 fps, with Gaussian noise on every
frame and a slow brightness wander of a few percent, encoded as H.264, in the evaluation layout
(``kind: negative``). Scored per image, these stills measure the detector; replayed as clips, they
measure what the worker's rules make of a detection that does not behave like fire over time.

    python -m vision.datasets.still_negatives ../shared/data/firesmoke --split val --only cn var/eval/stills
    watchpost vision eval --set var/eval/stills --no-images --out stills.json

Nothing is copied but the frames written under ``out``; the images' licences are their set's.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
from pathlib import Path

import cv2
import numpy as np

from vision.eval.dataset import load_image_set
from vision.eval.images import source_of

FPS = 10.0


def frames(still: np.ndarray, seconds: float, rng: np.random.Generator, noise: float = 2.0,
           wander: float = 0.03) -> list[np.ndarray]:
    """The still as a camera would give it: noise on every frame, brightness drifting by ``wander``."""
    n = max(1, round(seconds * FPS))
    phase = rng.uniform(0, 2 * math.pi)
    base = still.astype(np.float32)
    out = []
    for i in range(n):
        gain = 1.0 + wander * math.sin(phase + 2 * math.pi * i / n)
        f = base * gain + rng.normal(0.0, noise, base.shape).astype(np.float32)
        out.append(np.clip(f, 0, 255).astype(np.uint8))
    return out


def write_clip(path: Path, frames_: list[np.ndarray]) -> None:
    h, w = frames_[0].shape[:2]
    w2, h2 = w - w % 2, h - h % 2  # yuv420p wants even sides
    proc = subprocess.Popen(["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{w2}x{h2}",
                             "-r", f"{FPS:g}", "-i", "-", "-c:v", "libx264", "-crf", "20", "-pix_fmt", "yuv420p",
                             str(path)], stdin=subprocess.PIPE)
    assert proc.stdin is not None
    for f in frames_:
        proc.stdin.write(np.ascontiguousarray(f[:h2, :w2]).tobytes())
    proc.stdin.close()
    if proc.wait() != 0:
        raise RuntimeError(f"ffmpeg could not write {path}")


def build(set_dir: Path, split: str, out: Path, only: list[str] | None = None, seconds: float = 6.0,
          seed: int = 0) -> Path:
    image_set = load_image_set(set_dir, split)
    (out / "clips").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    records = []
    for item in image_set.images:
        if not item.negative or (only and source_of(item.path) not in only):
            continue
        still = cv2.imread(str(item.path))
        if still is None:
            continue
        clip = f"clips/still_{item.path.stem}.mp4"
        write_clip(out / clip, frames(still, seconds, rng))
        h, w = still.shape[:2]
        records.append({"file": clip, "fps": FPS, "duration_s": seconds, "width": w - w % 2, "height": h - h % 2,
                        "kind": "negative", "roi": None, "events": [],
                        "notes": f"{item.path.name} of {set_dir} ({split}) held still with sensor noise and a "
                                 "slow brightness wander: a fixed camera on a scene with nothing to alarm on"})
    if not records:
        raise ValueError(f"{set_dir} ({split}): no negative image{' of ' + ', '.join(only) if only else ''}")
    (out / "clips.json").write_text(json.dumps(records, indent=1))
    return out / "clips.json"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("set_dir", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--split", default="val")
    ap.add_argument("--only", nargs="*", help="sources (file-name prefixes) to take, e.g. cn")
    ap.add_argument("--seconds", type=float, default=6.0)
    args = ap.parse_args(argv)
    print(build(args.set_dir, args.split, args.out, args.only, args.seconds))


if __name__ == "__main__":
    main()
