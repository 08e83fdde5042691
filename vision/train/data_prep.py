"""Scratch copy of a YOLO data set for training, outside the repository.

ultralytics writes ``labels/*.cache`` beside the labels and needs a resolvable ``path``; the
shared data is read-only and must never land in the repo, so images are linked one by one and labels
copied (and remapped when training with the base model's class list). Close-up views
(``vision.train.close_up_views``) are generated into the scratch copy, and a CPU run may train on a
seeded sample of the train split (``train_limit``) plus those views.
"""

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

from vision.eval.dataset import EvalSetError, read_names
from vision.train.close_up_views import write_views
from vision.train.merge_labels import merge_label_text

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}


@dataclass(frozen=True)
class CloseUps:
    per_box: int
    fills: tuple[float, float]
    classes: frozenset[str]


def _copy_labels(src_root: Path, dst_root: Path, remap: dict[int, int] | None) -> None:
    for src in src_root.rglob("*.txt"):
        dst = dst_root / src.relative_to(src_root)
        dst.parent.mkdir(parents=True, exist_ok=True)
        if remap is None:
            shutil.copyfile(src, dst)
            continue
        lines = []
        for line in src.read_text().splitlines():
            parts = line.split()
            if parts:
                parts[0] = str(remap[int(float(parts[0]))])
                lines.append(" ".join(parts))
        dst.write_text("\n".join(lines) + ("\n" if lines else ""))


def prepare(data_dir: Path, scratch: Path, base_names: dict[int, str] | None = None,
            close_ups: CloseUps | None = None, train_limit: int | None = None, seed: int = 0,
            merge_smoke: float | None = None) -> Path:
    """Build ``scratch`` from ``data_dir``; return the absolute data.yaml to train with."""
    data_dir = Path(data_dir).resolve()
    doc = yaml.safe_load((data_dir / "data.yaml").read_text()) if (data_dir / "data.yaml").is_file() else None
    if not doc:
        raise EvalSetError(f"{data_dir}: no data.yaml")
    names = read_names(data_dir / "data.yaml")
    for key in ("train", "val"):
        if key not in doc:
            raise EvalSetError(f"{data_dir}/data.yaml: `{key}` is missing")
    remap: dict[int, int] | None = None
    out_names: dict[int, str] = names
    if base_names is not None:
        by_name = {v.lower(): k for k, v in base_names.items()}
        missing = [n for n in names.values() if n.lower() not in by_name]
        if missing:
            raise EvalSetError(f"classes {missing} are not in the base model's names; drop --keep-base-classes")
        remap = {i: by_name[n.lower()] for i, n in names.items()}
        out_names = dict(base_names)
    if scratch.exists():
        shutil.rmtree(scratch)
    (scratch / "labels").mkdir(parents=True)
    # One link per image, not a link to the folder: ultralytics resolves the split folders, and
    # through a folder link it would read labels from (and write its label cache into) the source.
    for src in (data_dir / "images").rglob("*"):
        if src.is_file():
            dst = scratch / "images" / src.relative_to(data_dir / "images")
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.symlink_to(src)
    _copy_labels(data_dir / "labels", scratch / "labels", remap)
    if merge_smoke is not None:
        smoke = next((i for i, n in out_names.items() if n.lower() == "smoke"), None)
        if smoke is None:
            raise EvalSetError(f"{data_dir}: merge_smoke needs a `smoke` class")
        for label in (scratch / "labels").rglob("*.txt"):
            label.write_text(merge_label_text(label.read_text(), smoke, merge_smoke))
    train: str | list[str] = doc["train"]
    extra: list[Path] = []
    if close_ups is not None:
        # Views are written with the set's class ids, then copied through the same remap as the set.
        raw = scratch / "closeup_raw"
        if write_views(data_dir, raw, set(close_ups.classes), close_ups.per_box, close_ups.fills, seed):
            (scratch / "closeup").mkdir()
            (raw / "images").rename(scratch / "closeup" / "images")
            _copy_labels(raw / "labels", scratch / "closeup" / "labels", remap)
            extra = sorted((scratch / "closeup" / "images").iterdir())
            train = [*(doc["train"] if isinstance(doc["train"], list) else [doc["train"]]), "closeup/images"]
        shutil.rmtree(raw)
    if train_limit is not None:
        if not isinstance(doc["train"], str):
            raise EvalSetError(f"{data_dir}/data.yaml: train_limit needs `train` to be one folder")
        images = sorted(p for p in (scratch / doc["train"]).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        picked = sorted(random.Random(seed).sample(images, min(train_limit, len(images))))
        (scratch / "train.txt").write_text("".join(f"{p.absolute()}\n" for p in picked + extra))
        train = "train.txt"
    out = {"path": str(scratch.resolve()), "train": train, "val": doc["val"], "names": out_names}
    (scratch / "data.yaml").write_text(yaml.safe_dump(out, sort_keys=False))
    return scratch / "data.yaml"
