"""SIGKILL the real service during a burst of alarm posts: every acknowledged alarm is there exactly
once after restart, and retrying the rest creates each once (ALM-4 idempotency, NFR-5, NFR-8)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import threading
import time

import httpx
import pytest

from command.throwaway import service_token, start, write_config
from watchpost.throwaway import free_port

N = 300


def _event(i: int) -> dict:
    # A camera per alarm, so no two fold together: each key must map to its own alarm.
    return {"source": "video", "source_event_id": f"burst-{i}", "type": "fire", "camera_id": f"cam-{i}",
            "location": {"name": f"spot {i}"}}


@pytest.mark.slow
def test_sigkill_during_burst(tmp_path):
    db_path = tmp_path / "wp.sqlite"
    cfg = write_config(tmp_path)
    token = service_token(cfg)
    headers = {"Authorization": f"Bearer {token}"}
    port = free_port()
    log = tmp_path / "serve.log"
    server = start(cfg, port, log)

    acked: dict[str, int] = {}
    lock = threading.Lock()

    def post_burst(offset: int, step: int) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=5) as client:
            for i in range(offset, N, step):
                try:
                    r = client.post("/api/alarms", json=_event(i))
                except httpx.HTTPError:
                    continue  # no acknowledgement: the server is gone
                if r.status_code in (200, 201):
                    with lock:
                        acked[f"burst-{i}"] = r.json()["id"]

    threads = [threading.Thread(target=post_burst, args=(k, 4)) for k in range(4)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with lock:
            if len(acked) >= 40:
                break
        time.sleep(0.01)
    os.kill(server.pid, signal.SIGKILL)
    server.wait()
    for t in threads:
        t.join()
    assert 40 <= len(acked) < N, "the kill should land mid-burst"

    server = start(cfg, port, log)
    try:
        with sqlite3.connect(db_path) as db:
            rows = db.execute("SELECT source_event_id, id FROM alarms WHERE source_event_id LIKE 'burst-%'").fetchall()
        stored = {}
        for sid, aid in rows:
            assert sid not in stored, f"{sid} stored twice"
            stored[sid] = aid
        for sid, aid in acked.items():
            assert stored.get(sid) == aid, f"acknowledged {sid} (alarm {aid}) lost after SIGKILL"
        # Retry everything: acknowledged ones answer 200 with the same alarm, the rest are created once.
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=10) as client:
            for i in range(N):
                sid = f"burst-{i}"
                r = client.post("/api/alarms", json=_event(i))
                assert r.status_code in (200, 201), r.text
                if sid in acked:
                    assert r.status_code == 200 and r.json()["id"] == acked[sid]
                elif sid in stored:  # committed but the answer never left: still no duplicate
                    assert r.status_code == 200 and r.json()["id"] == stored[sid]
        with sqlite3.connect(db_path) as db:
            counts = db.execute("SELECT source_event_id, COUNT(*) FROM alarms GROUP BY source_event_id").fetchall()
            warnings = db.execute("SELECT COUNT(*) FROM warnings").fetchone()[0]
        assert len(counts) == N and all(c == 1 for _, c in counts)
        assert warnings == N  # each alarm raised its warning in the same transaction
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
