"""The service processes' own heartbeats (issue #26, NFR-10): every ``watchpost serve`` process records
every ``monitor.replica_beat_s`` that it is alive (``service_replicas``), whether or not it holds the
background loops, and deletes its row when it stops in an orderly way. The self-monitor on the process
holding the loops alarms on a row gone stale (``command.domain.self_checks.silent_replicas``): a replica
killed, hung, or cut off from the database. Every replica failing at once leaves no one to alarm; that is
for the site's outside monitoring (docs/operations.md, "Monitoring")."""

from __future__ import annotations

import logging
import os
import socket
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from command.db.models.cluster import ServiceReplicaRow
from command.domain.self_checks import ReplicaFigures
from watchpost.loops import PeriodicLoop

log = logging.getLogger(__name__)


def address(cfg: Any) -> str:
    """How operators know this process: the host it runs on and the port it serves."""
    return f"{socket.gethostname()}:{cfg.server.port}"[:300]


def record(db: Session, replica_id: str, addr: str, pid: int, started_at: datetime, now: datetime,
           leader: bool) -> None:
    """Keep this process's heartbeat. Commits."""
    for _ in range(2):
        row = db.get(ServiceReplicaRow, replica_id)
        if row is None:
            db.add(ServiceReplicaRow(replica_id=replica_id, address=addr, pid=pid, started_at=started_at, at=now,
                                     leader=leader))
        else:
            row.at, row.leader = now, leader
        try:
            db.commit()
            return
        except IntegrityError:  # cannot happen for a fresh uuid unless a round was retried; take the row
            db.rollback()


def forget(db: Session, replica_ids: list[str]) -> None:
    """Drop these replicas' rows (stopped in order, or replaced by a newer process). Commits."""
    if replica_ids:
        db.execute(delete(ServiceReplicaRow).where(ServiceReplicaRow.replica_id.in_(replica_ids)))
        db.commit()


def replicas(db: Session) -> list[ReplicaFigures]:
    rows = db.execute(select(ServiceReplicaRow).order_by(ServiceReplicaRow.address, ServiceReplicaRow.started_at))
    return [ReplicaFigures(r.replica_id, r.address, r.pid, r.started_at, r.at, r.leader) for r in rows.scalars()]


class ReplicaBeat(PeriodicLoop):
    """Runs in every service process (not only the one holding the loops)."""

    name = "replica-beat"

    def __init__(self, state: Any):
        super().__init__(state.config.monitor.replica_beat_s, join_s=5.0)
        self.state = state
        self.replica_id: str = state.push.replica  # one identity per process, the one its push events carry
        self.address = address(state.config)
        self.pid = os.getpid()
        self.started_at = state.clock.now()

    def round(self) -> None:
        with self.state.sessions() as db:
            record(db, self.replica_id, self.address, self.pid, self.started_at, self.state.clock.now(),
                   leader=bool(self.state.background))

    def stop(self) -> None:
        super().stop()
        try:  # an orderly stop is no silence: nothing to alarm on
            with self.state.sessions() as db:
                forget(db, [self.replica_id])
        except Exception:
            log.warning("could not remove this replica's heartbeat row; it will be alarmed as silent")
