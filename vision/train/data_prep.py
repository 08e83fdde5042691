"""Scratch copy of a YOLO data set for training, outside the repository.

ultralytics writes ``labels/*.cache`` beside the labels and needs a resolvable ``path``; the
shared data is read-only and must never land in the repo, so images are symlinked and labels
copied (and remapped when training with the base model's class list).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from vision.eval.dataset import EvalSetError, read_names


def prepare(data_dir: Path, scratch: Path, base_names: dict[int, str] | None = None) -> Path:
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
    (scratch / "images").symlink_to(data_dir / "images", target_is_directory=True)
    for src in (data_dir / "labels").rglob("*.txt"):
        dst = scratch / "labels" / src.relative_to(data_dir / "labels")
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
    out = {"path": str(scratch.resolve()), "train": doc["train"], "val": doc["val"], "names": out_names}
    (scratch / "data.yaml").write_text(yaml.safe_dump(out, sort_keys=False))
    return scratch / "data.yaml"
