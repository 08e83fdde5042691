"""Sensor → camera linkage (VID-9), pure: which cameras a worker command concerns and which
recording window it pins. No I/O; the worker does the pinning, snapshots and posting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from watchpost.events import WorkerCommand


@dataclass(frozen=True)
class LinkagePlan:
    camera_ids: list[str]
    start: datetime
    end: datetime
    unknown: list[str]


def plan(cmd: WorkerCommand, linkage: dict[str, list[str]], known: set[str], now: datetime,
         pre_s: float, post_s: float) -> LinkagePlan:
    """Cameras named in the command, else those linked to its ``linkage_key``; only the ones this
    worker runs (another shard owns the rest). The window defaults to [now − pre_s, now + post_s]."""
    wanted = list(cmd.camera_ids) or list(linkage.get(cmd.linkage_key or "", []))
    mine = [c for c in dict.fromkeys(wanted) if c in known]
    start = cmd.start or now - timedelta(seconds=pre_s)
    end = cmd.end or now + timedelta(seconds=post_s)
    if end < start:
        start, end = end, start
    return LinkagePlan(mine, start, end, [c for c in wanted if c not in known])
