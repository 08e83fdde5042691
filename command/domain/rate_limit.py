"""A sliding-window limit of attempts per key (login attempts per client address), pure: the
caller passes the time, so tests move a clock instead of sleeping."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass
class SlidingWindow:
    limit: int
    window_s: float
    max_keys: int = 100_000  # bounds memory under a spray of addresses; the oldest keys go first
    _hits: dict[str, deque[float]] = field(default_factory=dict)

    def attempt(self, key: str, now: float) -> float | None:
        """Count an attempt by ``key`` at ``now``: None when allowed, else seconds until one is."""
        hits = self._hits.get(key)
        if hits is None:
            if len(self._hits) >= self.max_keys:
                self._forget_idle(now)
            hits = self._hits[key] = deque()
        while hits and hits[0] <= now - self.window_s:
            hits.popleft()
        if len(hits) >= self.limit:
            return hits[0] + self.window_s - now
        hits.append(now)
        return None

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, h in self._hits.items() if not h or h[-1] <= now - self.window_s]:
            del self._hits[key]
        while len(self._hits) >= self.max_keys:  # all busy: drop the longest-idle
            oldest = min(self._hits, key=lambda k: self._hits[k][-1])
            del self._hits[oldest]
