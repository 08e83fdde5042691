"""A cheap motion gate: skip detection on frames where nothing changed.

A forced pass every ``force_every_s`` keeps a static fire being re-confirmed and lets the
off-post rule see a perfectly still person (sleeping at the desk is still on post)."""

from __future__ import annotations

import cv2
import numpy as np


class MotionGate:
    def __init__(self, threshold: float = 0.002, force_every_s: float = 2.0, size: int = 96):
        self.threshold = threshold  # fraction of changed pixels
        self.force_every_s = force_every_s
        self.size = size
        self._prev: np.ndarray | None = None
        self._last_pass_t: float | None = None

    def changed(self, frame: np.ndarray, t: float) -> bool:
        small = cv2.resize(frame, (self.size, self.size), interpolation=cv2.INTER_AREA)
        gray = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), (5, 5), 0)
        prev, self._prev = self._prev, gray
        forced = self._last_pass_t is None or t - self._last_pass_t >= self.force_every_s
        moving = prev is None or float((cv2.absdiff(gray, prev) > 12).mean()) >= self.threshold
        if moving or forced:
            self._last_pass_t = t
            return True
        return False
