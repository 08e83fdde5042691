"""The self-monitor (issue #26, NFR-10): every ``monitor.period_s`` the process holding the background
loops gathers its figures (the workers' and the service processes' heartbeats, the outbox, the media root),
applies the rules of ``command.domain.self_checks`` and posts what it finds as ``source="system"`` alarms
through the normal intake. A condition is posted when it starts and again every ``monitor.repeat_s`` (at most
half the merge window) while it lasts: the repeats fold into its open alarm (more occurrences, a later last
sighting), exactly as a camera's repeated fire does. A condition that clears posts nothing; the duty officer
closes the alarm. The worker's own camera_offline and storage alarms are not repeated here.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from datetime import datetime
from pathlib import Path
from typing import Any

from command.domain import self_checks
from command.domain.self_checks import Finding, Limits, WorkerFigures
from command.services import intake, replicas
from command.services.system_health import MediaUsage, heartbeats, outbox_figures
from watchpost.events import AlarmEvent, Location
from watchpost.loops import PeriodicLoop

log = logging.getLogger(__name__)
ACTOR = "self-monitor"


class SelfMonitor(PeriodicLoop):
    name = "self-monitor"

    def __init__(self, state: Any):
        super().__init__(state.config.monitor.period_s, join_s=5.0)
        self.state = state
        self.onsets: dict[str, datetime] = {}  # starved cameras: since when
        self.posted: dict[str, datetime] = {}  # condition key -> last posted
        self.spool_samples: dict[str, deque[tuple[datetime, int]]] = {}
        self.media = MediaUsage(state.config.vision.media_root, state.config.monitor.disk_scan_s)

    def round(self) -> None:
        self.run_once()

    # -- gather and judge ---------------------------------------------------------------------------
    def findings(self, now: datetime) -> list[Finding]:
        cfg = self.state.config
        limits = Limits.of(cfg.monitor)
        with self.state.sessions() as db:
            db.connection(execution_options={"readonly": True})
            seen = heartbeats(db)
            outbox = outbox_figures(db, now)
            processes = replicas.replicas(db)
        workers = [WorkerFigures(w.worker_id, w.received_at, w.heartbeat) for w in seen]
        found = self_checks.silent_workers(workers, now, limits)
        silent, replaced = self_checks.silent_replicas(processes, now, limits)
        found += silent
        if replaced:  # restarted by their supervisor: their successors beat in their place
            with self.state.sessions() as db:
                replicas.forget(db, replaced)
        fps = {c.id: c.detect_fps for c in cfg.vision.cameras}
        starved, self.onsets = self_checks.hold(self_checks.starved_cameras(workers, now, limits, fps),
                                                self.onsets, now, limits.starved_for_s)
        found += starved
        for w in workers:
            found += self_checks.spool_growing(w.worker_id, self._sample_spool(w, now), now, limits)
        found += self_checks.disk_over_share(self._media_bytes(workers), cfg.vision.recording.quota_gb * 1024**3,
                                             limits)
        found += self_checks.outbox_backlog(outbox.backlog, outbox.oldest_pending_s, limits)
        return found

    def _sample_spool(self, w: WorkerFigures, now: datetime) -> list[tuple[datetime, int]]:
        samples = self.spool_samples.setdefault(w.worker_id, deque())
        if not samples or samples[-1][0] != w.received_at:
            samples.append((w.received_at, int(w.heartbeat.get("spool_depth") or 0)))
        window = self.state.config.monitor.spool_growing_s
        # Keep the window and one sample before it (the depth the window grew from).
        while len(samples) > 1 and (now - samples[1][0]).total_seconds() > window:
            samples.popleft()
        return list(samples)

    def _media_bytes(self, workers: list[WorkerFigures]) -> int | None:
        figures = [int(w.heartbeat["media_bytes"]) for w in workers if w.heartbeat.get("media_bytes") is not None]
        if Path(self.media.root).is_dir():
            figures.append(self.media.used_bytes())
        return max(figures) if figures else None

    # -- post -----------------------------------------------------------------------------------------
    def run_once(self) -> list[Finding]:
        """One round: judge, then post what is due. Returns the findings posted."""
        now = self.state.clock.now()
        return self.post(self.findings(now), now)

    def post(self, findings: list[Finding], now: datetime) -> list[Finding]:
        cfg = self.state.config
        window = cfg.policies.merge_window_s
        every = min(cfg.monitor.repeat_s, window / 2) if window > 0 else math.inf
        live = {f.key for f in findings}
        for key in [k for k in self.posted if k not in live]:
            del self.posted[key]
        posted = []
        for f in findings:
            last = self.posted.get(f.key)
            if last is not None and (now - last).total_seconds() < every:
                continue
            try:
                with self.state.sessions() as db:
                    intake.ingest(db, self.state, self.event(f, now), ACTOR)
            except Exception:
                log.exception("self-monitor: could not post %s", f.key)
                continue
            if last is None:
                log.warning("self-alarm %s: %s", f.key, f.description)
            self.posted[f.key] = now
            posted.append(f)
        return posted

    def event(self, f: Finding, now: datetime) -> AlarmEvent:
        cam = next((c for c in self.state.config.vision.cameras if c.id == f.camera_id), None) if f.camera_id else None
        loc = Location(name=(cam.name or cam.id) if cam else f.place, site=cam.site if cam else None,
                       lon=cam.location.lon if cam and cam.location else None,
                       lat=cam.location.lat if cam and cam.location else None)
        return AlarmEvent(source="system", source_event_id=f"monitor:{f.key}:{int(now.timestamp() * 1000)}",
                          type=f.type, occurred_at=now, location=loc, camera_id=f.camera_id, title=f.title,
                          description=f.description, raw={"monitor": f.key, **f.data})
