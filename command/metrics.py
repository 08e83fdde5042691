"""Prometheus metrics of the service (issue #26, NFR-10), served at ``GET /metrics``.

One registry per app (tests build many apps in one process). Measured as it happens: request latency by
route template (``RequestMetrics``, plain ASGI middleware) and every SQL statement's time (SQLAlchemy
cursor events). Read at scrape time (``_Figures``): the workers' last heartbeats (camera fps in and
analysed, decode errors, detection latency, detection queue and spool depths), the comms outbox, the
console WebSocket sessions of this process, a timed trivial query, the media root and open self-alarms.
Process CPU and memory come from prometheus-client's process collector. Names are in docs/operations.md.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Iterator

from prometheus_client import CollectorRegistry, Gauge, Histogram, ProcessCollector, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import event
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
DB_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0)


class ServiceMetrics:
    def __init__(self, state: Any):
        from command.services.system_health import MediaUsage

        self.state = state
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Histogram("watchpost_http_request_duration_seconds",
                                  "HTTP request latency by method, route template and status",
                                  ["method", "route", "status"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.db_statements = Histogram("watchpost_db_statement_duration_seconds",
                                       "time of each SQL statement this process ran", buckets=DB_BUCKETS,
                                       registry=self.registry)
        self.websocket_sessions = 0  # changed on the event loop only (RequestMetrics)
        Gauge("watchpost_websocket_sessions", "WebSocket sessions open on this process (console push streams)",
              registry=self.registry).set_function(lambda: self.websocket_sessions)
        ProcessCollector(registry=self.registry)  # process_cpu_seconds_total, process_resident_memory_bytes, ...
        self.media = MediaUsage(state.config.vision.media_root, state.config.monitor.disk_scan_s)
        self.registry.register(_Figures(self))
        self._watch_engine(state.engine)

    def render(self) -> bytes:
        return generate_latest(self.registry)

    def _watch_engine(self, engine: Any) -> None:
        hist = self.db_statements

        @event.listens_for(engine, "before_cursor_execute")
        def _start(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
            conn.info.setdefault("wp_query_t0", []).append(time.perf_counter())

        @event.listens_for(engine, "after_cursor_execute")
        def _end(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
            starts = conn.info.get("wp_query_t0")
            if starts:
                hist.observe(time.perf_counter() - starts.pop())


def _gauge(name: str, doc: str, labels: list[str] | None = None) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, labels=labels or [])


class _Figures(Collector):
    """The figures read when Prometheus scrapes."""

    def __init__(self, metrics: ServiceMetrics):
        self.metrics = metrics

    def describe(self) -> list[Metric]:
        return []  # read at scrape time only (auto_describe would otherwise run collect() at registration)

    def collect(self) -> Iterator[Metric]:
        from command.services import replicas as rp
        from command.services import system_health as sh

        state = self.metrics.state
        now = state.clock.now()
        try:
            with state.sessions() as db:
                ping = sh.db_ping(db)
                seen = sh.heartbeats(db)
                outbox = sh.outbox_figures(db, now)
                open_alarms = sh.count_open_system_alarms(db)
                service_replicas = rp.replicas(db)
        except Exception:
            log.exception("metrics: the database did not answer")
            up = _gauge("watchpost_db_up", "1 when the database answered this scrape")
            up.add_metric([], 0)
            yield up
            return
        up = _gauge("watchpost_db_up", "1 when the database answered this scrape")
        up.add_metric([], 1)
        yield up
        g = _gauge("watchpost_db_ping_seconds", "time of a trivial query (SELECT 1) at this scrape")
        g.add_metric([], ping)
        yield g

        backlog = _gauge("watchpost_outbox_backlog", "comms outbox messages not yet handed to a provider",
                         ["status"])
        for status, n in outbox.pending.items():
            backlog.add_metric([status], n)
        yield backlog
        g = _gauge("watchpost_outbox_oldest_pending_seconds", "age of the oldest pending outbox message (0: none)")
        g.add_metric([], outbox.oldest_pending_s or 0.0)
        yield g
        g = _gauge("watchpost_outbox_send_rate", f"outbox messages sent per second over the last "
                   f"{sh.SENT_WINDOW_S:.0f} s")
        g.add_metric([], outbox.send_rate)
        yield g
        g = _gauge("watchpost_system_alarms_open", "open alarms the service raised about itself")
        g.add_metric([], open_alarms)
        yield g

        media = self.metrics.media
        used = _gauge("watchpost_media_root_bytes", "bytes under vision.media_root (measured every "
                      "monitor.disk_scan_s)")
        used.add_metric([], media.used_bytes() if media.root.is_dir() else 0)
        yield used
        quota = _gauge("watchpost_media_quota_bytes", "vision.recording.quota_gb in bytes")
        quota.add_metric([], state.config.vision.recording.quota_gb * 1024**3)
        yield quota
        free = media.free_bytes()
        if free is not None:
            g = _gauge("watchpost_media_fs_free_bytes", "free space of the media root's file system")
            g.add_metric([], free)
            yield g

        yield from _worker_families(seen, now)
        yield from _replica_families(service_replicas, now)


def _replica_families(replicas: list, now: Any) -> Iterator[Metric]:
    """Every service process's heartbeat as this one reads it: an outside Prometheus sees a replica go silent
    even when the one that would raise the self-alarm is the one that died."""
    age = _gauge("watchpost_replica_heartbeat_age_seconds", "seconds since the service process's last heartbeat",
                 ["replica", "address"])
    leader = _gauge("watchpost_replica_runs_loops", "1 for the service process running the background loops",
                    ["replica", "address"])
    for r in replicas:
        labels = [r.replica_id, r.address]
        age.add_metric(labels, max((now - r.at).total_seconds(), 0.0))
        leader.add_metric(labels, 1 if r.leader else 0)
    yield from (age, leader)


def _worker_families(seen: list, now: Any) -> Iterator[Metric]:
    age = _gauge("watchpost_worker_heartbeat_age_seconds", "seconds since the worker's last heartbeat", ["worker"])
    spool = _gauge("watchpost_worker_spool_depth", "items in the worker's spool not yet sent", ["worker"])
    dead = _gauge("watchpost_worker_spool_dead", "spool items the service refused", ["worker"])
    queue = _gauge("watchpost_worker_queue_depth", "cameras due for detection in the worker's last round", ["worker"])
    cpu = _gauge("watchpost_worker_cpu_percent", "the worker process's CPU (percent of one core)", ["worker"])
    rss = _gauge("watchpost_worker_rss_bytes", "the worker process's resident memory", ["worker"])
    fps_in = _gauge("watchpost_camera_fps_in", "frames decoded per second", ["worker", "camera"])
    fps_an = _gauge("watchpost_camera_fps_analysed", "frames run through detection per second", ["worker", "camera"])
    fps_cfg = _gauge("watchpost_camera_detect_fps", "the camera's configured detection rate", ["worker", "camera"])
    errors = _gauge("watchpost_camera_decode_errors", "decode/open errors since the worker started",
                    ["worker", "camera"])
    latency = _gauge("watchpost_camera_detect_latency_seconds", "mean detection time of a frame, recent passes",
                     ["worker", "camera"])
    online = _gauge("watchpost_camera_online", "1 while frames arrive", ["worker", "camera"])
    for w in seen:
        hb, wid = w.heartbeat, w.worker_id
        age.add_metric([wid], max((now - w.received_at).total_seconds(), 0.0))
        spool.add_metric([wid], hb.get("spool_depth") or 0)
        dead.add_metric([wid], hb.get("spool_dead") or 0)
        queue.add_metric([wid], hb.get("queue_depth") or 0)
        if hb.get("cpu_percent") is not None:
            cpu.add_metric([wid], hb["cpu_percent"])
        if hb.get("rss_bytes") is not None:
            rss.add_metric([wid], hb["rss_bytes"])
        for cam in hb.get("cameras", []):
            labels = [wid, cam["camera_id"]]
            fps_in.add_metric(labels, cam.get("fps_in") or 0.0)
            fps_an.add_metric(labels, cam.get("fps_analysed") or 0.0)
            fps_cfg.add_metric(labels, cam.get("detect_fps") or 0.0)
            errors.add_metric(labels, cam.get("decode_errors") or 0)
            online.add_metric(labels, 1 if cam.get("online", True) else 0)
            if cam.get("detect_latency_s") is not None:
                latency.add_metric(labels, cam["detect_latency_s"])
    yield from (age, spool, dead, queue, cpu, rss, fps_in, fps_an, fps_cfg, errors, latency, online)


def route_template(scope: Scope) -> str:
    """The matched route's template (``/api/alarms/{alarm_id}``), never the raw path (unbounded labels)."""
    ctx = scope.get("fastapi", {}).get("effective_route_context") if isinstance(scope.get("fastapi"), dict) else None
    for candidate in (getattr(ctx, "starlette_route", None), ctx, scope.get("route")):
        path = getattr(candidate, "path_format", None)
        if path:
            return path
    return "unmatched"


class RequestMetrics:
    """Times every HTTP request into ``watchpost_http_request_duration_seconds``; a WebSocket is a session,
    counted by ``watchpost_websocket_sessions`` while it is open."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self.app = app
        self.hist = metrics.requests
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            self.metrics.websocket_sessions += 1
            try:
                await self.app(scope, receive, send)
            finally:
                self.metrics.websocket_sessions -= 1
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            self.hist.labels(scope["method"], route_template(scope), str(status)).observe(time.perf_counter() - t0)
