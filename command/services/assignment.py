"""Cameras shared out over the vision workers (issue #26): a worker's claim is recorded, then answered
with its share of ``vision.cameras`` over the workers whose claims are current
(``command.domain.shards``). Any replica answers any claim: the leases are rows in the shared database,
and the share is a pure function of them and the config."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from command.db.models.cluster import WorkerLeaseRow
from command.domain import shards
from command.errors import Conflict
from watchpost.config import Config
from watchpost.events import WorkerAssignment, WorkerClaim


class Superseded(Conflict):
    """A claim from a process that a newer one with the same worker id has replaced."""


def _cameras(cfg: Config) -> tuple[list[str], dict[str, str]]:
    cams = [c for c in cfg.vision.cameras if c.enabled]
    return [c.id for c in cams], {c.id: c.worker for c in cams if c.worker}


def _leases(db: Session) -> list[WorkerLeaseRow]:
    return list(db.execute(select(WorkerLeaseRow).order_by(WorkerLeaseRow.worker_id)).scalars())


def shares(db: Session, cfg: Config, now: datetime) -> tuple[shards.Shares, list[WorkerLeaseRow]]:
    rows = _leases(db)
    live = shards.live_workers([shards.Lease(r.worker_id, r.at, r.leaving) for r in rows], now,
                               cfg.vision.assignment.lease_s)
    ids, pins = _cameras(cfg)
    return shards.assign(ids, live, pins), rows


def claim(db: Session, cfg: Config, c: WorkerClaim, now: datetime) -> WorkerAssignment:
    """Record ``c`` and answer with the worker's cameras. Commits before answering; raises ``Superseded``
    (nothing written) when another process has taken the worker id over."""
    for attempt in range(2):
        row = db.execute(select(WorkerLeaseRow).where(WorkerLeaseRow.worker_id == c.worker_id)
                         .with_for_update()).scalar_one_or_none()
        epoch = shards.claim_epoch(row.epoch if row is not None else None, c.epoch)
        if epoch is None and c.epoch is None:
            db.rollback()
            raise Conflict(f"worker id {c.worker_id} has used every epoch; delete its row from worker_leases")
        if epoch is None:
            db.rollback()
            raise Superseded(f"worker id {c.worker_id} has been taken over by a newer process (epoch "
                             f"{row.epoch if row is not None else '?'}, this one holds {c.epoch}); this one must stop")
        if row is None:
            db.add(WorkerLeaseRow(worker_id=c.worker_id, epoch=epoch, at=now, leaving=c.leaving, running=c.running,
                                  relay_url=c.relay_url))
        else:
            row.epoch, row.at, row.leaving, row.running = epoch, now, c.leaving, list(c.running)
            row.relay_url = c.relay_url
        try:
            db.commit()
            break
        except IntegrityError:  # two processes with one worker id sent their first claim at once
            db.rollback()
            if attempt:
                raise
    split, _ = shares(db, cfg, now)
    db.commit()  # end the read (ReleasingRoute would too; this is also called outside a request)
    return WorkerAssignment(worker_id=c.worker_id, epoch=epoch, cameras=split.by_worker.get(c.worker_id, []),
                            live_workers=sorted(split.by_worker), lease_s=cfg.vision.assignment.lease_s, at=now)


def relays(db: Session, cfg: Config, now: datetime) -> tuple[shards.Shares, dict[str, str | None]]:
    """The current split, and the relay each live worker stated in its last claim (for the live view)."""
    split, rows = shares(db, cfg, now)
    db.commit()  # end the read
    return split, {r.worker_id: r.relay_url for r in rows if r.worker_id in split.by_worker}


def overview(db: Session, cfg: Config, now: datetime) -> dict[str, Any]:
    """Every worker that ever claimed: live or not, its share, what it said it runs; the cameras no one runs."""
    split, rows = shares(db, cfg, now)
    return {
        "at": now.isoformat(),
        "lease_s": cfg.vision.assignment.lease_s,
        "workers": [{"worker_id": r.worker_id, "epoch": r.epoch, "claimed_at": r.at.isoformat(),
                     "age_s": round(max((now - r.at).total_seconds(), 0.0), 1), "leaving": r.leaving,
                     "live": r.worker_id in split.by_worker, "cameras": split.by_worker.get(r.worker_id, []),
                     "running": list(r.running or []), "relay_url": r.relay_url} for r in rows],
        "unassigned": split.unassigned,
    }
