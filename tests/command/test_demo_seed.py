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
