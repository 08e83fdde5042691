"""The demo park as `make run` seeds it, through the public API (issue #24, PLAN-5): its tank farm plan
comes from the bundled Word document, published, and matches a smoke incident at the tank farm;
the roster holds the plan's roles, so activation assigns every card."""

from __future__ import annotations

import httpx

from command.demo_seed import PLAN_DOCX, import_plan
from command.demo_seed_park import seed_park
from command.throwaway import serve_in_thread


def test_demo_seed_files_the_imported_plan(sqlite_url, make_config):
    srv = serve_in_thread(make_config(sqlite_url), {"admin": "admin"})
    try:
        # seed() also files the drill scenario, which needs the demo's cameras and clips: its plan and
        # park parts are what this test is about.
        api = httpx.Client(base_url=srv.url, headers={"Authorization": f"Bearer {srv.tokens['admin']}"}, timeout=15)
        seed_park(api)
        import_plan(api)
        [plan] = api.get("/api/plans").json()
        assert plan["status"] == "published" and plan["scope"] == "park"
        full = api.get(f"/api/plans/{plan['id']}").json()
        assert [a["filename"] for a in full["attachments"]] == [PLAN_DOCX.name]
        assert "smoke" in full["structured"]["triggers"]["incident_types"]
        assert api.get(f"/api/plans/{plan['id']}/import").json()["report"]["missing"] == []
        inc = api.post("/api/incidents", json={"type": "smoke", "title": "罐区冒烟", "level": "orange",
                                               "location": {"name": "1号罐区", "site": "tank-farm"}}).json()
        assert api.post(f"/api/incidents/{inc['id']}/transitions", json={"to": "verified"}).status_code == 200
        assert api.get(f"/api/incidents/{inc['id']}/plan-matches").json()[0]["plan_id"] == plan["id"]
        r = api.post(f"/api/incidents/{inc['id']}/activate-plan", json={"plan_id": plan["id"], "response_level": "II"})
        assert r.status_code == 201, r.text
        roles = {t["role"] for t in r.json()["tasks"] if not t["assignee"]}
        # The plan's groups (警戒疏散组...) are not shifts on the demo roster; its three duty roles are.
        assert roles.isdisjoint({"现场指挥", "消防队长", "通信联络员"})
    finally:
        srv.stop()


def test_demo_exercise_leak_reaches_the_drill_sink_only(sqlite_url, make_config):
    """Issue #25: the demo's exercise ammonia leak has a footprint with people inside, a drafted and
    approved response plan, and its SMS warnings are exercise messages (the drill sink), one per
    person inside, none to the people upwind."""
    from sqlalchemy import create_engine, select

    from comms.models import OutboxRecord
    from command.demo_seed_dss import PEOPLE, seed_dss

    cfg = make_config(sqlite_url)
    cfg.map.site_plan = str(PLAN_DOCX.parents[1] / "site_plan.geojson")
    cfg.map.road_graph = str(PLAN_DOCX.parents[1] / "road_graph.json")
    srv = serve_in_thread(cfg, {"admin": "admin"})
    try:
        api = httpx.Client(base_url=srv.url, headers={"Authorization": f"Bearer {srv.tokens['admin']}"}, timeout=30)
        done = seed_dss(api)
        assert done["status"] == "sent"
        sim = api.get(f"/api/simulations/{done['simulation']}").json()
        inside = {p["person"] for z in sim["zones"] for p in z["people"]}
        assert "巡检员甲" in inside and "化验员戊" not in inside and "保安己" not in inside  # upwind stays out
        draft = api.get(f"/api/response-drafts/{done['draft']}").json()
        assert draft["body"]["warnings"] and draft["outbox_ids"]
        engine = create_engine(sqlite_url)
        with engine.connect() as c:
            rows = c.execute(select(OutboxRecord.channel, OutboxRecord.recipient, OutboxRecord.exercise)
                             .where(OutboxRecord.incident_id == done["incident"])).all()
        engine.dispose()
        assert rows and all(r.exercise for r in rows)
        sms = {r.recipient for r in rows if r.channel == "sms"}
        phones = {f"+861380000{310 + i:04d}": name for i, (_pid, name, _lo, _la) in enumerate(PEOPLE)}
        assert {phones[s] for s in sms} == inside
    finally:
        srv.stop()
