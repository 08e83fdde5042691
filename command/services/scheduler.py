"""Persisted deadlines and the loop that fires them.

Deadlines (warning verify/feedback, incident report due) are rows in ``scheduled_jobs``; the loop
polls for due rows, so a deadline set before a restart still fires after it. Each job runs in its
own transaction and handlers are idempotent (they re-check the state they act on), so a job that
fires twice, or after the thing it guards was done, changes nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from command.db.models.scheduler import ScheduledJob
from command.state import ServiceState
from watchpost.loops import PeriodicLoop

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5

Handler = Callable[[Session, ServiceState, ScheduledJob, datetime], None]


def schedule(db: Session, kind: str, ref_id: int, due_at: datetime, now: datetime) -> ScheduledJob:
    """Add a deadline in the caller's transaction."""
    job = ScheduledJob(kind=kind, ref_id=ref_id, due_at=due_at, created_at=now)
    db.add(job)
    db.flush()
    return job


# Job kind -> handler. Handlers register themselves with ``@handles(kind)`` where they live, so this
# module imports none of the services whose deadlines it runs (they import ``schedule`` from here).
# The app imports every service module through its routers before the loop starts.
HANDLERS: dict[str, Handler] = {}


def handles(*kinds: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of jobs of ``kinds``."""

    def register(handler: Handler) -> Handler:
        for kind in kinds:
            if HANDLERS.get(kind, handler) is not handler:
                raise ValueError(f"job kind {kind!r} already has a handler: {HANDLERS[kind].__qualname__}")
            HANDLERS[kind] = handler
        return handler

    return register


def run_due(state: ServiceState, now: datetime | None = None, limit: int = 200) -> int:
    """Fire every job due at ``now``; returns how many were processed. Tests call this directly."""
    now = now or state.clock.now()
    # A read-only poll: on SQLite it must not take the write lock every second (see db/engine.py).
    with state.engine.connect().execution_options(readonly=True) as conn:
        ids = conn.execute(select(ScheduledJob.id).where(ScheduledJob.done_at.is_(None), ScheduledJob.due_at <= now)
                           .order_by(ScheduledJob.due_at, ScheduledJob.id).limit(limit)).scalars().all()
    done = 0
    for job_id in ids:
        with state.sessions() as db:
            try:
                job = db.execute(select(ScheduledJob).where(ScheduledJob.id == job_id).with_for_update()).scalar_one()
                if job.done_at is not None:  # another replica got there first
                    db.rollback()
                    continue
                handler = HANDLERS.get(job.kind)
                if handler is None:
                    raise LookupError(f"no handler registered for job kind {job.kind!r}")
                handler(db, state, job, now)
                job.done_at = now
                job.attempts += 1
                db.commit()
                done += 1
            except Exception as exc:  # one bad job must not stop the others
                db.rollback()
                log.exception("scheduled job %s failed", job_id)
                _failed(db, job_id, now, exc)
    return done


def _failed(db: Session, job_id: int, now: datetime, exc: Exception) -> None:
    job = db.get(ScheduledJob, job_id)
    if job is None:
        return
    job.attempts += 1
    job.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    if job.attempts >= MAX_ATTEMPTS:
        job.done_at = now  # give up; last_error says why
    else:
        job.due_at = now + timedelta(seconds=2 ** job.attempts)
    db.commit()


class Scheduler(PeriodicLoop):
    """The background loop: ``run_due`` about once a second on the service's clock."""

    name = "watchpost-scheduler"

    def __init__(self, state: ServiceState, interval_s: float = 1.0):
        super().__init__(interval_s)
        self.state = state

    def round(self) -> None:
        run_due(self.state, self.state.clock.now())


def build(state: ServiceState) -> Scheduler:
    return Scheduler(state)
