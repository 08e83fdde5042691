"""Parameter-alarm linkage (VID-9): a sensor alarm linked to cameras makes the worker pin the
current recording window as evidence and take snapshots, which reach the sensor alarm in the
real service."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest

from command.throwaway import serve_in_thread
from watchpost.throwaway import wait_until
from vision.linkage import plan
from watchpost.events import WorkerCommand

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)


def test_plan_resolves_linkage_key_to_this_workers_cameras():
    """VID-9: the key maps to cameras; ones run by another worker are reported, not touched."""
    p = plan(WorkerCommand(command="pin_recording", linkage_key="tank-1/T101"), {"tank-1/T101": ["a", "b", "x"]},
             {"a", "b"}, NOW, pre_s=10, post_s=20)
    assert p.camera_ids == ["a", "b"] and p.unknown == ["x"]
    assert (p.start, p.end) == (NOW - timedelta(seconds=10), NOW + timedelta(seconds=20))


def test_plan_explicit_cameras_and_window_win():
    start, end = NOW - timedelta(minutes=5), NOW - timedelta(minutes=1)
    p = plan(WorkerCommand(command="snapshot", camera_ids=["b"], linkage_key="k", start=start, end=end),
             {"k": ["a"]}, {"a", "b"}, NOW, 10, 20)
    assert p.camera_ids == ["b"] and (p.start, p.end) == (start, end)
    assert plan(WorkerCommand(command="snapshot", linkage_key="nope"), {}, {"a"}, NOW, 1, 1).camera_ids == []


def test_pinned_window_pins_segments_written_later(tmp_path):
    """VID-9: the window's tail is recorded after the command; those segments land pinned, and
    the pin survives reopening the index (a worker restart)."""
    from vision.record.index import SegmentIndex

    idx = SegmentIndex(tmp_path)
    s = lambda m: NOW + timedelta(minutes=m)  # noqa: E731
    idx.add("a", s(0), s(1), "a/0.mp4", 10)
    until = datetime.now(timezone.utc) + timedelta(days=366)
    assert idx.pin("a", s(0.5), s(3.5), until) == 1
    idx.close()
    idx = SegmentIndex(tmp_path)
    idx.add("a", s(1), s(2), "a/1.mp4", 10)
    idx.add("a", s(4), s(5), "a/4.mp4", 10)  # after the window
    idx.add("b", s(1), s(2), "b/1.mp4", 10)  # another camera
    cats = {g.path: (g.category, g.pinned_until is not None) for g in idx.query()}
    assert cats == {"a/0.mp4": ("evidence", True), "a/1.mp4": ("evidence", True),
                    "a/4.mp4": ("normal", False), "b/1.mp4": ("normal", False)}
    idx.close()


@pytest.mark.slow
def test_sensor_alarm_pins_recording_and_attaches_snapshot(shared_dir, sqlite_url, make_config, tmp_path):
    from vision.pipeline import load_detectors
    from vision.worker import Worker

    cfg = make_config(sqlite_url, vision={
        "media_root": str(tmp_path / "media"), "spool_path": str(tmp_path / "spool.sqlite"),
        "recording": {"segment_s": 2.0}, "linkage": {"tank-1/T101": ["tank-1"]},
        "cameras": [{"id": "tank-1", "url": str(shared_dir / "data/clips/fire8_seq_smoke5.mp4"),
                     "profile": "warehouse", "detect_fps": 0.2}]})
    try:
        detectors = load_detectors(cfg, {"firesmoke"})
    except FileNotFoundError as exc:
        pytest.skip(f"shipped weights missing: {exc}")
    server = serve_in_thread(cfg, {"vision-1": "service", "duty": "duty_officer"})
    cfg.vision.service_url, cfg.vision.service_token = server.url, server.tokens["vision-1"]
    svc = {"Authorization": f"Bearer {server.tokens['vision-1']}"}
    duty = {"Authorization": f"Bearer {server.tokens['duty']}"}
    worker = Worker(cfg, detectors=detectors)
    worker.start()
    try:
        sensor = {"source": "sensor", "source_event_id": "T101:high:1", "type": "gas",
                  "occurred_at": datetime.now(timezone.utc).isoformat(), "title": "T101 gas high",
                  "location": {"name": "tank-1"}}
        r = httpx.post(f"{server.url}/api/alarms", json=sensor, headers=svc)
        assert r.status_code == 201, r.text
        alarm_id = r.json()["id"]
        assert wait_until(lambda: len(worker.index.query("tank-1")) >= 2, 40, 0.3), "no recording segments"
        worker.handle_command(WorkerCommand(
            command="pin_recording", linkage_key="tank-1/T101", alarm_source="sensor",
            source_event_id="T101:high:1", reason="T101", start=datetime.now(timezone.utc) - timedelta(seconds=30)))

        def attached():
            a = httpx.get(f"{server.url}/api/alarms/{alarm_id}", headers=duty).json()
            return {e["kind"] for e in a.get("evidence", [])} >= {"snapshot", "recording"} and a
        alarm = wait_until(attached, 30, 0.3)
        assert alarm, "linked evidence never reached the sensor alarm"
        snap = next(e for e in alarm["evidence"] if e["kind"] == "snapshot")
        got = httpx.get(f"{server.url}/api/media/{snap['uri']}", headers=duty)
        assert got.status_code == 200 and got.content[:2] == b"\xff\xd8"
        pinned = worker.index.query("tank-1")
        assert pinned and all(s.category == "evidence" and s.pinned_until > datetime.now(timezone.utc)
                              for s in pinned if s.start >= datetime.now(timezone.utc) - timedelta(seconds=25))
        assert any(s.category == "evidence" for s in pinned)
    finally:
        worker.stop()
        server.stop()



def test_service_asks_workers_to_link_cameras_on_a_sensor_alarm(db_url, make_config):
    """VID-9: a gas alarm at a linked location queues a pin/snapshot command that every worker
    fetches (GET /api/worker-commands), once."""
    from fastapi.testclient import TestClient

    from command.app import create_app
    from command.services.auth import add_user, issue_token
    from watchpost.db import session_scope
    from watchpost.events import WorkerCommand

    cfg = make_config(db_url, vision={"linkage": {"GT-101": ["tank-1", "tank-2"]}})
    app = create_app(cfg)
    with session_scope(app.state.wp.sessions) as db:
        token = issue_token(db, add_user(db, "dcs", "Password-1-dcs", "service"), "api", None)
    with TestClient(app) as client:
        hdr = {"Authorization": f"Bearer {token}"}
        start = client.get("/api/worker-commands", params={"worker": "vision-1"}, headers=hdr).json()
        assert start["commands"] == []
        body = {"source": "sensor", "source_event_id": "dcs-1", "type": "gas", "location": {"name": "GT-101"},
                "reading": {"parameter": "H2S", "value": 35, "threshold": 10, "unit": "ppm"}}
        assert client.post("/api/alarms", json=body, headers=hdr).status_code == 201
        assert client.post("/api/alarms", json=body, headers=hdr).status_code == 200  # a retry links nothing new
        unlinked = dict(body, source_event_id="dcs-2", location={"name": "GT-999"})
        assert client.post("/api/alarms", json=unlinked, headers=hdr).status_code == 201
        got = client.get("/api/worker-commands", params={"worker": "vision-1", "after": start["last_id"]},
                         headers=hdr).json()
        assert client.get("/api/worker-commands", params={"worker": "vision-2", "after": got["last_id"], "wait_s": 0.3},
                          headers=hdr).json()["commands"] == []  # nothing more, after waiting
    (item,) = got["commands"]
    cmd = WorkerCommand.model_validate(item["command"])
    assert cmd.command == "pin_recording" and cmd.linkage_key == "GT-101" and cmd.source_event_id == "dcs-1"
