"""Self-monitoring (issue #26, NFR-10): Prometheus metrics, the workers' heartbeats and the console's
system-health summary. ``GET /metrics`` wants a bearer token like every other route (a ``service``
account's token in Prometheus' ``authorization`` setting, see docs/operations.md)."""

from __future__ import annotations

from fastapi import Depends, Request, Response
from sqlalchemy.orm import Session

from command.api.deps import get_db, get_state, require
from command.api.routing import api_router
from command.db.models.users import User
from command.domain.roles import READERS, Role
from command.domain.self_checks import Limits
from command.metrics import CONTENT_TYPE
from command.services import system_health as sh
from command.services.replicas import replicas as service_replicas
from command.state import ServiceState
from watchpost.events import WorkerHeartbeat

router = api_router(tags=["system"])
SCRAPERS = (Role.service, Role.admin)


@router.get("/metrics", response_class=Response, responses={200: {"content": {CONTENT_TYPE: {}},
                                                                  "description": "Prometheus text format"}})
def metrics(request: Request, _: User = Depends(require(*SCRAPERS))) -> Response:
    """This process's metrics and the figures every worker last reported, in Prometheus' text format."""
    return Response(request.app.state.wp_metrics.render(), media_type=CONTENT_TYPE)


@router.post("/api/workers/heartbeat", status_code=204)
def heartbeat(hb: WorkerHeartbeat, db: Session = Depends(get_db), state: ServiceState = Depends(get_state),
              _: User = Depends(require(*SCRAPERS))) -> Response:
    """A vision worker's figures (cameras' fps in and analysed, decode errors, detection latency, spool and
    queue depths), kept as its latest; the self-monitor alarms on them, ``/metrics`` re-exports them."""
    sh.store_heartbeat(db, hb, state.clock.now())
    return Response(status_code=204)


@router.get("/api/system/health")
def health(request: Request, db: Session = Depends(get_db), state: ServiceState = Depends(get_state),
           _: User = Depends(require(*READERS))) -> dict:
    """The console's system-health page: workers and their cameras, the service processes, the outbox, this
    process, the media root, the thresholds, and the open alarms the service raised about itself."""
    now = state.clock.now()
    cfg = state.config
    limits = Limits.of(cfg.monitor)
    ping = sh.db_ping(db)
    outbox = sh.outbox_figures(db, now)
    configured = {c.id: c for c in cfg.vision.cameras}
    workers = []
    for w in sh.heartbeats(db):
        hb = w.heartbeat
        age = max((now - w.received_at).total_seconds(), 0.0)
        cams = []
        for cam in hb.get("cameras", []):
            want = configured[cam["camera_id"]].detect_fps if cam["camera_id"] in configured else cam.get("detect_fps")
            cams.append(cam | {"detect_fps": want, "name": configured[cam["camera_id"]].name
                               if cam["camera_id"] in configured else "",
                               "starved": bool(want and cam.get("online", True) and not cam.get("drill")
                                               and (cam.get("fps_analysed") or 0) < limits.fps_share * want)})
        workers.append({"worker_id": w.worker_id, "received_at": w.received_at.isoformat(), "age_s": round(age, 1),
                        "silent": age > limits.worker_silent_s, "started_at": hb.get("started_at"),
                        "spool_depth": hb.get("spool_depth", 0), "spool_dead": hb.get("spool_dead", 0),
                        "queue_depth": hb.get("queue_depth", 0), "media_bytes": hb.get("media_bytes"),
                        "cpu_percent": hb.get("cpu_percent"), "rss_bytes": hb.get("rss_bytes"), "cameras": cams})
    media = request.app.state.wp_metrics.media
    proc = sh.process_figures()
    replicas = [{"replica_id": r.replica_id, "address": r.address, "pid": r.pid, "leader": r.leader,
                 "started_at": r.started_at.isoformat(), "age_s": round(max((now - r.at).total_seconds(), 0.0), 1),
                 "silent": (now - r.at).total_seconds() > limits.replica_silent_s,
                 "this": r.replica_id == state.push.replica}
                for r in service_replicas(db)]
    return {
        "at": now.isoformat(),
        "workers": workers,
        "outbox": {"pending": outbox.pending, "backlog": outbox.backlog, "oldest_pending_s": outbox.oldest_pending_s,
                   "send_rate": round(outbox.send_rate, 4)},
        "replicas": replicas,
        "service": {"websocket_sessions": request.app.state.wp_metrics.websocket_sessions,
                    "db_ping_s": ping,
                    "cpu_percent": proc["cpu_percent"], "rss_bytes": proc["rss_bytes"],
                    "background_loops": len(state.background)},
        "media": {"root": str(media.root), "used_bytes": media.used_bytes() if media.root.is_dir() else 0,
                  "quota_bytes": cfg.vision.recording.quota_gb * 1024**3, "free_bytes": media.free_bytes()},
        "limits": {"fps_share": limits.fps_share, "worker_silent_s": limits.worker_silent_s,
                   "disk_share": limits.disk_share, "outbox_backlog": limits.outbox_backlog,
                   "outbox_oldest_s": limits.outbox_oldest_s, "spool_min": limits.spool_min,
                   "replica_silent_s": limits.replica_silent_s},
        "alarms": sh.open_system_alarms(db),
    }
