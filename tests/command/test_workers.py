"""Several service processes on one database (``serve --workers N``, NFR-2 scale-out): exactly one
runs the background loops, and a console on any worker sees every worker's events in order."""

from __future__ import annotations

import json
import time
import uuid

import httpx
import pytest
from websockets.sync.client import connect

from command.leader import Leadership
from command.throwaway import service_token, start, write_config
from watchpost.throwaway import free_port, wait_until
from watchpost.db import make_engine


def test_one_process_holds_the_loops_and_a_standby_takes_over(db_url):
    """The lock lives in the OS (flock) or the database (advisory lock), not in one process's memory."""
    e1, e2 = make_engine(db_url), make_engine(db_url)
    elected: list[str] = []
    a = Leadership(e1, lambda: elected.append("a"), retry_s=0.1)
    b = Leadership(e2, lambda: elected.append("b"), retry_s=0.1)
    try:
        a.start()
        b.start()
        time.sleep(0.4)
        assert elected == ["a"] and a.leader and not b.leader
        a.stop_waiting()
        a.release()  # the holder goes away: the standby takes over within its retry period
        wait_until(lambda: b.leader, 5)
        assert elected == ["a", "b"]
    finally:
        for x in (a, b):
            x.stop_waiting()
            x.release()
        e1.dispose()
        e2.dispose()


@pytest.mark.postgres
def test_a_leader_whose_database_session_dies_stops_its_loops_and_competes_again(pg_server):
    """PostgreSQL restart or a killed backend frees the advisory lock: the old holder must notice.
    (An flock cannot be lost while its process lives, so this is PostgreSQL's case alone.)"""
    from sqlalchemy import text

    url = pg_server.create_database(f"lead_{uuid.uuid4().hex[:8]}")
    engine, admin = make_engine(url), make_engine(url)
    calls: list[str] = []
    lead = Leadership(engine, lambda: calls.append("elected"), retry_s=0.1, on_deposed=lambda: calls.append("deposed"))
    try:
        lead.start()
        assert calls == ["elected"]
        pid = lead.lock._conn.execute(text("SELECT pg_backend_pid()")).scalar()  # type: ignore[union-attr]
        lead.lock._conn.commit()  # type: ignore[union-attr]
        with admin.begin() as c:
            c.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        wait_until(lambda: calls[-2:] == ["deposed", "elected"], 10)  # noticed, stopped, took the lock again
        assert lead.leader
    finally:
        lead.stop_waiting()
        lead.release()
        engine.dispose()
        admin.dispose()


@pytest.mark.slow
def test_two_workers_share_alarms_push_and_one_set_of_loops(tmp_path, mosquitto):
    cfg = write_config(tmp_path, bus={"kind": "mqtt", "mqtt_port": mosquitto, "topic_prefix": f"wp-{tmp_path.name}"})
    token = service_token(cfg)
    port = free_port()
    log = tmp_path / "serve.log"
    proc = start(cfg, port, log, "--workers", "2", "--no-upgrade")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: log.read_text().count("Application startup complete") == 2, 60)
        text = log.read_text()
        assert text.count("this process runs the background loops") == 1, text[-3000:]
        assert text.count("standing by") == 1, text[-3000:]

        n = 20
        with connect(f"ws://127.0.0.1:{port}/ws?token={token}&last_id=0&topics=alarm", open_timeout=10) as ws:
            while json.loads(ws.recv(timeout=10)).get("type") != "ready":
                pass
            time.sleep(0.5)  # let both workers' hubs subscribe on the broker
            for i in range(n):  # a fresh connection each: uvicorn spreads them over the two workers
                r = httpx.post(base + "/api/alarms", headers={"Authorization": f"Bearer {token}"}, json={
                    "source": "video", "source_event_id": f"w-{i}", "type": "fire", "camera_id": f"cam-{i}",
                    "location": {"name": f"spot {i}"}}, timeout=30)
                assert r.status_code == 201, r.text
            seen: list[dict] = []
            deadline = time.monotonic() + 15
            while len(seen) < n and time.monotonic() < deadline:
                msg = json.loads(ws.recv(timeout=15))
                if msg.get("type") == "ping":
                    ws.send('{"type":"pong"}')
                elif "topic" in msg and msg["action"] == "created":
                    seen.append(msg)
        assert sorted(e["data"]["source_event_id"] for e in seen) == sorted(f"w-{i}" for i in range(n))
        ids = [e["id"] for e in seen]
        assert ids == sorted(ids), "events arrive in id order across workers"
    finally:
        proc.terminate()
        proc.wait(30)
