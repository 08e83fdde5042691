"""Live push over WebSocket: replay after last_id, live order, heartbeats, auth (NFR-3, ALM-4, CMD-2)."""

from __future__ import annotations

import threading
import time

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from command.db.models.push import PushEventRow
from watchpost.db import session_scope


def write_events(app, n: int, topic: str = "alarm", action: str = "created", start: int = 0) -> None:
    st = app.state.wp
    for i in range(start, start + n):
        with session_scope(st.sessions) as db:
            st.push.record(db, topic, action, {"seq": i, "title": f"event {i}"})


def next_event(ws) -> dict:
    """The next push event, skipping control messages (ready/ping)."""
    while True:
        msg = ws.receive_json()
        if msg.get("type") == "ping":
            ws.send_json({"type": "pong"})
            continue
        if "type" not in msg:
            return msg


def until_ready(ws) -> list[dict]:
    events = []
    while True:
        msg = ws.receive_json()
        if msg.get("type") == "ready":
            return events
        if "type" not in msg:
            events.append(msg)


def test_live_event_then_replay_of_missed_ones(service):
    """A connected console receives a committed event live; after a disconnect it gets exactly
    the missed events, in order, by reconnecting with its last id (NFR-3 no gaps)."""
    token = service.tokens["duty_officer"]
    app = service.app
    with service.websocket_connect(f"/ws?token={token}&last_id=0") as ws:
        assert until_ready(ws) == []
        write_events(app, 1)
        ev = next_event(ws)
        assert ev["topic"] == "alarm" and ev["action"] == "created" and ev["data"]["seq"] == 0
        assert set(ev) == {"id", "topic", "action", "at", "data"}
        last = ev["id"]
    write_events(app, 3, start=1)
    with service.websocket_connect(f"/ws?token={token}&last_id={last}") as ws:
        replayed = until_ready(ws)
        assert [e["data"]["seq"] for e in replayed] == [1, 2, 3]
        ids = [e["id"] for e in replayed]
        assert ids == sorted(ids) and ids[0] > last
        write_events(app, 1, start=4)
        assert next_event(ws)["data"]["seq"] == 4


def test_rolled_back_write_pushes_nothing(service):
    app = service.app
    st = app.state.wp
    with service.websocket_connect(f"/ws?token={service.tokens['viewer']}&last_id=0") as ws:
        until_ready(ws)
        db = st.sessions()
        st.push.record(db, "alarm", "created", {"seq": "ghost"})
        db.rollback()
        db.close()
        write_events(app, 1, start=7)
        assert next_event(ws)["data"]["seq"] == 7  # the ghost never arrives
    with session_scope(st.sessions) as db:
        assert all(r.data.get("seq") != "ghost" for r in db.query(PushEventRow))


def test_concurrent_writers_arrive_in_id_order_without_gaps(service):
    """Writers on many request threads: the stream is strictly increasing and complete."""
    app = service.app
    with service.websocket_connect(f"/ws?token={service.tokens['commander']}&last_id=0") as ws:
        until_ready(ws)
        threads = [threading.Thread(target=write_events, args=(app, 5, "incident", "updated", k * 100))
                   for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        got = [next_event(ws) for _ in range(20)]
    ids = [e["id"] for e in got]
    assert ids == sorted(ids) and len(set(ids)) == 20
    with session_scope(app.state.wp.sessions) as db:
        stored = [r.id for r in db.query(PushEventRow).order_by(PushEventRow.id)]
    assert ids == stored


def test_topic_filter(service):
    app = service.app
    with service.websocket_connect(f"/ws?token={service.tokens['viewer']}&last_id=0&topics=warning") as ws:
        until_ready(ws)
        write_events(app, 1, topic="alarm")
        write_events(app, 1, topic="warning", action="raised", start=1)
        ev = next_event(ws)
        assert ev["topic"] == "warning" and ev["data"]["seq"] == 1


@pytest.mark.parametrize("query,code", [("", 4401), ("?token=not-a-token", 4401), ("?token={t}&topics=bogus", 4400),
                                        ("?token={t}&last_id=-3", 4400)])
def test_refuses_anonymous_invalid_and_bad_parameters(service, query, code):
    with service.websocket_connect("/ws" + query.format(t=service.tokens["viewer"])) as ws:
        with pytest.raises(WebSocketDisconnect) as e:
            ws.receive_json()
    assert e.value.code == code


def test_heartbeat_drops_silent_client_and_keeps_answering_one(sqlite_url, make_config):
    """Server pings every period; a client that misses two is closed with 4408 (NFR-3 dead clients)."""
    from command.app import create_app
    from command.services.auth import add_user, issue_token

    cfg = make_config(sqlite_url, server={"ws_heartbeat_s": 0.2})
    app = create_app(cfg, run_background=False)
    with session_scope(app.state.wp.sessions) as db:
        token = issue_token(db, add_user(db, "op", "Password-1-op", "duty_officer"), "api", None)
    with TestClient(app) as client:
        with client.websocket_connect(f"/ws?token={token}") as ws:
            until_ready(ws)
            t0 = time.monotonic()
            pings = 0
            with pytest.raises(WebSocketDisconnect) as e:
                while True:
                    if ws.receive_json().get("type") == "ping":
                        pings += 1  # deliberately never answered
            assert e.value.code == 4408 and pings == 2
            assert 0.5 < time.monotonic() - t0 < 5
        with client.websocket_connect(f"/ws?token={token}") as ws:
            until_ready(ws)
            for _ in range(4):  # answering keeps the session open past several periods
                assert ws.receive_json()["type"] == "ping"
                ws.send_json({"type": "pong"})


def test_retention_prunes_old_events_and_reset_hint(sqlite_url, make_config):
    from command.app import create_app
    from command.push import PushRetention
    from command.services.auth import add_user, issue_token
    from watchpost.clock import FakeClock

    cfg = make_config(sqlite_url, server={"push_retention_days": 1, "push_keep_last": 100})
    clock = FakeClock()
    app = create_app(cfg, clock=clock, run_background=False)
    st = app.state.wp
    with session_scope(st.sessions) as db:
        token = issue_token(db, add_user(db, "op", "Password-1-op", "viewer"), "api", None)
    write_events(app, 3)
    clock.advance(2 * 86400)
    write_events(app, 102, start=3)
    assert PushRetention(st).run_once() == 3 + 2
    with session_scope(st.sessions) as db:
        seqs = [r.data["seq"] for r in db.query(PushEventRow).order_by(PushEventRow.id)]
    assert seqs == list(range(5, 105))
    with TestClient(app) as client, client.websocket_connect(f"/ws?token={token}&last_id=1") as ws:
        assert ws.receive_json()["type"] == "reset"
        assert len(until_ready(ws)) == 100
