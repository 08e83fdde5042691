"""The hot read routes answer from a cache that no commit can outlive (issue #23; NFR-2/NFR-3 under load, ALM-4).

A kept answer is served only while no table it was read from has been written: a client that reads after its own
write sees it, a commit in another service process ends it through the bus, and ``server.read_cache_s`` bounds the
rest. Requests that arrive while the same answer is being read share that one read.
"""

from __future__ import annotations

import asyncio
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Iterator

import httpx

from sqlalchemy import select, update

from command.app import build_state
from command.db.models.alarms import Alarm
from command.services import intake
from command.services.read_cache import EVERY, ReadCache, touched
from watchpost.bus import InProcessBus
from watchpost.db import session_scope

T = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)


def _event(sid: str, **kw) -> dict:
    ev = {"source": "video", "source_event_id": sid, "type": "fire", "occurred_at": T.isoformat(),
          "camera_id": f"cam-{sid}", "score": 0.8, "location": {"name": f"point {sid}", "site": "s1"}}
    ev.update(kw)
    return ev


def test_a_write_is_seen_by_the_next_read_on_every_cached_route(service):
    """Read, write, read: the second read is never the kept answer of the first."""
    post, view = service.as_role("service"), service.as_role("viewer")
    duty = service.as_role("duty_officer")
    a1 = service.post("/api/alarms", json=_event("r1"), headers=post).json()

    first = service.get("/api/alarms", headers=view)
    assert first.headers["X-Cache"] == "miss" and [a["id"] for a in first.json()] == [a1["id"]]
    again = service.get("/api/alarms", headers=view)
    assert again.headers["X-Cache"] == "hit" and again.content == first.content

    a2 = service.post("/api/alarms", json=_event("r2"), headers=post).json()
    after = service.get("/api/alarms", headers=view)
    assert after.headers["X-Cache"] == "miss" and {a["id"] for a in after.json()} == {a1["id"], a2["id"]}

    # The detail follows a verification at once.
    assert service.get(f"/api/alarms/{a1['id']}", headers=view).json()["status"] == "new"
    assert service.get(f"/api/alarms/{a1['id']}", headers=view).headers["X-Cache"] == "hit"
    assert service.post(f"/api/alarms/{a1['id']}/verify", json={"verdict": "true"}, headers=duty).status_code == 200
    assert service.get(f"/api/alarms/{a1['id']}", headers=view).json()["status"] == "verified"

    # The incident list and a timeline follow an incident's creation and its transitions.
    assert service.get("/api/incidents", headers=view).json() == []
    inc = service.post("/api/incidents", json={"alarm_ids": [a1["id"]]}, headers=duty).json()
    listed = service.get("/api/incidents", headers=view).json()
    assert [i["id"] for i in listed] == [inc["id"]] and listed[0]["alarm_ids"] == [a1["id"]]
    before = service.get(f"/api/incidents/{inc['id']}/timeline", headers=view).json()
    assert service.get(f"/api/incidents/{inc['id']}/timeline", headers=view).headers["X-Cache"] == "hit"
    r = service.post(f"/api/incidents/{inc['id']}/transitions", json={"to": "verified", "note": "crew on the way"},
                     headers=duty)
    assert r.status_code == 200, r.text
    later = service.get(f"/api/incidents/{inc['id']}/timeline", headers=view).json()
    assert len(later) == len(before) + 1 and later[-1]["note"] == "crew on the way"

    # The warning list follows a warning's verification (a2's: a1's was verified with its alarm).
    w = service.get("/api/warnings", headers=view).json()[0]
    assert w["alarm_id"] == a2["id"]
    assert service.get("/api/warnings", headers=view).headers["X-Cache"] == "hit"
    assert service.post(f"/api/warnings/{w['id']}/verify", json={"note": "seen on camera"},
                        headers=duty).status_code == 200
    assert service.get("/api/warnings", headers=view).json()[0]["stage"] != w["stage"]


def test_each_query_is_its_own_answer_and_errors_are_not_kept(service):
    post, view = service.as_role("service"), service.as_role("viewer")
    service.post("/api/alarms", json=_event("q1"), headers=post)
    service.post("/api/alarms", json=_event("q2", type="smoke"), headers=post)
    assert [a["type"] for a in service.get("/api/alarms?type=smoke", headers=view).json()] == ["smoke"]
    assert len(service.get("/api/alarms", headers=view).json()) == 2
    assert len(service.get("/api/alarms?limit=1", headers=view).json()) == 1
    assert service.get("/api/alarms/999999", headers=view).status_code == 404
    assert service.get("/api/alarms/999999", headers=view).status_code == 404  # still read, still missing
    # The role check runs before the cache: a kept answer is no way around it.
    assert service.get("/api/alarms").status_code == 401


def test_a_commit_while_an_answer_is_read_is_never_served_stale(clocked):
    """The stamp is taken before the read: a write that lands during it leaves the answer stamped too old."""
    state, _, _ = clocked
    cache = state.read_cache = ReadCache(60)
    stamp = cache.stamp(("alarms",))
    with session_scope(state.sessions) as db:  # the write that lands while the answer is being read
        db.execute(update(Alarm).values(title="changed"))
    cache.put(("k",), stamp, b"old")
    assert cache.get(("k",), ("alarms",)) is None
    cache.put(("k",), cache.stamp(("alarms",)), b"new")
    assert cache.get(("k",), ("alarms",)) == b"new"
    assert cache.get(("k",), ("alarms", "warnings")) is None  # another set of tables is another stamp


def test_what_a_session_writes_moves_only_its_tables_and_only_when_it_commits(clocked):
    state, _, _ = clocked
    cache = state.read_cache
    alarms, users = cache.stamp(("alarms",)), cache.stamp(("users",))
    with state.sessions() as db:
        from command.db.models.users import User

        db.execute(update(User).where(User.username == "duty1").values(display_name="Duty One"))
        assert touched(db) == {"users"}
        db.rollback()
        assert touched(db) == set()
    assert cache.stamp(("users",)) == users  # rolled back: nothing moved
    with session_scope(state.sessions) as db:
        db.execute(select(User)).all()
        user = db.execute(select(User).where(User.username == "duty1")).scalar_one()
        user.display_name = "Duty 1"
    assert cache.stamp(("users",)) != users and cache.stamp(("alarms",)) == alarms
    with session_scope(state.sessions) as db:
        from sqlalchemy import text

        db.execute(text("UPDATE users SET display_name = 'D1' WHERE username = 'duty1'"))
        assert touched(db) == {EVERY}
    assert cache.stamp(("alarms",)) != alarms  # text(): every table counts as written


def test_a_commit_in_one_process_ends_the_kept_answers_of_another(db_url, make_config):
    bus = InProcessBus()
    cfg = make_config(db_url)
    a, b = build_state(cfg, bus=bus), build_state(cfg, bus=bus)
    try:
        stamp = b.read_cache.stamp(("alarms",))
        b.read_cache.put(("list",), stamp, b"[]")
        with session_scope(a.sessions) as db:
            db.execute(update(Alarm).values(title="x"))
        assert b.read_cache.get(("list",), ("alarms",)) is None
    finally:
        a.engine.dispose()
        b.engine.dispose()


def test_age_bounds_what_no_commit_announced():
    now = [0.0]
    cache = ReadCache(1.0, monotonic=lambda: now[0])
    cache.put(("k",), cache.stamp(("alarms",)), b"x")
    now[0] = 0.9
    assert cache.get(("k",), ("alarms",)) == b"x"
    now[0] = 1.1
    assert cache.get(("k",), ("alarms",)) is None
    small = ReadCache(1.0, max_entries=2)
    for k in "abc":
        small.put((k,), small.stamp(()), k.encode())
    assert len(small) == 2 and small.get(("a",), ()) is None  # the oldest went first
    sized = ReadCache(1.0, max_bytes=10)
    for k in "abc":
        sized.put((k,), sized.stamp(()), b"12345")
    assert len(sized) == 2 and sized.bytes == 10 and sized.get(("a",), ()) is None
    sized.put(("c",), sized.stamp(()), b"1")  # a new answer for a kept key replaces it
    assert sized.bytes == 6 and sized.get(("c",), ()) == b"1"


def _app_with_viewer(url: str, make_config, **server):  # noqa: ANN001
    """An app (no background loops) and a viewer's API token."""
    from command.app import create_app
    from command.services.auth import add_user, issue_token

    app = create_app(make_config(url, server=server) if server else make_config(url), run_background=False)
    with session_scope(app.state.wp.sessions) as db:
        token = issue_token(db, add_user(db, "v", "Password-1-v", "viewer"), "api", None)
    return app, token


@contextmanager
def _slow_reads(gate: threading.Event, hold_from: int = 1) -> Iterator[list[int]]:
    """The alarm list's read, counted; from the ``hold_from``-th on it waits for ``gate``."""
    reads: list[int] = []
    real = intake.search_json

    def slow(db, **kw):  # noqa: ANN001
        reads.append(1)
        if len(reads) >= hold_from:
            gate.wait(5)
        return real(db, **kw)

    intake.search_json = slow
    try:
        yield reads
    finally:
        intake.search_json = real


def _client(app, token: str) -> httpx.AsyncClient:  # noqa: ANN001
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t",
                             headers={"Authorization": f"Bearer {token}"})


def test_concurrent_requests_for_one_answer_share_one_read(sqlite_url, make_config):
    """After an alarm every console asks again at once: one read answers them all."""
    app, token = _app_with_viewer(sqlite_url, make_config)
    gate = threading.Event()

    async def go() -> list[httpx.Response]:
        async with _client(app, token) as c:
            tasks = [asyncio.create_task(c.get("/api/alarms")) for _ in range(20)]
            await asyncio.sleep(0.5)
            gate.set()
            return await asyncio.gather(*tasks)

    try:
        with _slow_reads(gate) as reads:
            answers = asyncio.run(go())
    finally:
        app.state.wp.engine.dispose()
    assert all(r.status_code == 200 for r in answers)
    assert len(reads) == 1
    assert sorted(r.headers["X-Cache"] for r in answers).count("shared") == 19


def test_read_cache_s_0_reads_every_time(sqlite_url, make_config):
    from fastapi.testclient import TestClient

    app, token = _app_with_viewer(sqlite_url, make_config, read_cache_s=0)
    with TestClient(app) as c:
        for _ in range(2):
            r = c.get("/api/alarms", headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 200 and r.headers["X-Cache"] == "off"


def test_an_aged_answer_is_read_again_once_while_the_others_get_it_as_it_was(sqlite_url, make_config):
    app, token = _app_with_viewer(sqlite_url, make_config)
    now = [0.0]
    app.state.wp.read_cache = ReadCache(1.0, monotonic=lambda: now[0])
    gate = threading.Event()

    async def go() -> tuple[str, list[str]]:
        async with _client(app, token) as c:
            first = (await c.get("/api/alarms")).headers["X-Cache"]
            now[0] = 2.0  # past read_cache_s, no commit since
            refresh = asyncio.create_task(c.get("/api/alarms"))
            await asyncio.sleep(0.3)
            others = [(await c.get("/api/alarms")).headers["X-Cache"] for _ in range(3)]
            gate.set()
            return first, others + [(await refresh).headers["X-Cache"]]

    try:
        with _slow_reads(gate, hold_from=2) as reads:
            first, rest = asyncio.run(go())
    finally:
        app.state.wp.engine.dispose()
    assert first == "miss" and rest == ["stale", "stale", "stale", "miss"] and len(reads) == 2
