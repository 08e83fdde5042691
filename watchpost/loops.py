"""A background loop on a daemon thread: the shape every loop of the service shares (scheduler,
drill runner, comms dispatcher, push retention, ...)."""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)


class PeriodicLoop:
    """Runs ``round()`` until stopped. A round that raises is logged and the loop goes on: a
    database that is briefly unavailable must not end a loop the service relies on (NFR-5).
    ``round`` returns the seconds to wait before the next one, or None for ``period_s``."""

    name = "loop"

    def __init__(self, period_s: float, join_s: float = 10.0):
        self.period_s = period_s
        self.join_s = join_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def round(self) -> float | None:
        raise NotImplementedError

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.join_s)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            wait = None
            try:
                wait = self.round()
            except Exception:
                log.exception("%s: round failed", self.name)
            self._stop.wait(self.period_s if wait is None else wait)
