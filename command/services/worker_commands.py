"""The queue of commands for vision workers: written in the caller's transaction (so a command
exists iff the change that asked for it committed), read by each worker over HTTP."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from command.db.models.workers import WorkerCommandRow
from watchpost.events import WorkerCommand
from watchpost.loops import PeriodicLoop

log = logging.getLogger(__name__)

ALL = "all"  # every worker reads these; each acts on its own cameras
KEEP = timedelta(days=7)


def queue(db: Session, cmd: WorkerCommand, now: datetime, target: str = ALL) -> int:
    row = WorkerCommandRow(target=target, body=cmd.model_dump(mode="json"), created_at=now)
    db.add(row)
    db.flush()
    return row.id


def last_id(db: Session) -> int:
    return db.execute(select(func.max(WorkerCommandRow.id))).scalar() or 0


def after(db: Session, worker_id: str, after_id: int, limit: int = 100) -> list[tuple[int, dict]]:
    """Commands for ``worker_id`` (or for all workers) with an id above ``after_id``, oldest first."""
    rows = db.execute(select(WorkerCommandRow.id, WorkerCommandRow.body)
                      .where(WorkerCommandRow.id > after_id, or_(WorkerCommandRow.target == ALL,
                                                                  WorkerCommandRow.target == worker_id))
                      .order_by(WorkerCommandRow.id).limit(limit)).all()
    return [(r.id, r.body) for r in rows]


def prune(db: Session, now: datetime) -> int:
    """Forget commands older than a week (a worker down longer than that starts afresh), but never the newest:
    SQLite hands out max(id) + 1, so an emptied table would number new commands from 1 again, below the
    ``after`` id every running worker holds, and they would never see them."""
    newest = last_id(db)
    return db.execute(delete(WorkerCommandRow).where(WorkerCommandRow.created_at < now - KEEP,
                                                     WorkerCommandRow.id < newest)).rowcount or 0


class CommandRetention(PeriodicLoop):
    """Prunes the worker-command queue hourly on the service running the background loops."""

    name = "worker-command-retention"

    def __init__(self, state: Any, period_s: float = 3600.0):
        super().__init__(period_s, join_s=5.0)
        self.state = state

    def round(self) -> None:
        with self.state.sessions() as db:
            n = prune(db, self.state.clock.now())
            db.commit()
        if n:
            log.info("worker commands: %d older than %s pruned", n, KEEP)
