"""The plans page in Debian Chromium against the real service (CMD-5, PLAN-6, RES-4): an incident's
matching plans with reasons, one-click activation, tasks appearing, the offline map with routes."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.plans.sample import park_plan
from tests.console.browser import MARKS, launch

DEMO = Path(__file__).resolve().parents[2] / "deploy" / "demo"

pytestmark = [*MARKS]


def test_match_activate_and_map_in_browser(sqlite_url, make_config):
    from datetime import timedelta

    from playwright.sync_api import expect, sync_playwright

    from command.throwaway import serve_in_thread as start
    from tests.console.sign_in import log_in

    cfg = make_config(sqlite_url, map={"site_plan": str(DEMO / "site_plan.geojson"), "road_graph": str(DEMO / "road_graph.json")})
    srv = start(cfg, {"boss": "commander"})
    try:
        api = httpx.Client(base_url=srv.url, timeout=10, headers={"Authorization": f"Bearer {srv.tokens['boss']}"})
        pid = api.post("/api/plans", json=park_plan()).json()["id"]
        api.post(f"/api/plans/{pid}/steps", json={"action": "submit_review"})
        api.post(f"/api/plans/{pid}/reviews", json={"opinion": "同意", "approve": True})
        api.post(f"/api/plans/{pid}/steps", json={"action": "conclude_review"})
        assert api.post(f"/api/plans/{pid}/steps", json={"action": "publish"}).json()["status"] == "published"
        from datetime import datetime, timezone

        now = datetime.now(timezone.utc)
        api.post("/api/duty/shifts", json={"role": "现场指挥", "person": "张三", "phone": "+8613911110001",
                                          "starts_at": (now - timedelta(hours=1)).isoformat(),
                                          "ends_at": (now + timedelta(hours=8)).isoformat()})
        api.post("/api/resources", json={"kind": "material", "name": "抗溶泡沫", "category": "泡沫灭火剂", "quantity": 50,
                                         "lon": 121.4005, "lat": 30.8005})
        inc = api.post("/api/incidents", json={"type": "leak", "title": "罐区A苯泄漏", "level": "orange",
                                               "location": {"site": "tank-farm-a", "lon": 121.4041, "lat": 30.8037}}).json()
        api.post(f"/api/incidents/{inc['id']}/transitions", json={"to": "verified"})
        with sync_playwright() as p:
            browser = launch(p)
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 1400}, locale="zh-CN")
                log_in(page, srv.url + "/console/login.html", "boss", "**/console/index.html")
                page.goto(srv.url + f"/console/plans.html?incident={inc['id']}")
                match = page.locator(f"#match-{pid}")
                expect(match).to_contain_text("罐区A苯泄漏专项应急预案", timeout=10_000)
                expect(match.locator(".reasons")).to_contain_text("tank-farm-a")
                expect(match.locator("select.level")).to_have_value("II")
                expect(page.locator("svg.parkmap polyline.route")).to_have_count(1)
                expect(page.locator("svg.parkmap polygon.major_hazard")).to_have_count(1)
                match.locator("button.activate").click()
                expect(page.locator("#tasks tr")).to_have_count(3, timeout=10_000)
                expect(page.locator("#tasks tr").first).to_contain_text("张三")
                expect(page.locator("#reservations li")).to_have_count(1)
                # Search page lists the plan.
                page.goto(srv.url + "/console/plans.html")
                page.fill("#q", "罐区A")
                page.press("#q", "Enter")
                expect(page.locator(f"#plan-{pid}")).to_be_visible(timeout=5_000)
            finally:
                browser.close()
        assert api.get(f"/api/incidents/{inc['id']}").json()["status"] == "activated"
    finally:
        srv.stop()
