"""Oversize request bodies are refused with 413 and a reason, nothing stored (NFR-5, issue #3)."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from command.app import create_app
from command.db.models.alarms import Alarm
from command.services.auth import add_user, issue_token
from watchpost.db import session_scope


def _client(sqlite_url, make_config):
    cfg = make_config(sqlite_url, server={"max_upload_mb": 0.001})  # 1,048 bytes
    app = create_app(cfg, run_background=False)
    st = app.state.wp
    from watchpost.db.migrate import upgrade
    upgrade(cfg.storage.url)
    with session_scope(st.sessions) as s:
        token = issue_token(s, add_user(s, "svc", "Password-1-svc", "service"), "api", None)
    return TestClient(app), {"Authorization": f"Bearer {token}"}, st


def alarm(note: str) -> dict:
    return {"source": "phone", "source_event_id": "big-1", "type": "fire", "level": "red",
            "location": {"name": "tank 3", "site": "north"}, "description": note}


def test_declared_and_chunked_oversize_bodies_get_413_and_store_nothing(sqlite_url, make_config):
    client, auth, st = _client(sqlite_url, make_config)
    with client:
        big = alarm("x" * 4000)
        r = client.post("/api/alarms", json=big, headers=auth)
        assert r.status_code == 413 and "over 0.001 MB" in r.json()["detail"]

        def chunks():  # no Content-Length: the middleware counts what arrives
            body = json.dumps(big).encode()
            for i in range(0, len(body), 500):
                yield body[i:i + 500]

        r = client.post("/api/alarms", content=chunks(), headers=auth | {"Content-Type": "application/json"})
        assert r.status_code == 413 and "over 0.001 MB" in r.json()["detail"]
        with st.sessions() as s:
            assert s.scalar(select(func.count()).select_from(Alarm)) == 0
        small = client.post("/api/alarms", json=alarm("ok"), headers=auth)
        assert small.status_code in (200, 201), small.text
