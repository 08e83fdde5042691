"""Time comes from a clock object so deadlines, retention and drills are testable at speed."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone


class Clock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def monotonic(self) -> float:
        import time

        return time.monotonic()


class FakeClock(Clock):
    """A clock that moves only when told to."""

    def __init__(self, start: datetime | None = None):
        self._now = start or datetime(2026, 1, 1, tzinfo=timezone.utc)
        self._mono = 0.0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        with self._lock:
            return self._mono

    def set(self, at: datetime) -> datetime:
        """Move to ``at`` (never backwards: a clock that runs back would undo deadlines)."""
        with self._lock:
            if at < self._now:
                raise ValueError(f"a clock does not run back ({at} < {self._now})")
            self._mono += (at - self._now).total_seconds()
            self._now = at
            return self._now

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            self._now += timedelta(seconds=seconds)
            self._mono += seconds
            return self._now


SYSTEM_CLOCK = Clock()
