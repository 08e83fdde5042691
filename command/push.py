"""Live push to consoles (filled in by the push/console work of issue #3).

Contract used by every writer: ``state.push.record(db, topic, action, data)`` inside the
write's transaction; the event gets its monotonic id from the database and is fanned out to
WebSocket clients after commit.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session


class PushHub:
    def __init__(self, state: Any):
        self.state = state

    def record(self, db: Session, topic: str, action: str, data: dict[str, Any]) -> None:
        """Persist a push event in the caller's transaction; delivered after commit."""
        return None
