"""``GET /metrics`` (issue #26, NFR-10): scraped with a service token like Prometheus does, it holds the
request latency by route template, DB latency, process CPU/RSS, WebSocket sessions, the outbox and the
figures the workers reported in their heartbeats; without a token, or with a console role, it is refused."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

HEARTBEAT = {
    "worker_id": "vision-1",
    "cameras": [{"camera_id": "gate-1", "detect_fps": 2, "fps_in": 25, "fps_analysed": 1.9, "decode_errors": 3,
                 "detect_latency_s": 0.04, "last_frame_age_s": 0.05}],
    "spool_depth": 4, "spool_dead": 1, "queue_depth": 1, "media_bytes": 1234, "cpu_percent": 37.5,
    "rss_bytes": 512_000_000,
}


def scrape(client, role: str = "service") -> dict:  # noqa: ANN001
    r = client.get("/metrics", headers=client.as_role(role))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    return {f.name: f for f in text_string_to_metric_families(r.text)}


def value(families: dict, family: str, sample: str | None = None, **labels: str) -> float:
    found = [s.value for s in families[family].samples
             if s.name == (sample or family) and all(s.labels.get(k) == v for k, v in labels.items())]
    assert found, f"no {sample or family} {labels} in {families[family].samples[:5]}"
    return sum(found)


def test_metrics_families_are_there_with_sane_values(service):
    for _ in range(3):
        assert service.get("/api/alarms", headers=service.as_role("viewer")).status_code == 200
    assert service.get("/api/alarms/999999", headers=service.as_role("viewer")).status_code == 404
    r = service.post("/api/workers/heartbeat", json=HEARTBEAT, headers=service.as_role("service"))
    assert r.status_code == 204, r.text

    fams = scrape(service)

    # request latency by route template: the id is never a label (unbounded series)
    req = "watchpost_http_request_duration_seconds"
    assert value(fams, req, req + "_count", method="GET", route="/api/alarms", status="200") >= 3
    assert value(fams, req, req + "_count", method="GET", route="/api/alarms/{alarm_id}", status="404") == 1
    assert value(fams, req, req + "_count", method="POST", route="/api/workers/heartbeat", status="204") == 1
    assert not any("999999" in s.labels.get("route", "") for s in fams[req].samples)
    assert 0 < value(fams, req, req + "_sum", route="/api/alarms") < 30

    # database, process
    assert value(fams, "watchpost_db_up") == 1
    assert 0 < value(fams, "watchpost_db_ping_seconds") < 5
    assert value(fams, "watchpost_db_statement_duration_seconds", "watchpost_db_statement_duration_seconds_count") > 0
    assert value(fams, "process_resident_memory_bytes") > 10_000_000
    assert value(fams, "process_cpu_seconds", "process_cpu_seconds_total") > 0

    # console sessions, outbox, media root, self-alarms
    assert value(fams, "watchpost_websocket_sessions") == 0
    assert value(fams, "watchpost_outbox_backlog", status="queued") >= 0
    assert value(fams, "watchpost_outbox_oldest_pending_seconds") >= 0
    assert value(fams, "watchpost_outbox_send_rate") >= 0
    assert value(fams, "watchpost_media_root_bytes") >= 0
    assert value(fams, "watchpost_media_quota_bytes") == 100 * 1024**3
    assert value(fams, "watchpost_system_alarms_open") == 0

    # the worker's heartbeat, re-exported
    cam = {"worker": "vision-1", "camera": "gate-1"}
    assert value(fams, "watchpost_camera_fps_in", **cam) == 25
    assert value(fams, "watchpost_camera_fps_analysed", **cam) == 1.9
    assert value(fams, "watchpost_camera_detect_fps", **cam) == 2
    assert value(fams, "watchpost_camera_decode_errors", **cam) == 3
    assert value(fams, "watchpost_camera_detect_latency_seconds", **cam) == 0.04
    assert value(fams, "watchpost_worker_spool_depth", worker="vision-1") == 4
    assert value(fams, "watchpost_worker_queue_depth", worker="vision-1") == 1
    assert value(fams, "watchpost_worker_rss_bytes", worker="vision-1") == 512_000_000
    assert 0 <= value(fams, "watchpost_worker_heartbeat_age_seconds", worker="vision-1") < 60


def test_every_service_process_heartbeat_is_exported(service):
    """An outside Prometheus sees a replica go silent even when the silent one is the one that would alarm."""
    from datetime import timedelta

    from command.services import replicas

    st = service.app.state.wp
    now = st.clock.now()
    with st.sessions() as db:
        replicas.record(db, "replica-gone", "cmd-2:8082", 4242, now - timedelta(hours=1), now - timedelta(seconds=95),
                        leader=False)
    fams = scrape(service)
    assert 95 <= value(fams, "watchpost_replica_heartbeat_age_seconds", replica="replica-gone",
                       address="cmd-2:8082") < 160
    assert value(fams, "watchpost_replica_runs_loops", replica="replica-gone") == 0
    # this process beats too, and runs the loops (the only one on this database)
    own = [s for s in fams["watchpost_replica_runs_loops"].samples if s.labels["replica"] != "replica-gone"]
    assert [s.value for s in own] == [1]


def test_websocket_sessions_are_counted(service):
    with service.websocket_connect(f"/ws?token={service.tokens['viewer']}") as ws:
        while ws.receive_json().get("type") != "ready":
            pass
        assert value(scrape(service), "watchpost_websocket_sessions") == 1
    assert value(scrape(service, "admin"), "watchpost_websocket_sessions") == 0


def test_metrics_and_heartbeats_refuse_callers_without_the_right_token(service):
    assert service.get("/metrics").status_code == 401
    assert service.get("/metrics", headers={"Authorization": "Bearer forged"}).status_code == 401
    for role in ("viewer", "duty_officer", "commander"):
        assert service.get("/metrics", headers=service.as_role(role)).status_code == 403, role
        assert service.post("/api/workers/heartbeat", json=HEARTBEAT,
                            headers=service.as_role(role)).status_code == 403, role
    assert service.post("/api/workers/heartbeat", json=HEARTBEAT).status_code == 401
    bad = HEARTBEAT | {"spool_depth": -1}
    assert service.post("/api/workers/heartbeat", json=bad, headers=service.as_role("service")).status_code == 422
    # the console's summary is for every reader, not for the service account
    assert service.get("/api/system/health", headers=service.as_role("viewer")).status_code == 200
    assert service.get("/api/system/health").status_code == 401


def test_system_health_summary_shows_the_worker_and_flags_a_starved_camera(service):
    starved = HEARTBEAT | {"cameras": [HEARTBEAT["cameras"][0] | {"fps_analysed": 0.2}]}
    assert service.post("/api/workers/heartbeat", json=starved, headers=service.as_role("service")).status_code == 204
    h = service.get("/api/system/health", headers=service.as_role("viewer")).json()
    (w,) = h["workers"]
    assert w["worker_id"] == "vision-1" and not w["silent"] and w["spool_depth"] == 4
    (cam,) = w["cameras"]
    assert cam["camera_id"] == "gate-1" and cam["starved"] and cam["fps_analysed"] == 0.2
    assert h["outbox"]["backlog"] >= 0 and h["service"]["rss_bytes"] > 0 and h["alarms"] == []
    assert h["media"]["quota_bytes"] == 100 * 1024**3
