"""The queue of commands for vision workers: written in the caller's transaction (so a command
exists iff the change that asked for it committed), read by each worker over HTTP."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from command.db.models.workers import WorkerCommandRow
from watchpost.events import WorkerCommand

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
    """Forget commands older than a week (a worker down longer than that starts afresh)."""
    return db.execute(delete(WorkerCommandRow).where(WorkerCommandRow.created_at < now - KEEP)).rowcount or 0
