"""Readers for the evaluation layout (../shared/spec/eval-format.md): image sets and clips.

The class map always comes from the set's ``data.yaml``; nothing here assumes ids.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".bmp")


class EvalSetError(ValueError):
    """The folder does not follow the evaluation layout; the message says where."""


@dataclass(frozen=True)
class LabelledImage:
    path: Path
    # Ground truth as (class name, cx, cy, w, h) normalized 0-1.
    boxes: tuple[tuple[str, float, float, float, float], ...]

    @property
    def negative(self) -> bool:
        return not self.boxes


def to_pixels(cx: float, cy: float, bw: float, bh: float, w: int, h: int) -> tuple[float, float, float, float]:
    """A normalized (cx, cy, w, h) box as (x1, y1, x2, y2) pixels of a ``w`` x ``h`` image."""
    return (cx - bw / 2) * w, (cy - bh / 2) * h, (cx + bw / 2) * w, (cy + bh / 2) * h


@dataclass(frozen=True)
class ImageSet:
    root: Path
    split: str | None
    names: dict[int, str]
    images: tuple[LabelledImage, ...]
    folder: Path | None = None  # where the images were read from


def _read_yaml(data_yaml: Path) -> dict[str, object]:
    try:
        doc = yaml.safe_load(data_yaml.read_text()) or {}
    except yaml.YAMLError as exc:
        raise EvalSetError(f"{data_yaml}: not valid YAML: {exc}") from None
    if not isinstance(doc, dict):
        raise EvalSetError(f"{data_yaml}: must be a mapping (path, train/val, names)")
    return doc


def _class_name(name: object) -> str:
    # Detectors emit lower-case names; a set that writes `Fire` or ` smoke` means the same class.
    return str(name).strip().lower()


def read_names(data_yaml: Path, doc: dict[str, object] | None = None) -> dict[int, str]:
    """Class ids to names from ``data.yaml`` (``doc``: its contents when already read)."""
    names = (doc if doc is not None else _read_yaml(data_yaml)).get("names")
    if isinstance(names, list):
        return {i: _class_name(n) for i, n in enumerate(names)}
    if isinstance(names, dict) and names:
        try:
            return {int(k): _class_name(v) for k, v in names.items()}
        except (TypeError, ValueError):
            raise EvalSetError(f"{data_yaml}: `names` keys must be integer class ids") from None
    raise EvalSetError(f"{data_yaml}: `names` is missing or empty")


def _parse_label(path: Path, names: dict[int, str]) -> tuple[tuple[str, float, float, float, float], ...]:
    out = []
    for n, line in enumerate(path.read_text().splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 5:
            raise EvalSetError(f"{path}:{n}: expected `class cx cy w h`, got {line!r}")
        try:
            cid = int(float(parts[0]))
            cx, cy, w, h = (float(p) for p in parts[1:])
        except ValueError:
            raise EvalSetError(f"{path}:{n}: not numbers: {line!r}") from None
        if cid not in names:
            raise EvalSetError(f"{path}:{n}: class id {cid} is not in data.yaml names {names}")
        out.append((names[cid], cx, cy, w, h))
    return tuple(out)


def _labels_dir(img_dir: Path) -> Path:
    """ultralytics' rule: the label folder is the image folder with its last ``images`` part renamed."""
    parts = list(img_dir.parts)
    for i in range(len(parts) - 1, -1, -1):
        if parts[i] == "images":
            parts[i] = "labels"
            return Path(*parts)
    raise EvalSetError(f"{img_dir}: image folder has no `images` part to find its labels by")


def _has_images(folder: Path) -> bool:
    return any(p.suffix.lower() in IMAGE_EXTS for p in folder.iterdir() if p.is_file())


def _image_dir(root: Path, doc: dict[str, object], split: str | None) -> tuple[Path, str | None]:
    """``images/<split>``, else the folder data.yaml names for the split, else flat ``images/``."""
    img_dir = root / "images"
    if split and (img_dir / split).is_dir():
        return img_dir / split, split
    if split:
        entry = doc.get(split)
        if isinstance(entry, str) and (root / entry).is_dir():
            # normpath, not resolve: a linked images/ folder must keep its labels/ sibling.
            return Path(os.path.normpath(root / entry)), split
    if img_dir.is_dir() and _has_images(img_dir):
        return img_dir, None
    if not img_dir.is_dir():
        raise EvalSetError(f"{root}: no images/ folder")
    subs = sorted(p.name for p in img_dir.iterdir() if p.is_dir())
    hint = f"; it holds {', '.join(subs)}: choose one with --split" if subs else ""
    raise EvalSetError(f"{root}: no images for split {split!r} (no images/{split}/, data.yaml names no such "
                       f"folder) and no images directly in images/{hint}")


def load_image_set(root: Path, split: str | None = "val") -> ImageSet:
    """Images with a label file under ``images/<split>`` (or flat ``images/`` when absent)."""
    root = Path(root)
    data_yaml = root / "data.yaml"
    if not data_yaml.is_file():
        raise EvalSetError(f"{root}: no data.yaml (needed for the class names)")
    doc = _read_yaml(data_yaml)
    names = read_names(data_yaml, doc)
    img_dir, split = _image_dir(root, doc, split)
    lbl_dir = _labels_dir(img_dir)
    images = []
    for p in sorted(img_dir.iterdir()):
        if p.suffix.lower() not in IMAGE_EXTS:
            continue
        label = lbl_dir / f"{p.stem}.txt"
        if not label.is_file():
            continue  # not part of the set (eval-format.md)
        images.append(LabelledImage(p, _parse_label(label, names)))
    return ImageSet(root=root, split=split, names=names, images=tuple(images), folder=img_dir)


EventType = Literal["fire", "smoke", "off_post"]


class ClipEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: EventType
    start_s: float = Field(ge=0)


class ClipRecord(BaseModel):
    model_config = ConfigDict(extra="ignore")
    file: str
    fps: float = Field(gt=0)
    duration_s: float = Field(gt=0)
    width: int | None = None
    height: int | None = None
    kind: Literal["fire", "smoke", "off_post", "on_post", "negative"]
    roi: list[tuple[float, float]] | None = None
    events: list[ClipEvent] = Field(default_factory=list)
    notes: str = ""
    source: str = ""

    @field_validator("roi")
    @classmethod
    def _roi_is_a_normalized_polygon(cls, roi: list[tuple[float, float]] | None) -> list[tuple[float, float]] | None:
        if roi is not None:
            if len(roi) < 3:
                raise ValueError("a polygon needs at least 3 points")
            if any(not (0 <= v <= 1) for pt in roi for v in pt):
                raise ValueError("points are normalized 0-1 (fractions of width and height), not pixels")
        return roi

    @model_validator(mode="after")
    def _post_clips_draw_the_post(self) -> "ClipRecord":
        # Without the post's polygon the off-post rule has nothing to watch: every event would score a miss.
        if self.roi is None and (self.kind in ("off_post", "on_post") or any(e.type == "off_post" for e in self.events)):
            raise ValueError("`roi` (the duty post's polygon) is required for off_post and on_post clips")
        return self


@dataclass(frozen=True)
class Clip:
    path: Path
    record: ClipRecord


def load_clips(clips_json: Path) -> list[Clip]:
    clips_json = Path(clips_json)
    try:
        raw = json.loads(clips_json.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise EvalSetError(f"{clips_json}: cannot read: {exc}") from None
    if not isinstance(raw, list):
        raise EvalSetError(f"{clips_json}: must be a JSON list of clip records")
    out = []
    for i, rec in enumerate(raw):
        try:
            r = ClipRecord.model_validate(rec)
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = ".".join(str(x) for x in first["loc"])
            where = f"field `{loc}`: " if loc else ""
            msg = first["msg"].removeprefix("Value error, ")
            raise EvalSetError(f"{clips_json}: record {i}: {where}{msg}") from None
        path = clips_json.parent / r.file
        if not path.is_file():
            raise EvalSetError(f"{clips_json}: record {i}: file {r.file!r} not found")
        out.append(Clip(path, r))
    return out


def find_clip_indexes(root: Path) -> list[Path]:
    """``clips.json`` in the set folder and in its direct sub-folders (dev data keeps two)."""
    root = Path(root)
    if root.is_file() and root.name.endswith(".json"):
        return [root]
    found = [root / "clips.json"] if (root / "clips.json").is_file() else []
    found += sorted(p for p in root.glob("*/clips.json"))
    return found
