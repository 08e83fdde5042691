"""Self-monitoring rules (issue #26, NFR-10), pure: the figures the service gathered → findings.

Each finding names a condition by a stable ``key`` (``camera_starved:<camera>``, ``worker_silent:<worker>``,
``replica_silent:<service process>``, ...). The self-monitor loop turns findings into system alarms through
the normal intake, where repeats of one condition fold into its open alarm (the same source, type and place).
A condition that must last a while before it counts (a camera under its fps) is held here with ``hold``:
the caller keeps the onsets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Mapping, Sequence

TITLES = {
    "camera_starved": "摄像机分析帧率不足 Camera starved",
    "worker_silent": "视频分析节点失联 Worker silent",
    "spool_growing": "待发告警积压 Worker spool growing",
    "disk_quota": "媒体存储接近配额 Media storage near quota",
    "outbox_backlog": "消息发送积压 Outbox backlog",
    "replica_silent": "指挥服务进程失联 Service replica silent",
}


@dataclass(frozen=True)
class Limits:
    """The thresholds (``config.monitor``), as plain numbers."""

    worker_silent_s: float = 90.0
    fps_share: float = 0.5
    starved_for_s: float = 120.0
    spool_min: int = 20
    spool_growing_s: float = 300.0
    disk_share: float = 0.9
    outbox_backlog: int = 200
    outbox_oldest_s: float = 600.0
    replica_silent_s: float = 60.0

    @classmethod
    def of(cls, monitor: Any) -> Limits:
        return cls(**{f: getattr(monitor, f) for f in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Finding:
    key: str  # the condition, stable while it lasts
    type: str  # the alarm type
    place: str  # the alarm's location name (a worker, "media root", "outbox")
    description: str
    camera_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return f"{TITLES.get(self.type, self.type)} · {self.camera_id or self.place}"


@dataclass(frozen=True)
class WorkerFigures:
    """A worker's last heartbeat as the service received it."""

    worker_id: str
    received_at: datetime
    heartbeat: Mapping[str, Any]


def silent_workers(workers: Iterable[WorkerFigures], now: datetime, limits: Limits) -> list[Finding]:
    out = []
    for w in workers:
        age = (now - w.received_at).total_seconds()
        if age > limits.worker_silent_s:
            out.append(Finding(f"worker_silent:{w.worker_id}", "worker_silent", w.worker_id,
                               f"no heartbeat from worker {w.worker_id} for {age:.0f} s "
                               f"(limit {limits.worker_silent_s:.0f} s)", data={"age_s": round(age, 1)}))
    return out


@dataclass(frozen=True)
class ReplicaFigures:
    """A service process's last heartbeat (``service_replicas``)."""

    replica_id: str
    address: str  # host:port
    pid: int
    started_at: datetime
    at: datetime
    leader: bool = False


def silent_replicas(replicas: Iterable[ReplicaFigures], now: datetime,
                    limits: Limits) -> tuple[list[Finding], list[str]]:
    """Service processes silent for longer than ``replica_silent_s``: the findings, and the ids of those a
    newer process at the same address has replaced (restarted by its supervisor: nothing to alarm, and their
    rows can go). Each newer process stands in for at most one silent one, so two replicas on one address
    (``serve --workers 2``) that die while one comes back still leave a finding."""
    by_addr: dict[str, list[ReplicaFigures]] = {}
    for r in replicas:
        by_addr.setdefault(r.address, []).append(r)
    found: list[Finding] = []
    replaced: list[str] = []
    for addr, group in sorted(by_addr.items()):
        silent = sorted((r for r in group if (now - r.at).total_seconds() > limits.replica_silent_s),
                        key=lambda r: r.at)
        fresh = sorted((r for r in group if (now - r.at).total_seconds() <= limits.replica_silent_s),
                       key=lambda r: r.started_at)
        for r in silent:
            stand_in = next((f for f in fresh if f.started_at >= r.at), None)
            if stand_in is not None:
                fresh.remove(stand_in)
                replaced.append(r.replica_id)
                continue
            age = (now - r.at).total_seconds()
            loops = ", ran the background loops" if r.leader else ""
            found.append(Finding(f"replica_silent:{r.replica_id}", "replica_silent", addr,
                                 f"service process {addr} (pid {r.pid}{loops}) has not recorded a heartbeat for "
                                 f"{age:.0f} s (limit {limits.replica_silent_s:.0f} s)",
                                 data={"age_s": round(age, 1), "pid": r.pid, "replica": r.replica_id}))
    return found, replaced


def starved_cameras(workers: Iterable[WorkerFigures], now: datetime, limits: Limits,
                    detect_fps: Mapping[str, float]) -> list[Finding]:
    """Cameras analysed under ``fps_share`` of their detect_fps now (``hold`` makes it "for a while").
    A camera that is offline is left to its camera_offline alarm; a drill clip is no camera; a silent
    worker's figures are stale (its own finding says so)."""
    out = []
    for w in workers:
        if (now - w.received_at).total_seconds() > limits.worker_silent_s:
            continue
        for cam in w.heartbeat.get("cameras", []):
            if cam.get("drill") or not cam.get("online", True):
                continue
            cid = cam["camera_id"]
            want = float(detect_fps.get(cid) or cam.get("detect_fps") or 0.0)
            got = float(cam.get("fps_analysed") or 0.0)
            if want > 0 and got < limits.fps_share * want:
                out.append(Finding(f"camera_starved:{cid}", "camera_starved", w.worker_id,
                                   f"camera {cid} analysed at {got:.2f} fps, under {limits.fps_share:.0%} of its "
                                   f"{want:g} fps (frames in: {float(cam.get('fps_in') or 0):.2f} fps)",
                                   camera_id=cid, data={"fps_analysed": got, "detect_fps": want,
                                                        "fps_in": cam.get("fps_in"), "worker": w.worker_id}))
    return out


def spool_growing(worker_id: str, samples: Sequence[tuple[datetime, int]], now: datetime,
                  limits: Limits) -> list[Finding]:
    """The spool has only grown over the last ``spool_growing_s`` (samples, oldest first, must reach back that
    far) and holds at least ``spool_min`` items: the service is not taking the worker's alarms."""
    since = [(t, d) for t, d in samples if (now - t).total_seconds() <= limits.spool_growing_s]
    before = [(t, d) for t, d in samples if (now - t).total_seconds() > limits.spool_growing_s]
    if not before or not since:
        return []
    series = [before[-1][1]] + [d for _, d in since]
    grew = all(b >= a for a, b in zip(series, series[1:])) and series[-1] > series[0]
    if not grew or series[-1] < limits.spool_min:
        return []
    return [Finding(f"spool_growing:{worker_id}", "spool_growing", worker_id,
                    f"worker {worker_id} holds {series[-1]} unsent item(s), up from {series[0]} "
                    f"{limits.spool_growing_s:.0f} s ago", data={"depth": series[-1], "was": series[0]})]


def disk_over_share(used_bytes: int | None, quota_bytes: float, limits: Limits) -> list[Finding]:
    if used_bytes is None or quota_bytes <= 0 or used_bytes <= limits.disk_share * quota_bytes:
        return []
    share = used_bytes / quota_bytes
    return [Finding("disk_quota:media", "disk_quota", "media root",
                    f"the media root holds {used_bytes / 1024**3:.2f} GiB, {share:.0%} of its "
                    f"{quota_bytes / 1024**3:g} GiB quota (alarm above {limits.disk_share:.0%})",
                    data={"bytes": used_bytes, "quota_bytes": quota_bytes})]


def outbox_backlog(backlog: int, oldest_pending_s: float | None, limits: Limits) -> list[Finding]:
    too_many = backlog > limits.outbox_backlog
    too_old = oldest_pending_s is not None and oldest_pending_s > limits.outbox_oldest_s
    if not (too_many or too_old):
        return []
    why = []
    if too_many:
        why.append(f"{backlog} messages pending (limit {limits.outbox_backlog})")
    if too_old:
        why.append(f"the oldest pending for {oldest_pending_s:.0f} s (limit {limits.outbox_oldest_s:.0f} s)")
    return [Finding("outbox_backlog:comms", "outbox_backlog", "outbox", "; ".join(why),
                    data={"backlog": backlog, "oldest_pending_s": oldest_pending_s})]


def hold(findings: Iterable[Finding], onsets: Mapping[str, datetime], now: datetime,
         hold_s: float) -> tuple[list[Finding], dict[str, datetime]]:
    """The findings whose condition has held for ``hold_s``, and the onsets to keep (a condition that is
    gone forgets its onset, so a camera must be starved ``hold_s`` in a row)."""
    kept: dict[str, datetime] = {}
    due = []
    for f in findings:
        kept[f.key] = onsets.get(f.key, now)
        if (now - kept[f.key]).total_seconds() >= hold_s:
            due.append(f)
    return due, kept
