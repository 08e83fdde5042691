"""Decision support in the console (issue #25: DSS-1..4, DRL-5) in Debian Chromium against the real
service: the incident page's model panel (dss.js), the response-draft editor, the consultation room
(consult.js) and the model footprint on the situation map (map.js).

A park with the demo site plan and road graph, cameras, resources (a shelter to assemble at) and
personnel positions downwind of tank farm A, and an exercise incident there. A commander runs the
plume footprint for benzene with the weather typed in: a value outside the model's range is
refused under its field with the range; the run shows each zone with what lies inside it (the two
people in the evacuation zone by name), the station option says why there is no reading, a re-run
says it reproduced the result. The map link draws the zones as Leaflet SVG paths of the zone
classes (a layer that switches off and on) and the draft's evacuation routes. The drafted response
plan is edited (a resource removed, a warning's text changed; an emptied message is refused under
the field), approved through a confirm dialog and sent (outbox ids, a CAP link that answers). A
consultation message with a file appears at once, and in a second signed-in browser live. No CSP
refusal or script error; no sideways scroll at 1024×768, 1600×1000 and 3840×2160. With
WP_SCREENSHOT_DIR set it saves dss.png (the incident page's panel) and dss-map.png (the map).
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest

from command.throwaway import serve_in_thread
from tests.console.sign_in import log_in
from tests.console.test_map_page import CAMERAS, DEMO, NO_OVERFLOW, RESOURCES, TANK
from tests.console.browser import MARKS, launch, watch

pytestmark = [*MARKS]

# Wind from the west (270°) carries the plume east of the tank: at 2 m/s, class D and 20 kg/s of
# benzene the AEGL-3 (evacuate) zone reaches about 250 m and AEGL-2 (shelter) about 600 m downwind.
DEG_PER_M = 1 / 95_600  # longitude degrees per metre at 30.8° N
PEOPLE = [("p-1", "张三", TANK[0] + 150 * DEG_PER_M, TANK[1]), ("p-2", "李四", TANK[0] + 200 * DEG_PER_M, TANK[1]),
          ("p-3", "王五", TANK[0] + 400 * DEG_PER_M, TANK[1]), ("p-4", "赵六", 121.4000, 30.8085)]
WEATHER = {"source": "manual", "wind_speed_m_s": 2, "wind_from_deg": 270, "stability": "D"}
PARAMS = {"release_rate_kg_s": 20}
FRAME = [".topbar", "main", "#content", "#dss", "#dss-form", "#dss-result", "#dss-zones", "#draft", "#consult",
         "#consult-form", "#dispatch"]
MAP_FRAME = [".topbar", "#map", "#side", ".leaflet-control-layers", "#footprint-legend"]


@pytest.fixture
def park(sqlite_url, make_config, tmp_path):
    cfg = make_config(sqlite_url, map={"site_plan": str(DEMO / "site_plan.geojson"), "road_graph": str(DEMO / "road_graph.json")},
                      sites=[{"id": "tank-farm-a", "name": "罐区A Tank farm A", "kind": "major_hazard",
                              "location": {"lon": 121.4050, "lat": 30.8028}}],
                      vision={"media_root": str(tmp_path / "media"), "spool_path": str(tmp_path / "spool.sqlite"), "cameras": CAMERAS},
                      dss={"consult_dir": str(tmp_path / "consult")})
    srv = serve_in_thread(cfg, {"boss": "commander", "duty": "duty_officer", "loc": "service"})
    api = httpx.Client(base_url=srv.url, timeout=30, headers={"Authorization": f"Bearer {srv.tokens['boss']}"})
    for r in RESOURCES:
        assert api.post("/api/resources", json=r).status_code == 201
    now = datetime.now(timezone.utc).isoformat()
    r = api.post("/api/positions", headers={"Authorization": f"Bearer {srv.tokens['loc']}"}, json={"positions": [
        {"person_id": pid, "name": name, "lon": lon, "lat": lat, "floor": "1F", "at": now} for pid, name, lon, lat in PEOPLE]})
    assert r.json() == {"accepted": len(PEOPLE)}, r.text
    inc = api.post("/api/incidents", json={"type": "leak", "title": "罐区A苯泄漏（演练）", "level": "orange", "exercise": True,
                                           "location": {"site": "tank-farm-a", "lon": TANK[0], "lat": TANK[1]}})
    assert inc.status_code == 201, inc.text
    srv.incident = inc.json()
    srv.api = api
    yield srv
    srv.stop()




def _fill_weather(page) -> None:
    page.check("#dss-wx-manual")
    page.fill("#dss-wx-speed", "2")
    page.fill("#dss-wx-dir", "270")
    page.select_option("#dss-wx-stability", "D")


def test_run_map_draft_approve_and_consult(park):
    """DSS-2/3/4 and DRL-5 from the incident page, and the consultation room (DSS-1) live in a second browser."""
    from playwright.sync_api import expect, sync_playwright

    api, iid = park.api, park.incident["id"]
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
            log_in(page, park.url + f"/console/incident.html?id={iid}", "boss", f"**/console/incident.html?id={iid}")
            bad = watch(page)
            panel = page.locator("#dss")
            expect(panel).to_have_attribute("data-ready", "1", timeout=10_000)
            # The models useful at an incident, the first (plume footprint) chosen; its inputs come from its schema.
            options = page.locator("#dss-model option")
            expect(options).to_have_count(7)
            assert options.evaluate_all("os => os.map(o => o.value)") == [
                "plume_footprint", "dense_gas_continuous", "dense_gas_instantaneous", "pool_fire", "bleve_fireball", "tnt_explosion",
                "tno_multi_energy"]
            rate = page.locator("#dss-in-release_rate_kg_s")
            expect(rate).to_have_attribute("type", "number")
            expect(rate).to_have_attribute("max", "10000")
            expect(page.locator(".dss-field[data-key='release_rate_kg_s'] small")).to_contain_text("kg/s")
            expect(page.locator("#dss-in-wind_speed")).to_have_count(0)  # the weather block fills the wind
            # The substance fills the thresholds (AEGL, ppm) and the molar mass.
            page.select_option("#dss-substance", "benzene")
            expect(page.locator("#dss-in-thresholds-0-name")).to_have_value("AEGL-3 (60 min)")
            expect(page.locator("#dss-in-thresholds-0-unit")).to_have_value("ppm")
            expect(page.locator("#dss-in-molar_mass_g_mol")).not_to_have_value("")

            # No station configured: the station option says why.
            page.check("#dss-wx-station")
            expect(page.locator("#dss-wx-info")).to_have_attribute("data-state", "none")
            expect(page.locator("#dss-wx-info")).to_contain_text("no weather station configured")
            _fill_weather(page)

            # Outside the model's range: refused under the field, with the range; nothing stored.
            rate.fill("99999")
            page.click("#dss-run")
            err = page.locator("#dss-err-release_rate_kg_s")
            expect(err).to_contain_text("10000")
            assert api.get("/api/simulations", params={"incident_id": iid}).json() == []

            rate.fill(str(PARAMS["release_rate_kg_s"]))
            page.click("#dss-run")
            result = page.locator("#dss-result")
            expect(result).to_have_attribute("data-sim", re.compile(r"^\d+$"), timeout=15_000)
            expect(err).to_be_empty()
            sim_id = int(result.get_attribute("data-sim"))
            sim = api.get(f"/api/simulations/{sim_id}").json()
            assert sim["weather"]["source"] == "manual" and sim["params"]["substance"] == "benzene"
            evac = page.locator("#dss-zones .dss-zone[data-level='evacuate']")
            expect(evac).to_have_count(1)
            expect(evac.locator(".dss-count[data-kind='people']")).to_have_attribute("data-n", "2")
            expect(page.locator("#dss-zones .dss-zone[data-level='shelter'] .dss-count[data-kind='people']")).to_have_attribute("data-n", "3")
            evac.locator("summary").click()
            expect(evac.locator(".dss-namegroup[data-kind='people']")).to_contain_text("张三")
            expect(evac.locator(".dss-namegroup[data-kind='people']")).to_contain_text("李四")
            expect(page.locator("#dss-figures table[data-key='contours']")).to_be_visible()

            # Past runs: who and what; a re-run reproduces the result.
            rows = page.locator("#dss-runs tr")
            expect(rows).to_have_count(1)
            expect(rows.first).to_contain_text("boss")
            expect(rows.first.locator(".dss-inputs-cell")).to_contain_text("release_rate_kg_s=20")
            rows.first.locator(".dss-rerun").click()
            expect(rows).to_have_count(2)
            orig = page.locator(f"#dss-runs tr[data-id='{sim_id}']")
            expect(orig.locator(".dss-repro")).to_have_attribute("data-reproduced", "1")
            expect(page.locator("#dss-runs tr").first.locator(".dss-of")).to_contain_text(f"#{sim_id}")

            # The response plan drafted from the run shown.
            page.locator(f"#dss-runs tr[data-id='{sim_id}'] .dss-view").click()
            expect(result).to_have_attribute("data-sim", str(sim_id))
            page.click("#dss-draft-btn")
            status = page.locator("#draft-status")
            expect(status).to_have_attribute("data-status", "draft", timeout=10_000)
            draft = api.get(f"/api/incidents/{iid}/response-drafts").json()[0]
            expect(page.locator("#draft-zones tbody tr")).to_have_count(len(draft["body"]["zones"]))
            routes = [r for z in draft["body"]["zones"] for r in z.get("routes", [])]
            expect(page.locator(".draft-route")).to_have_count(len(routes))
            assert routes, draft["body"]["zones"]  # the evacuation zone has people: a route to the shelter
            expect(page.locator(".draft-route").first).to_contain_text(routes[0]["assembly_point"]["name"])

            # The map link: the footprint as zone polygons, a switchable layer, and the draft's routes.
            link = page.locator("#dss-map-link")
            expect(link).to_have_attribute("href", f"map.html?incident={iid}&simulation={sim_id}")
            link.click()
            page.wait_for_url(f"**/console/map.html?incident={iid}&simulation={sim_id}")
            expect(page.locator("body")).to_have_attribute("data-map-ready", "1", timeout=10_000)
            zones = page.locator(".leaflet-wp-footprint-pane svg path.wp-zone")
            expect(page.locator("path.wp-zone.wp-zone-evacuate")).to_have_count(1)
            expect(page.locator("path.wp-zone.wp-zone-shelter")).to_have_count(1)
            expect(page.locator("path.wp-zone.wp-zone-warn")).to_have_count(1)
            d = page.locator("path.wp-zone-evacuate").get_attribute("d")
            assert d.startswith("M") and d.count("L") >= 3, d
            expect(page.locator("path.wp-evac")).to_have_count(len(routes))
            expect(page.locator("#footprint-legend")).to_have_attribute("data-simulation", str(sim_id))
            box = page.locator(".leaflet-control-layers label[data-layer='footprint'] input")
            box.uncheck()
            expect(zones).to_have_count(0)
            box.check()
            expect(zones).to_have_count(3)
            page.locator("#footprint-zones li[data-level='evacuate']").click()  # the legend: fit to the zone, open its card
            card = page.locator(".leaflet-popup .wp-card")
            expect(card).to_contain_text("AEGL-3")
            expect(card).to_contain_text("人员2")
            page.go_back()
            expect(page.locator("#dss")).to_have_attribute("data-ready", "1", timeout=10_000)
            expect(status).to_have_attribute("data-status", "draft")

            # Edit: remove a resource, change a warning's text; an emptied message is refused under it.
            res_rows = page.locator("#draft-resources tbody tr")
            n_res = res_rows.count()
            if n_res:
                res_rows.first.locator(".draft-remove").click()
                expect(res_rows).to_have_count(n_res - 1)
            msg = page.locator("#draft-message-0")
            msg.fill("")
            page.click("#draft-save")
            expect(page.locator(".dss-ferr[data-err='warnings.0.message']")).not_to_be_empty()
            edited = "【演练】罐区A苯泄漏：东侧人员请立即向西撤离至北侧避难场所。"
            msg.fill(edited)
            page.click("#draft-save")
            expect(page.locator("#draft-saved")).to_contain_text("2")
            got = api.get(f"/api/response-drafts/{draft['id']}").json()
            assert got["version"] == 2 and got["body"]["warnings"][0]["message"] == edited
            assert len(got["body"]["resources"]) == max(0, n_res - 1)

            # Approve (a commander; a confirm dialog) → sent through the outbox (exercise: the drill sink).
            page.once("dialog", lambda dlg: dlg.accept())
            page.click("#draft-approve")
            expect(status).to_have_attribute("data-status", "sent", timeout=10_000)
            got = api.get(f"/api/response-drafts/{draft['id']}").json()
            assert got["status"] == "sent" and got["outbox_ids"], got
            expect(page.locator("#draft-outbox")).to_have_text(str(len(got["outbox_ids"])))
            cap = page.locator("#draft-cap")
            expect(cap).to_have_attribute("href", f"/api/response-drafts/{draft['id']}/cap.xml")
            xml = api.get(f"/api/response-drafts/{draft['id']}/cap.xml")
            assert xml.status_code == 200 and "<alert" in xml.text and "Exercise" in xml.text, xml.text[:300]
            expect(page.locator("#draft-save")).to_have_count(0)  # a sent plan is read-only

            # The consultation room: a message with a file; a second signed-in browser sees it live.
            other = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            page2 = other.new_page()
            log_in(page2, park.url + f"/console/incident.html?id={iid}", "duty", f"**/console/incident.html?id={iid}")
            bad2 = watch(page2)
            expect(page2.locator("#consult-empty")).to_be_visible(timeout=10_000)
            expect(page2.locator("#draft-status")).to_have_attribute("data-status", "sent")
            page2.wait_for_timeout(500)  # its push stream is connected
            # A run made elsewhere reaches the open page on the "dss" push topic.
            r = api.post("/api/simulations", json={"incident_id": iid, "model": "plume_footprint", "substance": "benzene",
                                                   "params": PARAMS, "weather": WEATHER})
            assert r.status_code == 201, r.text
            expect(page2.locator("#dss-runs tr")).to_have_count(3, timeout=5_000)
            expect(page2.locator("#dss-runs tr").first).to_have_attribute("data-id", str(r.json()["id"]))
            page.fill("#consult-body", "建议东侧企业关停新风，等待监测数据。")
            page.set_input_files("#consult-file", files=[{"name": "监测点位.txt", "mimeType": "text/plain",
                                                          "buffer": "A1 12 ppm\nA2 3 ppm\n".encode()}])
            page.click("#consult-send")
            msgs = page.locator("#consult-messages li")
            expect(msgs).to_have_count(1)
            expect(msgs.first).to_contain_text("boss")
            expect(msgs.first.locator(".cns-role")).to_have_text("指挥长")
            flink = msgs.first.locator("a.cns-file-link")
            expect(flink).to_have_text("监测点位.txt")
            href = flink.get_attribute("href")
            assert re.fullmatch(rf"/api/incidents/{iid}/consult/\d+/file", href), href
            assert api.get(href).content == "A1 12 ppm\nA2 3 ppm\n".encode()
            live = page2.locator("#consult-messages li")
            expect(live).to_have_count(1, timeout=5_000)
            expect(live.first).to_contain_text("建议东侧企业关停新风")
            expect(live.first.locator("a.cns-file-link")).to_have_text("监测点位.txt")
            page2.fill("#consult-body", "收到，已通知东侧企业。")
            page2.click("#consult-send")
            expect(msgs).to_have_count(2, timeout=5_000)
            expect(msgs.nth(1).locator(".cns-role")).to_have_text("值班员")
            page.wait_for_load_state("networkidle")
            assert not bad, bad
            assert not bad2, bad2
        finally:
            browser.close()


def test_layout_at_three_sizes_and_screenshots(park):
    """The panels at 1600×1000 (screenshots for docs/console.md), 1024×768 and 3840×2160: nothing pushes
    the page sideways; the map with the footprint and routes too; the English strings come from dss.js."""
    from playwright.sync_api import expect, sync_playwright

    api, iid = park.api, park.incident["id"]
    r = api.post("/api/simulations", json={"incident_id": iid, "model": "plume_footprint", "substance": "benzene",
                                           "params": PARAMS, "weather": WEATHER})
    assert r.status_code == 201, r.text
    sim = r.json()
    d = api.post(f"/api/incidents/{iid}/response-drafts", json={"simulation_id": sim["id"]})
    assert d.status_code == 201, d.text
    m = api.post(f"/api/incidents/{iid}/consult", data={"body": "请环境监测组在下风向300米布点。"},
                 files={"file": ("布点方案.txt", b"300 m east", "text/plain")})
    assert m.status_code == 201, m.text
    shots = os.environ.get("WP_SCREENSHOT_DIR")
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
            log_in(page, park.url + f"/console/incident.html?id={iid}", "boss", f"**/console/incident.html?id={iid}")
            bad = watch(page)

            def incident_ready() -> None:
                expect(page.locator("#dss")).to_have_attribute("data-ready", "1", timeout=10_000)
                expect(page.locator("#dss-result")).to_have_attribute("data-sim", str(sim["id"]), timeout=10_000)
                expect(page.locator("#draft-status")).to_have_attribute("data-status", "draft")
                expect(page.locator("#consult-messages li")).to_have_count(1)

            def map_ready() -> None:
                expect(page.locator("body")).to_have_attribute("data-map-ready", "1", timeout=10_000)
                expect(page.locator("path.wp-zone")).to_have_count(3)

            incident_ready()
            # With ?incident=N alone the map shows the incident's latest run.
            page.goto(park.url + f"/console/map.html?incident={iid}")
            map_ready()
            expect(page.locator("#footprint-legend")).to_have_attribute("data-simulation", str(sim["id"]))
            page.goto(park.url + f"/console/incident.html?id={iid}")
            incident_ready()
            assert page.evaluate(NO_OVERFLOW, FRAME) == []
            if shots:
                Path(shots).mkdir(parents=True, exist_ok=True)
                page.locator("#dss-zones .dss-zone[data-level='evacuate'] summary").click()
                # The sticky header would cover the panel's top in a full-element shot (CSSOM: the CSP allows no <style>).
                page.evaluate("document.querySelector('.topbar').style.position = 'static'")
                page.wait_for_timeout(300)
                page.locator("#dss").screenshot(path=str(Path(shots) / "dss.png"))
                page.evaluate("document.querySelector('.topbar').style.position = ''")
            page.goto(park.url + f"/console/map.html?incident={iid}&simulation={sim['id']}")
            map_ready()
            expect(page.locator("path.wp-evac").first).to_be_attached()
            assert page.evaluate(NO_OVERFLOW, MAP_FRAME) == []
            if shots:  # zoomed to the shelter zone from the legend (which opens its card; closed for the picture)
                page.locator("#footprint-zones li[data-level='shelter']").click()
                expect(page.locator(".leaflet-popup .wp-card")).to_contain_text("AEGL-2")
                page.locator(".leaflet-popup-close-button").click()
                page.wait_for_timeout(700)
                page.screenshot(path=str(Path(shots) / "dss-map.png"))

            for size in ({"width": 1024, "height": 768}, {"width": 3840, "height": 2160}):
                page.set_viewport_size(size)
                page.goto(park.url + f"/console/incident.html?id={iid}")
                incident_ready()
                assert page.evaluate(NO_OVERFLOW, FRAME) == [], size
                page.goto(park.url + f"/console/map.html?incident={iid}&simulation={sim['id']}")
                map_ready()
                assert page.evaluate(NO_OVERFLOW, MAP_FRAME) == [], size

            page.goto(park.url + f"/console/incident.html?id={iid}")
            incident_ready()
            page.click("#lang")  # redrawn in English at once
            expect(page.locator("#dss h2").first).to_have_text("Decision support · consequence models")
            expect(page.locator("#consult h2")).to_have_text("Consultation room")
            expect(page.locator("#dss-zones .dss-zone[data-level='evacuate'] .dss-lvl")).to_have_text("evacuate")
            expect(page.locator("#draft-status")).to_have_text("draft")
            expect(page.locator("#consult-messages .cns-role")).to_have_text("commander")
            page.wait_for_load_state("networkidle")
            assert not bad, bad
        finally:
            browser.close()
