"""The vision worker's self-monitoring (issue #26, NFR-10).

``WorkerMonitor`` keeps the figures the detection loop and the retention sweep leave with it (when each
camera was analysed, how long detection took, how many cameras were due in a round, the media root's
size) and turns them, with the readers' health and the spool, into a ``WorkerHeartbeat``. It posts that
to the service every ``monitor.heartbeat_s`` (``POST /api/workers/heartbeat``: the service alarms on a
starved camera, a growing spool, a silent worker) and, when ``monitor.worker_metrics_port`` is set,
serves the same figures at ``http://host:port/metrics`` for Prometheus. Never imports ``command/``.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from datetime import datetime, timezone
from typing import Any, Iterator

import httpx

from watchpost.events import CameraStats, WorkerHeartbeat

log = logging.getLogger(__name__)

FPS_WINDOW_S = 10.0  # fps analysed: passes over the last this many seconds
LATENCY_KEEP = 20  # detection latency: the mean of this many recent passes


class WorkerMonitor:
    def __init__(self, worker: Any):
        self.worker = worker
        self.started_wall = time.time()
        self.queue_depth = 0
        self.media_bytes: int | None = None
        self._passes: dict[str, deque[float]] = {}  # camera -> monotonic times of its recent passes
        self._first: dict[str, float] = {}  # camera -> when its first pass was
        self._latency: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._server: Any = None
        self._process: Any = None
        self.registry: Any = None
        self.sent = 0
        self._batch_hist: Any = None

    # -- fed by the worker ----------------------------------------------------------------------------
    def analysed(self, camera_ids: list[str], per_camera_s: float, batch_s: float | None = None) -> None:
        """One detection round visited ``camera_ids`` (each frame taking ``per_camera_s``)."""
        now = time.monotonic()
        with self._lock:
            self.queue_depth = len(camera_ids)
            for cid in camera_ids:
                self._passes.setdefault(cid, deque(maxlen=2000)).append(now)
                self._first.setdefault(cid, now)
                self._latency.setdefault(cid, deque(maxlen=LATENCY_KEEP)).append(per_camera_s)
        if self._batch_hist is not None and batch_s is not None:
            self._batch_hist.observe(batch_s)

    def fps_analysed(self, camera_id: str, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        with self._lock:
            passes = self._passes.get(camera_id)
            if not passes:
                return 0.0
            n = sum(1 for t in passes if now - t <= FPS_WINDOW_S)
            span = min(FPS_WINDOW_S, max(now - self._first[camera_id], 1.0))
        return n / span

    def latency(self, camera_id: str) -> float | None:
        with self._lock:
            recent = self._latency.get(camera_id)
            return sum(recent) / len(recent) if recent else None

    # -- the heartbeat ----------------------------------------------------------------------------------
    def snapshot(self) -> WorkerHeartbeat:
        w = self.worker
        cams = []
        for cam in list(w.cameras):
            reader = w.readers.get(cam.id)
            if reader is None:
                continue
            h = reader.snapshot_health(w.vc.worker_id)
            cams.append(CameraStats(camera_id=cam.id, online=h.online, detect_fps=cam.detect_fps,
                                    fps_in=round(h.fps_in, 3), fps_analysed=round(self.fps_analysed(cam.id), 3),
                                    decode_errors=h.decode_errors, detect_latency_s=self.latency(cam.id),
                                    last_frame_age_s=None if h.last_frame_age_s is None else max(h.last_frame_age_s, 0),
                                    drill=cam.id in w.drill_cams))
        proc = self._proc()
        return WorkerHeartbeat(worker_id=w.vc.worker_id, started_at=datetime.fromtimestamp(self.started_wall, timezone.utc),
                               cameras=cams, spool_depth=w.spool.pending(), spool_dead=len(w.spool.dead_letters()),
                               queue_depth=self.queue_depth, media_bytes=self.media_bytes, **proc)

    def _proc(self) -> dict[str, float | int | None]:
        try:
            import psutil

            if self._process is None:
                self._process = psutil.Process(os.getpid())
                self._process.cpu_percent(None)
            return {"cpu_percent": float(self._process.cpu_percent(None)),
                    "rss_bytes": int(self._process.memory_info().rss)}
        except Exception:  # psutil missing or the process table unreadable: the rest still counts
            return {"cpu_percent": None, "rss_bytes": None}

    def post_once(self, client: httpx.Client) -> bool:
        vc = self.worker.vc
        headers = {"Authorization": f"Bearer {vc.service_token}"} if vc.service_token else {}
        try:
            r = client.post(vc.service_url.rstrip("/") + "/api/workers/heartbeat",
                            json=self.snapshot().model_dump(mode="json"), headers=headers)
        except httpx.HTTPError as exc:
            log.debug("heartbeat not delivered: %s", exc)
            return False
        if r.status_code >= 300:
            log.warning("heartbeat refused: HTTP %d %s", r.status_code, r.text[:200])
            return False
        self.sent += 1
        return True

    def _run(self) -> None:
        period = self.worker.config.monitor.heartbeat_s
        with httpx.Client(timeout=10.0) as client:
            while not self._stop.is_set():
                try:
                    self.post_once(client)
                except Exception:
                    log.exception("heartbeat failed")
                self._stop.wait(period)

    # -- lifecycle --------------------------------------------------------------------------------------
    def start(self) -> None:
        port = self.worker.config.monitor.worker_metrics_port
        if port:
            self.serve_metrics(port)
        if self.worker.vc.service_url and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def serve_metrics(self, port: int, addr: str = "0.0.0.0") -> None:
        from prometheus_client import CollectorRegistry, Histogram, ProcessCollector, start_http_server

        self.registry = CollectorRegistry()
        self._batch_hist = Histogram("watchpost_worker_detect_batch_seconds", "time of one detection round "
                                     "(all cameras due at once)", buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
                                                                          5, 10), registry=self.registry)
        ProcessCollector(registry=self.registry)
        self.registry.register(_WorkerFigures(self))
        server, _thread = start_http_server(port, addr=addr, registry=self.registry)
        self._server = server
        log.info("worker metrics at http://%s:%d/metrics", addr, port)


class _WorkerFigures:
    def __init__(self, monitor: WorkerMonitor):
        self.monitor = monitor

    def describe(self) -> list:
        return []

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        hb = self.monitor.snapshot()
        wid = hb.worker_id

        def gauge(name: str, doc: str, labels: list[str]) -> GaugeMetricFamily:
            return GaugeMetricFamily(name, doc, labels=labels)

        fams = {
            "fps_in": gauge("watchpost_camera_fps_in", "frames decoded per second", ["worker", "camera"]),
            "fps_analysed": gauge("watchpost_camera_fps_analysed", "frames run through detection per second",
                                  ["worker", "camera"]),
            "detect_fps": gauge("watchpost_camera_detect_fps", "the camera's configured detection rate",
                                ["worker", "camera"]),
            "decode_errors": gauge("watchpost_camera_decode_errors", "decode/open errors since the worker started",
                                   ["worker", "camera"]),
            "detect_latency_s": gauge("watchpost_camera_detect_latency_seconds", "mean detection time of a frame, "
                                      "recent passes", ["worker", "camera"]),
            "online": gauge("watchpost_camera_online", "1 while frames arrive", ["worker", "camera"]),
        }
        for cam in hb.cameras:
            for key, fam in fams.items():
                value = getattr(cam, key)
                if value is not None:
                    fam.add_metric([wid, cam.camera_id], float(value))
        yield from fams.values()
        for name, doc, value in (
                ("watchpost_worker_spool_depth", "items in the spool not yet sent", hb.spool_depth),
                ("watchpost_worker_spool_dead", "spool items the service refused", hb.spool_dead),
                ("watchpost_worker_queue_depth", "cameras due for detection in the last round", hb.queue_depth),
                ("watchpost_worker_heartbeats_sent", "heartbeats the service accepted", self.monitor.sent)):
            g = gauge(name, doc, ["worker"])
            g.add_metric([wid], float(value))
            yield g
        if hb.media_bytes is not None:
            g = gauge("watchpost_media_root_bytes", "bytes under the media root at the last retention sweep",
                      ["worker"])
            g.add_metric([wid], float(hb.media_bytes))
            yield g
