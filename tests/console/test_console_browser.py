"""The console in Debian Chromium against the real service (ALM-4 real-time arrival, CMD-2, NFR-4).

Logs in through the form, sees an alarm posted over the API appear without a reload, verifies
it with a click, walks an incident one step on its page, and switches language. With
WP_SCREENSHOT=path set, it also saves a screenshot of the live list (docs/img/console.png).
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from tests.console.live_server import start

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run"]

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed at /usr/bin/chromium")]


def alarm(n: int, **over) -> dict:
    body = {"source": "video", "source_event_id": f"cam-7-{n}", "type": "fire", "level": "red",
            "occurred_at": datetime.now(timezone.utc).isoformat(),
            "location": {"name": "3号储罐区 Tank farm 3", "site": "A区", "lon": 118.78, "lat": 32.05},
            "camera_id": "cam-7", "score": 0.91, "title": "储罐区烟火 Smoke at tank 3",
            "evidence": [{"kind": "snapshot", "uri": f"snapshots/cam-7/{n}.jpg", "media_type": "image/jpeg"}]}
    body.update(over)
    return body


@pytest.fixture
def live(sqlite_url, make_config):
    srv = start(make_config(sqlite_url), {"duty": "duty_officer", "cam": "service"})
    yield srv
    srv.stop()


def test_login_live_alarm_verify_incident_and_language(live):
    from playwright.sync_api import expect, sync_playwright

    api = httpx.Client(base_url=live.url, timeout=10)
    cam = {"Authorization": f"Bearer {live.tokens['cam']}"}
    duty = {"Authorization": f"Bearer {live.tokens['duty']}"}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 860}, locale="zh-CN")
            page.goto(live.url + "/")
            page.wait_for_url("**/console/login.html**")
            page.fill("#username", "duty")
            page.fill("#password", "password-duty")
            page.click("#submit")
            page.wait_for_url("**/console/index.html")
            expect(page.locator("#conn")).to_have_attribute("data-state", "live", timeout=10_000)
            page.evaluate("window.__noReload = 42")

            r = api.post("/api/alarms", json=alarm(1), headers=cam)
            assert r.status_code == 201, r.text
            a = r.json()
            row = page.locator(f"#alarm-{a['id']}")
            expect(row).to_be_visible(timeout=5_000)
            expect(row).to_have_attribute("data-status", "new")
            expect(row.locator("td").nth(0)).to_have_text("红色")
            # The snapshot thumbnail points at the media API; if the file cannot be fetched, a placeholder
            # keeping the attempted URL replaces the broken image.
            thumb = row.locator("img.thumb, .thumb.none").first
            src = thumb.get_attribute("src") or thumb.get_attribute("data-src") or ""
            assert src.endswith("/api/media/snapshots/cam-7/1.jpg"), src
            assert page.evaluate("window.__noReload") == 42  # arrived live, not by reloading

            # A repeat from the same camera folds into the row (occurrences), still live.
            api.post("/api/alarms", json=alarm(2), headers=cam)
            expect(row.locator(".occ")).to_have_text("2", timeout=5_000)

            row.locator("button[data-verdict=true]").click()
            expect(row).to_have_attribute("data-status", "verified", timeout=5_000)
            assert api.get(f"/api/alarms/{a['id']}", headers=duty).json()["verdict"] == "true"

            if os.environ.get("WP_SCREENSHOT"):
                for n, (lvl, typ, title, site) in enumerate([
                        ("orange", "intrusion", "周界入侵 Perimeter intrusion, gate 2", "B区"),
                        ("yellow", "gas", "可燃气体浓度偏高 Gas 22 %LEL", "C区"),
                        ("blue", "off_post", "值班室离岗 Control room unattended", "中控室")], start=10):
                    api.post("/api/alarms", json=alarm(n, level=lvl, type=typ, title=title, camera_id=f"cam-{n}",
                                                       location={"name": title.split(" ")[0], "site": site},
                                                       occurred_at=(datetime.now(timezone.utc) - timedelta(minutes=n)).isoformat()),
                             headers=cam)
                expect(page.locator("#alarms tbody tr")).to_have_count(4, timeout=5_000)
                page.wait_for_timeout(2_600)  # let the arrival flash fade
                out = Path(os.environ["WP_SCREENSHOT"])
                out.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(out))

            inc = api.post("/api/incidents", json={"alarm_ids": [a["id"]]}, headers=duty)
            assert inc.status_code == 201, inc.text
            iid = inc.json()["id"]
            status0 = inc.json()["status"]
            page.goto(f"{live.url}/console/incident.html?id={iid}")
            steps = page.locator("#timeline li")
            expect(steps.first).to_be_visible(timeout=5_000)
            before = steps.count()
            target = {"received": "verified", "verified": "reported"}[status0]
            page.click(f"button[data-to={target}]")
            expect(steps).to_have_count(before + 1, timeout=5_000)
            assert api.get(f"/api/incidents/{iid}", headers=duty).json()["status"] == target

            page.click("#lang")
            expect(page.locator("nav.nav a.active")).to_have_text("Incidents")
            page.goto(live.url + "/console/index.html")  # the choice sticks across pages
            expect(page.locator("nav.nav a.active")).to_have_text("Live alarms")
        finally:
            browser.close()
