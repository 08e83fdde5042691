"""The project's training recipe: a gentle fine-tune of a COCO checkpoint (VID-13).

Defaults follow ../shared/models/README.md: an explicit optimizer with a low learning rate
(``optimizer=auto`` ignores lr0), a short warm-up with a small bias lr, fixed seed, mosaic
switched off for the last epochs, so the first epochs do not undo the pretraining.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from vision.train.close_up_views import DEFAULT_FILLS

DEFAULT_BASE = "../shared/models/yolo11n-coco.pt"


class Recipe(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base: str = Field(default=DEFAULT_BASE, description="start checkpoint (COCO-pretrained)")
    epochs: int = Field(default=30, ge=1)
    imgsz: int = Field(default=640, ge=32)
    batch: int = Field(default=16, ge=1)
    optimizer: Literal["SGD", "AdamW", "Adam"] = "SGD"
    lr0: float = Field(default=0.005, gt=0)
    lrf: float = Field(default=0.1, gt=0)
    momentum: float = 0.9
    warmup_epochs: float = Field(default=1.0, ge=0)
    warmup_bias_lr: float = Field(default=0.01, ge=0)
    freeze: int | None = Field(default=None, ge=0, description="freeze the first N layers (10 = backbone)")
    close_mosaic: int = Field(default=5, ge=0)
    # ultralytics' default augmentation (HSV jitter, flips, scale/translate, mosaic) is kept;
    # hard negatives come from empty label files in the data, which ultralytics trains as background.
    hsv_h: float = 0.015
    hsv_s: float = 0.7
    hsv_v: float = 0.4
    fliplr: float = 0.5
    mosaic: float = 1.0
    scale: float = 0.5
    seed: int = 0
    patience: int = 50
    workers: int = 2
    device: str = "cpu"
    cache: bool = True
    keep_base_classes: bool = Field(
        default=False,
        description="train with the base model's class list (e.g. COCO's 80, person = 0) so the whole "
        "detection head transfers; data classes are mapped to base ids by name",
    )

    close_ups: int = Field(
        default=0, ge=0,
        description="close-up views per large fire box of the train split: crops that cut through the "
        "box, labels clipped (vision.train.close_up_views); 0 = none",
    )
    close_up_fill: tuple[float, float] = Field(
        default=DEFAULT_FILLS, description="range of box side / crop side for the close-up views (>= 1)")
    train_limit: int | None = Field(
        default=None, ge=1,
        description="train on a seeded sample of this many train images (plus the close-up views): a CPU fine-tune",
    )

    merge_smoke: float | None = Field(
        default=None, ge=0, le=0.5,
        description="train on smoke labels merged per image: boxes that overlap or lie within this share of the "
        "image of each other become their union (vision.train.merge_labels); None = as labelled",
    )

    @field_validator("close_up_fill")
    @classmethod
    def _fill_range(cls, v: tuple[float, float]) -> tuple[float, float]:
        if not 1.0 <= v[0] <= v[1]:
            raise ValueError(f"close_up_fill must be (low, high) with 1 <= low <= high, got {v}")
        return v

    def train_kwargs(self) -> dict[str, Any]:
        kw = self.model_dump(exclude={"base", "keep_base_classes", "cache", "close_ups", "close_up_fill",
                                      "train_limit", "merge_smoke"})
        if kw["freeze"] is None:
            kw.pop("freeze")
        kw["cache"] = "ram" if self.cache else False
        kw.update(deterministic=False, amp=False, plots=False, exist_ok=True)
        return kw


def resolve_base(base: str, project_root: Path) -> Path:
    p = Path(base)
    return p if p.is_absolute() else (project_root / p).resolve()
