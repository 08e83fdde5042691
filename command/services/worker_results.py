"""Workers' answers to the commands an API call waits for (a GB/T 28181 device's recordings, VID-5).

The call that queued the command may run on another service replica than the one the worker posts to, so
the answer goes through the database, not memory. An answer is written once (a worker's resend after a lost
acknowledgement finds it) and kept a day: a waiting call has long gone by then."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from command.db.models.workers import WorkerCommandResultRow
from watchpost.events import WorkerCommandResult

KEEP = timedelta(days=1)


def store(db: Session, result: WorkerCommandResult, now: datetime) -> bool:
    """Keep ``result`` (and forget those older than a day); False when its request id was already answered.
    Commits."""
    if get(db, result.request_id) is not None:
        return False
    db.execute(delete(WorkerCommandResultRow).where(WorkerCommandResultRow.created_at < now - KEEP))
    db.add(WorkerCommandResultRow(request_id=result.request_id, worker_id=result.worker_id,
                                  body=result.model_dump(mode="json"), created_at=now))
    try:
        db.commit()
    except IntegrityError:  # two workers (or a resend) raced to answer: the first answer stands
        db.rollback()
        return False
    return True


def get(db: Session, request_id: str) -> WorkerCommandResult | None:
    body = db.execute(select(WorkerCommandResultRow.body)
                      .where(WorkerCommandResultRow.request_id == request_id)).scalar()
    return WorkerCommandResult.model_validate(body) if body is not None else None
