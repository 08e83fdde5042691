"""The situation map page (map.html) in Debian Chromium against the real service (RES-4, CMD-3,
DSS-2; issue #24).

A park with the demo site plan and road graph, cameras (one disabled), resources of every kind,
personnel positions and an incident at tank farm A. From the incident page's map link the map
opens on the incident: its marker, the nearest resources' road routes (Leaflet SVG paths), the
cameras around it and the people within the radius in the side panel; a layer switched off in the
layers control takes its markers off the map and back; a camera's card links to its live video;
an incident and an alarm posted over the API, and the tasks of a plan activated for the
incident, appear without a reload (an open card stays open; a typed title is shown as text, never
as markup); people, which have no push topic, follow by polling. The map page loads under the
console's CSP with no refusal or script error. With WP_SCREENSHOT_DIR set (docs/img) the
large-screen test saves map.png at 1600×1000; it checks for no horizontal overflow at 1024×768
(layers control collapsed) and at 3840×2160 (legible sizes).
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from command.throwaway import serve_in_thread
from tests.console.sign_in import log_in
from tests.plans.sample import park_plan
from tests.console.browser import MARKS, launch, watch

DEMO = Path(__file__).resolve().parents[2] / "deploy" / "demo"
TANK = (121.4041, 30.8037)  # the incident, at tank farm A

pytestmark = [*MARKS]

CAMERAS = [
    {"id": "cam-tank", "name": "罐区A 1号 Tank A-1", "site": "tank-farm-a", "url": "tank.mp4", "location": {"lon": 121.4035, "lat": 30.8030}},
    {"id": "cam-gate", "name": "东门 East gate", "site": "gate", "url": "gate.mp4", "location": {"lon": 121.4100, "lat": 30.8045}},
    {"id": "cam-wh", "name": "仓库1 Warehouse 1", "site": "wh-1", "url": "wh.mp4", "location": {"lon": 121.4010, "lat": 30.8062}},
    {"id": "cam-old", "name": "旧枪机 Old", "url": "old.mp4", "enabled": False, "location": {"lon": 121.4070, "lat": 30.8070}},
]
RESOURCES = [
    {"kind": "team", "name": "消防一中队", "category": "消防", "quantity": 12, "unit": "人", "contact": "李队", "phone": "+8613911110002",
     "lon": 121.4090, "lat": 30.8009},
    {"kind": "vehicle", "name": "泡沫消防车 沪A-119", "category": "消防车", "quantity": 1, "lon": 121.4086, "lat": 30.8013},
    {"kind": "material", "name": "抗溶泡沫", "category": "泡沫灭火剂", "quantity": 50, "unit": "桶", "lon": 121.4010, "lat": 30.8010},
    {"kind": "medical_point", "name": "医务室", "category": "急救", "lon": 121.4090, "lat": 30.8080},
    {"kind": "expert", "name": "化工专家 王工", "category": "化工", "lon": 121.4012, "lat": 30.8066},
    {"kind": "shelter", "name": "北侧避难场所", "category": "避难", "lon": 121.4002, "lat": 30.8088},
]
PEOPLE = [  # two inside 300 m of the incident, one more inside 500 m (430 m), two outside (570 m, 710 m)
    ("p-1", "张三", 121.4046, 30.8041), ("p-2", "李四", 121.4030, 30.8032), ("p-3", "王五", 121.4010, 30.8065),
    ("p-4", "赵六", 121.4090, 30.8085), ("p-5", "钱七", 121.4000, 30.8000)]

NO_OVERFLOW = """sels => { const W = document.documentElement.clientWidth, bad = [];
  if (document.documentElement.scrollWidth > W) bad.push('document ' + document.documentElement.scrollWidth + ' > ' + W);
  for (const s of sels) for (const n of document.querySelectorAll(s)) { const r = n.getBoundingClientRect();
    if (r.width && (r.right > W + 0.5 || r.left < -0.5)) bad.push(s + ' ' + Math.round(r.left) + '..' + Math.round(r.right) + ' of ' + W); }
  return bad; }"""
EXPANDED = re.compile(r"\bleaflet-control-layers-expanded\b")
FRAME = [".topbar", ".topbar .tools", "#logout", "#lang", "#map", "#side", ".leaflet-control-layers", ".leaflet-control-zoom", "#fit"]


@pytest.fixture
def park(sqlite_url, make_config, tmp_path):
    cfg = make_config(sqlite_url, map={"site_plan": str(DEMO / "site_plan.geojson"), "road_graph": str(DEMO / "road_graph.json")},
                      sites=[{"id": "tank-farm-a", "name": "罐区A Tank farm A", "kind": "major_hazard", "location": {"lon": 121.4050, "lat": 30.8028}}],
                      vision={"media_root": str(tmp_path / "media"), "spool_path": str(tmp_path / "spool.sqlite"), "cameras": CAMERAS})
    srv = serve_in_thread(cfg, {"boss": "commander", "loc": "service"})
    api = httpx.Client(base_url=srv.url, timeout=10, headers={"Authorization": f"Bearer {srv.tokens['boss']}"})
    svc = {"Authorization": f"Bearer {srv.tokens['loc']}"}
    srv.res = [api.post("/api/resources", json=r).json() for r in RESOURCES]
    now = datetime.now(timezone.utc)
    r = api.post("/api/positions", headers=svc, json={"positions": [
        {"person_id": pid, "name": name, "lon": lon, "lat": lat, "floor": "1F", "at": now.isoformat()} for pid, name, lon, lat in PEOPLE]})
    assert r.json() == {"accepted": len(PEOPLE)}, r.text
    inc = api.post("/api/incidents", json={"type": "leak", "title": "罐区A苯泄漏", "level": "orange",
                                           "location": {"site": "tank-farm-a", "lon": TANK[0], "lat": TANK[1]}})
    assert inc.status_code == 201, inc.text
    srv.incident = inc.json()
    api.post(f"/api/incidents/{srv.incident['id']}/transitions", json={"to": "verified"})
    srv.api, srv.svc = api, svc
    yield srv
    srv.stop()




def _layer_box(page, name: str):
    """The layers control's checkbox for one overlay (its label carries data-layer)."""
    return page.locator(f".leaflet-control-layers label[data-layer='{name}'] input")


def _publish_plan(api) -> int:
    pid = api.post("/api/plans", json=park_plan()).json()["id"]
    api.post(f"/api/plans/{pid}/steps", json={"action": "submit_review"})
    api.post(f"/api/plans/{pid}/reviews", json={"opinion": "同意", "approve": True})
    api.post(f"/api/plans/{pid}/steps", json={"action": "conclude_review"})
    assert api.post(f"/api/plans/{pid}/steps", json={"action": "publish"}).json()["status"] == "published"
    return pid


def test_incident_routes_cameras_people_layers_and_live_updates(park):
    """RES-4: the incident's marker and its nearest resources' road routes drawn as Leaflet paths, the
    nearest first; CMD-3/DSS-2: cameras around it with a live-video link in the camera's card, people
    within the radius (changing the radius asks the service again); a layer toggled off loses its
    markers; incidents, alarms and tasks arrive from the push stream without a reload."""
    from playwright.sync_api import expect, sync_playwright

    api, iid = park.api, park.incident["id"]
    near = api.get(f"/api/incidents/{iid}/nearest-resources", params={"k": 5}).json()
    assert len(near) == 5
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
            log_in(page, park.url + f"/console/incident.html?id={iid}", "boss", f"**/console/incident.html?id={iid}")
            bad = watch(page)
            # From the incident: one click to its map.
            page.locator("#map-link").click()
            page.wait_for_url(f"**/console/map.html?incident={iid}")
            expect(page.locator("body")).to_have_attribute("data-map-ready", "1", timeout=10_000)
            page.evaluate("window.__noReload = 7")

            marker = page.locator(f".leaflet-marker-pane .leaflet-marker-icon.wp-incident[data-id='{iid}']")
            expect(marker).to_be_visible()
            expect(marker).to_have_class(re.compile(r"\bwp-incident lvl-orange focused\b"))
            routes = page.locator(".leaflet-wp-focus-pane svg path.wp-route")
            expect(routes).to_have_count(5)
            first = page.locator(".leaflet-wp-focus-pane path.wp-route.first")
            expect(first).to_have_attribute("data-resource", str(near[0]["resource"]["id"]))
            # A real polyline: one move and at least two line segments along the roads, inside the map.
            d = first.get_attribute("d")
            assert d.startswith("M") and d.count("L") >= 2, d
            box = first.bounding_box()
            assert box and box["width"] + box["height"] > 20, box
            expect(page.locator("#near-resources li")).to_have_count(5)
            expect(page.locator("#near-resources li").first).to_have_attribute("data-id", str(near[0]["resource"]["id"]))
            expect(page.locator("path.wp-radius")).to_have_count(1)

            # Cameras around the incident (nearest first), people inside 300 m, and the camera layer.
            expect(page.locator("#near-cameras li").first).to_have_attribute("data-id", "cam-tank")
            expect(page.locator("#near-cameras li a.live-link").first).to_have_attribute("href", "live.html?camera=cam-tank")
            expect(page.locator("#near-people li")).to_have_count(2)
            expect(page.locator("#near-people li").first).to_contain_text("张三")
            expect(page.locator("path.wp-person.near")).to_have_count(2)
            expect(page.locator("path.wp-person")).to_have_count(5)
            page.select_option("#radius", "500")
            expect(page.locator("#near-people li")).to_have_count(3, timeout=5_000)
            expect(page.locator("path.wp-person.near")).to_have_count(3)
            assert "radius=500" in page.url

            cams = page.locator(".leaflet-marker-icon.wp-cam")
            expect(cams).to_have_count(4)
            expect(page.locator(".wp-cam[data-id='cam-old']")).to_have_attribute("data-status", "disabled")
            expect(page.locator(".wp-cam[data-id='cam-tank']")).to_have_attribute("data-status", "idle")
            expect(page.locator(".wp-cam[data-id='cam-tank']")).to_have_class(re.compile(r"\bcam-idle near\b"))  # one of the nearest

            # Toggling a layer hides its markers, and brings them back.
            box = _layer_box(page, "cameras")
            expect(box).to_be_checked()
            box.uncheck()
            expect(cams).to_have_count(0)
            box.check()
            expect(cams).to_have_count(4)
            res_team = page.locator("path.wp-res-team")
            expect(res_team).to_have_count(1)
            _layer_box(page, "res-team").uncheck()
            expect(res_team).to_have_count(0)
            expect(page.locator("path.wp-res-material")).to_have_count(1)  # the other kinds stay
            _layer_box(page, "res-team").check()
            expect(res_team).to_have_count(1)

            # A camera's card: status and a link to its live video; a disabled camera offers none.
            page.locator(".wp-cam[data-id='cam-gate']").click()
            pop = page.locator(".leaflet-popup .wp-card")
            expect(pop).to_contain_text("东门 East gate")
            expect(pop.locator(".wp-cam-st")).to_have_text("待机")
            expect(pop.locator("a.live-link")).to_have_attribute("href", "live.html?camera=cam-gate")

            # Live: a new incident elsewhere (the open card stays open through the redraw), an alarm,
            # and the tasks of a plan activated for ours.
            other = api.post("/api/incidents", json={"type": "fire", "title": "仓库1冒烟 <b id=inj>x</b>", "level": "red",
                                                     "location": {"site": "wh-1", "lon": 121.4010, "lat": 30.8063}}).json()
            expect(page.locator(f".wp-incident[data-id='{other['id']}']")).to_be_visible(timeout=5_000)
            label = page.locator(".leaflet-tooltip.wp-inc-label", has_text="仓库1冒烟")
            expect(label).to_have_text(f"#{other['id']} 仓库1冒烟 <b id=inj>x</b>")  # a typed title is text, not markup
            expect(page.locator("#inj")).to_have_count(0)
            expect(pop).to_contain_text("东门 East gate")
            page.locator(".leaflet-popup-close-button").click()
            page.locator(".wp-cam[data-id='cam-old']").click()
            expect(pop).to_contain_text("已停用")
            expect(pop.locator("a.live-link")).to_have_count(0)
            page.locator(".leaflet-popup-close-button").click()
            alarm = httpx.post(park.url + "/api/alarms", headers=park.svc, timeout=10, json={
                "source": "video", "source_event_id": "cam-wh-1", "type": "smoke", "level": "yellow",
                "occurred_at": datetime.now(timezone.utc).isoformat(), "camera_id": "cam-wh", "title": "仓库1烟雾",
                "location": {"name": "仓库1", "site": "wh-1", "lon": 121.4013, "lat": 30.8060}})
            assert alarm.status_code == 201, alarm.text
            expect(page.locator(f".wp-alarm[data-id='{alarm.json()['id']}']")).to_be_visible(timeout=5_000)

            pid = _publish_plan(api)
            act = api.post(f"/api/incidents/{iid}/activate-plan", json={"plan_id": pid, "response_level": "II"})
            assert act.status_code == 201, act.text
            expect(page.locator("#focus-tasks li")).to_have_count(3, timeout=5_000)
            expect(page.locator(".leaflet-tooltip.wp-inc-label", has_text="罐区A苯泄漏")).to_contain_text("任务 0/3")
            marker.click()
            expect(pop.locator("ol.wp-tasks li")).to_have_count(3)
            expect(pop.locator(f"a[href='incident.html?id={iid}']")).to_be_visible()
            assert page.evaluate("window.__noReload") == 7  # all of it arrived live

            # The other incident's card offers to focus the map on it.
            page.locator(".leaflet-popup-close-button").click()
            page.locator(f".wp-incident[data-id='{other['id']}']").click()
            expect(pop.locator("a.focus-link")).to_have_attribute("href", f"map.html?incident={other['id']}")

            # The camera card's link opens the live wall on that camera.
            page.locator(".leaflet-popup-close-button").click()
            page.locator(".wp-cam[data-id='cam-tank']").click()
            pop.locator("a.live-link").click()
            page.wait_for_url("**/console/live.html?camera=cam-tank")
            page.wait_for_load_state("networkidle")
            assert not bad, bad
        finally:
            browser.close()


def test_large_screen_and_small_screen(park):
    """The map fills the viewport at 1600×1000 (screenshot for docs/console.md), at 1024×768 nothing
    overflows sideways and the layers control is a button, at 3840×2160 nothing overflows and the text
    is large enough to read across the room; the English strings come from map.js. People, which
    have no push topic, follow the location system by polling (?poll=2 here, 10 s by default)."""
    from playwright.sync_api import expect, sync_playwright

    api, iid = park.api, park.incident["id"]
    api.post("/api/incidents", json={"type": "fire", "title": "仓库1冒烟", "level": "red",
                                     "location": {"site": "wh-1", "lon": 121.4010, "lat": 30.8063}})
    pid = _publish_plan(api)
    api.post(f"/api/incidents/{iid}/activate-plan", json={"plan_id": pid, "response_level": "II"})
    httpx.post(park.url + "/api/alarms", headers=park.svc, timeout=10, json={
        "source": "video", "source_event_id": "cam-gate-1", "type": "intrusion", "level": "orange",
        "occurred_at": (datetime.now(timezone.utc) - timedelta(minutes=3)).isoformat(), "camera_id": "cam-gate",
        "title": "东门周界入侵", "location": {"name": "东门", "site": "gate", "lon": 121.4098, "lat": 30.8047}})
    shots = os.environ.get("WP_SCREENSHOT_DIR")
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
            log_in(page, park.url + f"/console/map.html?incident={iid}&poll=2", "boss", f"**/console/map.html?incident={iid}&poll=2")
            bad = watch(page)
            expect(page.locator("body")).to_have_attribute("data-map-ready", "1", timeout=10_000)
            expect(page.locator("#conn")).to_have_attribute("data-state", "live", timeout=10_000)
            # The location system pushes nothing: a person who walks up to the incident shows within a poll.
            expect(page.locator("#near-people li")).to_have_count(2)
            r = httpx.post(park.url + "/api/positions", headers=park.svc, timeout=10, json={"positions": [
                {"person_id": "p-4", "name": "赵六", "lon": TANK[0] + 0.0004, "lat": TANK[1], "floor": "1F",
                 "at": datetime.now(timezone.utc).isoformat()}]})
            assert r.json() == {"accepted": 1}, r.text
            expect(page.locator("#near-people li")).to_have_count(3, timeout=6_000)
            expect(page.locator("#near-people li[data-id='p-4']")).to_contain_text("赵六")
            expect(page.locator("nav.nav a.active")).to_have_attribute("href", "/console/map.html")
            expect(page.locator(".leaflet-control-layers")).to_have_class(EXPANDED)
            frame = page.evaluate("() => { const r = document.getElementById('map').getBoundingClientRect(); return [r.bottom, r.right, r.width]; }")
            assert frame[0] == 1000 and frame[1] == 1600 and frame[2] > 1000, frame  # full viewport beside the side panel
            assert page.evaluate(NO_OVERFLOW, FRAME) == []
            expect(page.locator("path.wp-route")).to_have_count(5)
            page.locator(f".wp-incident[data-id='{iid}']").click()  # its card: tasks and links
            expect(page.locator(".leaflet-popup ol.wp-tasks li")).to_have_count(3)
            if shots:
                page.wait_for_timeout(700)
                Path(shots).mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(Path(shots) / "map.png"))

            page.set_viewport_size({"width": 1024, "height": 768})
            page.reload()
            expect(page.locator("body")).to_have_attribute("data-map-ready", "1", timeout=10_000)
            ctl = page.locator(".leaflet-control-layers")
            expect(ctl).not_to_have_class(EXPANDED)
            assert page.evaluate(NO_OVERFLOW, FRAME) == []
            assert page.evaluate("document.getElementById('map').getBoundingClientRect().width") > 600
            ctl.hover()  # the collapsed control opens on the pointer and still switches layers
            _layer_box(page, "people").uncheck()
            expect(page.locator("path.wp-person")).to_have_count(0)
            page.locator("#side-toggle").click()  # the side panel folds away for a wider map
            page.wait_for_timeout(300)
            assert page.evaluate("document.getElementById('map').getBoundingClientRect().width") > 900
            assert page.evaluate(NO_OVERFLOW, FRAME) == []

            page.set_viewport_size({"width": 3840, "height": 2160})
            page.goto(park.url + "/console/map.html")
            expect(page.locator("body")).to_have_attribute("data-map-ready", "1", timeout=10_000)
            assert page.evaluate(NO_OVERFLOW, FRAME) == []
            expect(page.locator("#side")).to_be_hidden()  # no incident: the map alone
            sizes = page.evaluate("""() => ['.leaflet-control-layers', '.wp-inc-label', '.wp-area-label', '.topbar .nav a']
                .map(s => parseFloat(getComputedStyle(document.querySelector(s)).fontSize))""")
            assert min(sizes) >= 22, sizes
            cam = page.locator(".wp-cam").first.bounding_box()
            assert cam["width"] >= 40, cam
            page.click("#lang")
            expect(page.locator(".leaflet-control-layers label[data-layer='cameras']")).to_contain_text("Cameras")
            expect(page.locator(".leaflet-control-layers label[data-layer='res-team']")).to_contain_text("Resources · teams")
            assert not bad, bad
        finally:
            browser.close()
