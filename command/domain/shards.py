"""Which vision worker runs which camera (issue #26, NFR-5), pure.

Rendezvous (highest-random-weight) hashing: every camera ranks every worker by a hash of the pair and
goes to the live worker it ranks highest. The ranking does not depend on which other workers are
live, so when a worker dies only its own cameras move (each to its next-ranked worker), and when it
comes back exactly those cameras return: no camera that stayed put has its rules and evidence
buffers restarted. Every service replica computes the same answer from the same live set, without
talking to the others.

A camera pinned to a worker (``Camera.worker``: a USB camera, a camera only that machine can reach)
runs there or, while that worker is down, nowhere.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable, Mapping, Sequence


def rank(camera_id: str, worker_id: str) -> int:
    """The pair's weight: a stable hash (not Python's ``hash``, which differs per process)."""
    digest = hashlib.blake2b(f"{camera_id}\x00{worker_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def owner(camera_id: str, workers: Iterable[str]) -> str | None:
    """The worker that ranks highest for ``camera_id`` (ties, which a 64-bit hash makes rare, by id)."""
    return max(workers, key=lambda w: (rank(camera_id, w), w), default=None)


@dataclass(frozen=True)
class Shares:
    by_worker: dict[str, list[str]]  # every live worker, with its cameras in the configured order
    unassigned: list[str] = field(default_factory=list)  # no live worker, or pinned to one that is not live


def assign(camera_ids: Sequence[str], live: Iterable[str], pins: Mapping[str, str] | None = None) -> Shares:
    """Share ``camera_ids`` out over the ``live`` workers; ``pins`` maps a camera to the only worker
    that may run it."""
    live_set = set(live)
    pins = pins or {}
    by_worker: dict[str, list[str]] = {w: [] for w in sorted(live_set)}
    unassigned: list[str] = []
    for cid in camera_ids:
        pinned = pins.get(cid)
        who = (pinned if pinned in live_set else None) if pinned else owner(cid, live_set)
        if who is None:
            unassigned.append(cid)
        else:
            by_worker[who].append(cid)
    return Shares(by_worker, unassigned)


EPOCH_MAX = 2**53  # what a claim may carry (watchpost.events.WorkerClaim)


def claim_epoch(held: int | None, claimed: int | None) -> int | None:
    """The epoch a worker id holds after a claim, or None when the claim must be refused.

    ``held`` is the epoch on record for the id (None: none yet); ``claimed`` the one the claiming process
    was given (None: a process that has just started). A starting process takes the id over with the
    next epoch, so the process it replaces — paused, partitioned, or a second one started by mistake
    with the same id — is refused at its next claim and stops its cameras instead of running them twice.
    """
    if claimed is None:
        nxt = 1 if held is None else held + 1
        return nxt if nxt <= EPOCH_MAX else None  # unreachable by restarts; a caller forging epochs is refused
    if held is None or claimed >= held:
        return claimed  # a renewal; or a record lost (a database restored from backup) taken back
    return None


@dataclass(frozen=True)
class Lease:
    worker_id: str
    at: datetime  # its last claim, by the service's clock
    leaving: bool = False  # it said it is stopping


def live_workers(leases: Iterable[Lease], now: datetime, lease_s: float) -> list[str]:
    """Workers that claimed within ``lease_s`` and have not said they are stopping."""
    return sorted(x.worker_id for x in leases if not x.leaving and (now - x.at).total_seconds() <= lease_s)
