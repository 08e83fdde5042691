"""The detector plugin contract: a batch of BGR frames in, normalised boxes out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Detection:
    cls: str
    score: float
    # Normalised xyxy, 0-1 of the frame's width and height.
    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def area(self) -> float:
        return max(0.0, self.x2 - self.x1) * max(0.0, self.y2 - self.y1)

    def intersection(self, other: Detection) -> float:
        """Area (normalised) that this box shares with ``other``."""
        w = min(self.x2, other.x2) - max(self.x1, other.x1)
        h = min(self.y2, other.y2) - max(self.y1, other.y1)
        return w * h if w > 0 and h > 0 else 0.0

    def iou(self, other: Detection) -> float:
        inter = self.intersection(other)
        union = self.area + other.area - inter
        return inter / union if union > 0 else 0.0

    @property
    def centre(self) -> tuple[float, float]:
        return (self.x1 + self.x2) / 2, (self.y1 + self.y2) / 2


def merge_passes(main: list[Detection], extra: list[Detection],
                 same: Callable[[Detection, Detection], bool]) -> list[Detection]:
    """Two passes' boxes over one frame as NMS across the passes would keep them: highest score first, a box
    is dropped when a kept box from the other pass shows the same thing (``same``). Each pass's own boxes were
    already suppressed among themselves by the model, so they never are here."""
    kept: list[tuple[Detection, bool]] = []
    tagged = [(d, False) for d in main] + [(d, True) for d in extra]
    for d, is_extra in sorted(tagged, key=lambda t: -t[0].score):
        if any(k_extra != is_extra and same(k, d) for k, k_extra in kept):
            continue
        kept.append((d, is_extra))
    return [d for d, _ in kept]


class Detector(ABC):
    """A vendor's algorithm plugs in by subclassing this and declaring an entry point in the
    ``watchpost.detectors`` group (see docs/vision.md)."""

    name: str = "detector"
    classes: list[str] = []

    @abstractmethod
    def load(self) -> None: ...

    @abstractmethod
    def detect(self, frames: list[np.ndarray]) -> list[list[Detection]]: ...
