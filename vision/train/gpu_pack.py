"""Pack a GPU training job into an ignored folder of the checkout (``python -m vision.train.gpu_pack``).

Only the working tree travels to the accelerator machine, 64 MiB in all, and ``../shared`` does not:
the training images are re-encoded as WebP (about 40 % of their JPEG size; the trainer decodes them
once into RAM), a small val sample is kept for the trainer's final check (the real measurement is the
harness here, on the full val split), and the job script, base checkpoint and ultralytics wheels go
beside them. The shipped weights themselves stay behind (``git rm --cached`` them for the call and
``git reset`` after) when space is short.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
from functools import partial
from pathlib import Path
from typing import Callable

from PIL import Image

from vision.train.close_up_views import CLOSE_UP_CLASSES, DEFAULT_FILLS, write_views
from vision.train.merge_labels import merge_label_text

ROOT = Path(__file__).resolve().parents[2]


def pack_split(src: Path, dst: Path, split: str, quality: int, sample: int | None = None,
               relabel: Callable[[str], str] | None = None, hold_out: frozenset[str] = frozenset()) -> int:
    return pack_images(src / "images" / split, src / "labels" / split, dst / "images" / split,
                       dst / "labels" / split, quality, sample, relabel=relabel, hold_out=hold_out)


def pack_images(src_images: Path, src_labels: Path, dst_images: Path, dst_labels: Path, quality: int,
                sample: int | None = None, max_side: int | None = None,
                relabel: Callable[[str], str] | None = None, hold_out: frozenset[str] = frozenset()) -> int:
    images = sorted(p for p in src_images.glob("*.jpg") if p.name.partition("_")[0] not in hold_out)
    if sample:
        images = sorted(random.Random(0).sample(images, min(sample, len(images))))
    dst_images.mkdir(parents=True, exist_ok=True)
    dst_labels.mkdir(parents=True, exist_ok=True)
    for p in images:
        im = Image.open(p).convert("RGB")
        if max_side and max(im.size) > max_side:
            im.thumbnail((max_side, max_side))  # labels are normalised: a resize leaves them valid
        im.save(dst_images / f"{p.stem}.webp", "WEBP", quality=quality, method=6)
        text = (src_labels / f"{p.stem}.txt").read_text()
        (dst_labels / f"{p.stem}.txt").write_text(relabel(text) if relabel else text)
    return len(images)


JOB_DATA = {"fs": ("firesmoke", 72), "person": ("person", 60)}  # job -> data set, WebP quality


def pack_base(src: Path, dst: Path) -> str:
    """A training start point as small as it gets: the model (EMA if present) in half precision, no
    optimizer or EMA copy; ultralytics casts it back to float when training starts."""
    import torch

    ckpt = torch.load(src, map_location="cpu", weights_only=False)
    model = (ckpt.get("ema") or ckpt["model"]).half()
    names = getattr(model, "names", None)
    torch.save({"model": model, "ema": None, "optimizer": None, "epoch": -1, "train_args": {},
                "date": ckpt.get("date"), "version": ckpt.get("version")}, dst)
    params = sum(p.numel() for p in model.parameters())
    return f"{src.name}: {params / 1e6:.1f} M parameters, classes {names}, {dst.stat().st_size / 2**20:.1f} MiB"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--out", type=Path, default=ROOT / ".gpu", help="must be ignored by git (.git/info/exclude)")
    ap.add_argument("--jobs", default="fs,person",
                    help="which jobs' data to pack (fs, person); leave one out to make room (64 MiB in all)")
    ap.add_argument("--fs-base", type=Path, metavar="CKPT",
                    help="start fire/smoke from this ultralytics checkpoint instead of the COCO yolo11n "
                    "(packed as base/fs_base.pt, half precision, without optimizer state)")
    ap.add_argument("--close-ups", type=int, default=0, metavar="N",
                    help="add N close-up views per large fire box to the fire/smoke train split "
                    "(vision.train.close_up_views)")
    ap.add_argument("--merge-smoke", type=float, metavar="GAP",
                    help="fire/smoke train labels with each image's smoke boxes merged: overlapping or within GAP "
                    "(share of the image) of each other become one (vision.train.merge_labels)")
    ap.add_argument("--hold-out", action="append", default=[], metavar="SOURCE",
                    help="leave a source (file-name prefix, e.g. fa) out of the fire/smoke train split, to judge the "
                    "result on it with `watchpost vision compare` (repeatable)")
    args = ap.parse_args(argv)
    jobs = [j for j in args.jobs.split(",") if j]
    if not jobs or set(jobs) - set(JOB_DATA):
        ap.error(f"--jobs: expected some of {', '.join(JOB_DATA)}, got {args.jobs!r}")
    if args.fs_base is not None and not args.fs_base.is_file():
        ap.error(f"--fs-base: {args.fs_base} is not a file")
    out: Path = args.out
    if out.exists():
        shutil.rmtree(out)
    (out / "base").mkdir(parents=True)
    shutil.copyfile(Path(__file__).with_name("gpu_job.py"), out / "gpu_job.py")
    if "person" in jobs or args.fs_base is None:
        shutil.copyfile(args.shared / "models" / "yolo11n-coco.pt", out / "base" / "yolo11n-coco.pt")
    if args.fs_base is not None:
        print("fire/smoke base", pack_base(args.fs_base, out / "base" / "fs_base.pt"))
    for job in jobs:
        name, quality = JOB_DATA[job]
        src, dst = args.shared / "data" / name, out / "data" / name
        relabel = (partial(merge_label_text, class_id=1, gap=args.merge_smoke)  # firesmoke: 0 fire, 1 smoke
                   if job == "fs" and args.merge_smoke is not None else None)
        held = frozenset(args.hold_out) if job == "fs" else frozenset()
        print(name, "train", pack_split(src, dst, "train", quality, relabel=relabel, hold_out=held),
              "val", pack_split(src, dst, "val", 60, 80))
    if args.close_ups and "fs" in jobs:
        with tempfile.TemporaryDirectory() as tmp:
            views, dst = Path(tmp), out / "data" / "firesmoke"
            write_views(args.shared / "data" / "firesmoke", views, set(CLOSE_UP_CLASSES), args.close_ups,
                        DEFAULT_FILLS)
            print("close-up views", pack_images(views / "images", views / "labels", dst / "images" / "train",
                                                dst / "labels" / "train", 72, max_side=640))
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:", "-d",
                    str(out / "whl"), "ultralytics==8.4.190", "ultralytics-thop==2.2.3"], check=True)
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"{out}: {size / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
