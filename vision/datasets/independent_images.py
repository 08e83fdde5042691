"""Build a fire/smoke image test set independent of the developer data (VID-1, VID-2, VID-12).

The dev val split shares source videos with train (the ``fa_*`` frames), so its numbers are
optimistic. JoabeConrado19/fire-detection holds a Roboflow export, "smokeandfire" v2 (workspace
detection-e83li, CC BY 4.0, 9.8k images), whose test split is used here minus:

- DFS images (``small_*``, ``middle_*``, ``large_*``): their boxes and class names are burnt into
  the pixels, so a detector would be scored on drawings of boxes;
- ``ck*`` frames, whose upstream is licensed for non-commercial use only;
- near-duplicates of any developer image, train or val (thumbnail correlation), so nothing the
  model trained on is scored again, and near-identical consecutive frames within the split.

Polygon labels become their bounding boxes; class names are lowercased to the project's (``fire``,
``smoke``). What is left is mostly fire seen close up (frames of flames in hands, on paper, in a
pan) and a few scene photos. Nothing is committed: bring the repository with the ``fetch`` tool
(or ``git clone``), then

    python -m vision.datasets.independent_images --git-dir GIT_DIR --dev ../shared/data/firesmoke var/eval/indep
    watchpost vision eval --set var/eval/indep --split test --no-clips --out indep.json
"""

from __future__ import annotations

import argparse
import io
import json
import tarfile
from collections import Counter
from pathlib import Path

import cv2
import numpy as np
import yaml

from vision.datasets.git_source import git, head_commit
from vision.eval.dataset import load_image_set

REPO = "github.com/JoabeConrado19/fire-detection"
SPLIT_DIR = "treinando_yolov8/datasets/smoke/test"
LICENCE = ("CC BY 4.0 (Roboflow export `smokeandfire` v2, workspace detection-e83li, "
           "universe.roboflow.com/detection-e83li/smokeandfire; README.dataset.txt in the export)")
NAMES = {0: "fire", 1: "smoke"}  # the export's ['Fire', 'Smoke'], lowercased
BURNT_IN = ("small_", "middle_", "large_")
NON_COMMERCIAL = ("ck",)
# Thumbnail correlation: re-encoded or resized copies of one image score > 0.99; unrelated images of the
# dev set score at most 0.81 against this split. Within the split, consecutive video frames above 0.98
# are one view of the scene: only the first is kept.
DEV_DUPLICATE = 0.95
SPLIT_DUPLICATE = 0.98


def thumbnail(image: np.ndarray) -> np.ndarray:
    """A 32x32 grey thumbnail, zero mean and unit norm: the dot product of two is their correlation.

    Stretched to a square on purpose: exports resize images to other aspect ratios. (A 64-bit
    difference hash was tried first: it matched unrelated bright-flame frames within 6 bits.)
    """
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    t = cv2.resize(grey, (32, 32), interpolation=cv2.INTER_AREA).astype(np.float32).ravel()
    t -= t.mean()
    norm = float(np.linalg.norm(t))
    return t / norm if norm > 0 else t


def near(thumbs: np.ndarray, t: np.ndarray, min_corr: float) -> bool:
    """Whether ``t`` correlates at ``min_corr`` or more with any row of ``thumbs``."""
    return bool(thumbs.size) and float((thumbs @ t).max()) >= min_corr


def to_boxes(label_text: str) -> list[str]:
    """YOLO label lines (boxes or polygons) as ``cls cx cy w h`` boxes."""
    out = []
    for line in label_text.splitlines():
        parts = line.split()
        if not parts:
            continue
        cls, vals = int(float(parts[0])), [float(v) for v in parts[1:]]
        if len(vals) == 4:
            cx, cy, w, h = vals
        elif len(vals) >= 6 and len(vals) % 2 == 0:
            xs, ys = vals[0::2], vals[1::2]
            cx, cy, w, h = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2, max(xs) - min(xs), max(ys) - min(ys)
        else:
            raise ValueError(f"label line with {len(vals)} coordinates: {line!r}")
        if cls not in NAMES:
            raise ValueError(f"class id {cls} is not one of {NAMES}")
        out.append(f"{cls} {cx:.6f} {cy:.6f} {w:.6f} {h:.6f}")
    return out


def dev_thumbnails(dev: Path) -> np.ndarray:
    items = [i for split in ("train", "val") for i in load_image_set(dev, split).images]
    return np.stack([thumbnail(cv2.imread(str(i.path))) for i in items])


def excluded_by_name(stem: str) -> str | None:
    if stem.startswith(BURNT_IN):
        return "DFS, boxes burnt into the pixels"
    if stem.startswith(NON_COMMERCIAL):
        return "non-commercial upstream"
    return None


def build(git_dir: Path, dev: Path, out: Path) -> dict[str, object]:
    """Write ``out/images/test``, ``out/labels/test``, ``data.yaml`` and ``source.json``; return the tally."""
    commit = head_commit(git_dir)
    tar = git(git_dir, "archive", "HEAD", SPLIT_DIR)
    files = {}
    with tarfile.open(fileobj=io.BytesIO(tar)) as tf:
        for m in tf.getmembers():
            f = tf.extractfile(m) if m.isfile() else None
            if f is not None:
                files[m.name[len(SPLIT_DIR) + 1:]] = f.read()
    known = dev_thumbnails(dev)
    (out / "images" / "test").mkdir(parents=True, exist_ok=True)
    (out / "labels" / "test").mkdir(parents=True, exist_ok=True)
    dropped: Counter[str] = Counter()
    kept: list[np.ndarray] = []
    boxes: Counter[str] = Counter()
    for name in sorted(n for n in files if n.startswith("images/")):
        stem = Path(name).stem
        why = excluded_by_name(stem)
        image = cv2.imdecode(np.frombuffer(files[name], np.uint8), cv2.IMREAD_COLOR)
        if why is None and image is None:
            why = "unreadable image"
        if why is None:
            t = thumbnail(image)
            if near(known, t, DEV_DUPLICATE):
                why = "near-duplicate of a developer image"
            elif kept and near(np.stack(kept), t, SPLIT_DUPLICATE):
                why = "near-duplicate within the split"
            else:
                kept.append(t)
        if why is not None:
            dropped[why] += 1
            continue
        lines = to_boxes(files.get(f"labels/{stem}.txt", b"").decode())
        boxes.update(NAMES[int(ln.split()[0])] for ln in lines)
        (out / "images" / "test" / Path(name).name).write_bytes(files[name])
        (out / "labels" / "test" / f"{stem}.txt").write_text("".join(f"{ln}\n" for ln in lines))
    (out / "data.yaml").write_text(yaml.safe_dump({"path": ".", "test": "images/test", "names": NAMES},
                                                  sort_keys=False))
    tally = {"source": f"{REPO} @ {commit}, {SPLIT_DIR}", "licence": LICENCE, "kept": len(kept),
             "boxes": dict(boxes), "dropped": dict(dropped),
             "duplicate_correlation": {"dev": DEV_DUPLICATE, "split": SPLIT_DUPLICATE}}
    (out / "source.json").write_text(json.dumps(tally, indent=1))
    return tally


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--git-dir", type=Path, required=True, help="git directory of JoabeConrado19/fire-detection")
    ap.add_argument("--dev", type=Path, required=True, help="the developer fire/smoke set (train and val)")
    ap.add_argument("out", type=Path)
    args = ap.parse_args(argv)
    print(json.dumps(build(args.git_dir, args.dev, args.out), indent=1))


if __name__ == "__main__":
    main()
