"""The worker's durable spool: alarms raised while the service is down arrive exactly once,
in order, when it is back (VID-7, ALM-4)."""

from __future__ import annotations

import threading
import time

import httpx
import uvicorn

from command.app import create_app
from command.services.auth import add_user, issue_token
from watchpost.throwaway import free_port
from vision.spool import Spool, SpoolSender
from watchpost.db import session_scope
from watchpost.events import AlarmEvent, EvidenceRef, Location


def _serve(cfg, port):
    app = create_app(cfg)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    t = threading.Thread(target=server.run, daemon=True)
    t.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and t.is_alive(), "service did not start"
        time.sleep(0.05)
    return app, server, t


def _alarm(i: int) -> dict:
    return AlarmEvent(source="video", source_event_id=f"w1:cam1:fire:{i}", type="fire", camera_id=f"cam{i}",
                      location=Location(name=f"cam {i}"), score=0.9,
                      evidence=[EvidenceRef(kind="snapshot", uri=f"evidence/cam{i}/{i}.jpg", sha256="a" * 64)],
                      ).model_dump(mode="json")


def test_spool_holds_alarms_while_service_is_down_and_delivers_each_once(sqlite_url, make_config, tmp_path):
    port = free_port()
    cfg = make_config(sqlite_url)
    app, server, thread = _serve(cfg, port)
    with session_scope(app.state.wp.sessions) as db:
        token = issue_token(db, add_user(db, "vision-1", "Password-1-vision", "service"), "api", None)

    spool = Spool(tmp_path / "spool.sqlite")
    sender = SpoolSender(spool, f"http://127.0.0.1:{port}", token, max_backoff_s=0.5)
    sender.start()
    spool.put("alarm", _alarm(0))
    deadline = time.monotonic() + 10
    while spool.pending() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert spool.pending() == 0

    server.should_exit = True
    thread.join(10)
    assert not thread.is_alive(), "the service did not stop (its push pump swallowed the cancellation)"
    for i in range(1, 6):  # raised while the service is down
        spool.put("alarm", _alarm(i))
    spool.put("evidence", {"source": "video", "source_event_id": "w1:cam1:fire:3",
                           "evidence": [{"kind": "clip", "uri": "evidence/cam3/3.mp4", "sha256": "b" * 64}]})
    time.sleep(1.5)
    assert spool.pending() == 7 - 1  # nothing could be delivered

    # A crash of the worker loses nothing: a new spool object on the same file sees the queue.
    sender.stop()
    sender.join(5)
    spool.close()
    spool = Spool(tmp_path / "spool.sqlite")
    assert spool.pending() == 6

    app, server, thread = _serve(cfg, port)
    sender = SpoolSender(spool, f"http://127.0.0.1:{port}", token, max_backoff_s=0.5)
    sender.start()
    deadline = time.monotonic() + 20
    while spool.pending() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert spool.pending() == 0 and not spool.dead_letters()

    with session_scope(app.state.wp.sessions) as db:
        admin = issue_token(db, add_user(db, "boss", "Password-1-boss", "admin"), "api", None)
    r = httpx.get(f"http://127.0.0.1:{port}/api/alarms?limit=100", headers={"Authorization": f"Bearer {admin}"})
    alarms = r.json()
    keys = sorted(a["source_event_id"] for a in alarms)
    assert keys == sorted(f"w1:cam1:fire:{i}" for i in range(6))  # each exactly once
    by_key = {a["source_event_id"]: a for a in alarms}
    assert [e["kind"] for e in by_key["w1:cam1:fire:3"]["evidence"]] == ["snapshot", "clip"]
    # in order: ids follow the order they were raised
    ids = [by_key[f"w1:cam1:fire:{i}"]["id"] for i in range(6)]
    assert ids == sorted(ids)

    sender.stop()
    sender.join(5)
    spool.close()
    server.should_exit = True
    thread.join(10)
    assert not thread.is_alive(), "the service did not stop (its push pump swallowed the cancellation)"


def test_refused_item_is_set_aside_and_queue_keeps_moving(tmp_path, sqlite_url, make_config):
    port = free_port()
    app, server, thread = _serve(make_config(sqlite_url), port)
    with session_scope(app.state.wp.sessions) as db:
        token = issue_token(db, add_user(db, "vision-1", "Password-1-vision", "service"), "api", None)
    spool = Spool(tmp_path / "spool.sqlite")
    bad = _alarm(1)
    bad["type"] = "Not A Type!"  # the service answers 422: never deliverable
    spool.put("alarm", bad)
    spool.put("alarm", _alarm(2))
    sender = SpoolSender(spool, f"http://127.0.0.1:{port}", token)
    with httpx.Client() as client:
        assert sender.deliver_once(client)
        assert sender.deliver_once(client)
    dead = spool.dead_letters()
    assert len(dead) == 1 and "422" in dead[0][1]
    assert spool.pending() == 0
    spool.close()
    server.should_exit = True
    thread.join(10)
    assert not thread.is_alive(), "the service did not stop (its push pump swallowed the cancellation)"
