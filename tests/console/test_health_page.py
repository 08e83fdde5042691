"""The system-health page (issue #26, NFR-10) in Debian Chromium against the real service: a worker's
heartbeat shows as its cameras' fps in/analysed with the starved one flagged, the service's own
figures and its process's heartbeat are there, an open system alarm is listed, and the page is in every
page's navigation."""

from __future__ import annotations

import re

import httpx
import pytest

from command.throwaway import serve_in_thread
from tests.console.browser import MARKS, launch, watch
from tests.console.sign_in import log_in

pytestmark = [*MARKS]


@pytest.fixture
def live(sqlite_url, make_config):
    srv = serve_in_thread(make_config(sqlite_url), {"duty": "duty_officer", "vision-1": "service"})
    yield srv
    srv.stop()


def test_health_page_shows_workers_cameras_and_system_alarms(live):
    from playwright.sync_api import expect, sync_playwright

    svc = {"Authorization": f"Bearer {live.tokens['vision-1']}"}
    beat = {"worker_id": "vision-1", "spool_depth": 3, "queue_depth": 2, "cpu_percent": 41.0, "rss_bytes": 300_000_000,
            "cameras": [{"camera_id": "gate-1", "detect_fps": 2, "fps_in": 25, "fps_analysed": 0.2, "decode_errors": 1,
                         "detect_latency_s": 0.05},
                        {"camera_id": "tank-2", "detect_fps": 2, "fps_in": 25, "fps_analysed": 2.0}]}
    assert httpx.post(f"{live.url}/api/workers/heartbeat", json=beat, headers=svc).status_code == 204
    alarm = {"source": "system", "source_event_id": "monitor:camera_starved:gate-1:1", "type": "camera_starved",
             "camera_id": "gate-1", "title": "摄像机分析帧率不足 Camera starved · gate-1",
             "description": "camera gate-1 analysed at 0.20 fps"}
    assert httpx.post(f"{live.url}/api/alarms", json=alarm, headers=svc).status_code == 201

    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
            log_in(page, live.url + "/console/index.html", "duty", "**/console/index.html")
            problems = watch(page)  # from here: the 401 before signing in is the login redirect's
            link = page.locator("nav.nav a[href='/console/health.html']")
            expect(link).to_have_text("系统状态")
            link.click()
            page.wait_for_url("**/console/health.html")
            expect(page.locator("#worker-vision-1")).to_be_visible(timeout=10_000)
            expect(page.locator("#cam-gate-1")).to_have_attribute("data-state", "starved")
            expect(page.locator("#cam-tank-2")).to_have_attribute("data-state", "ok")
            expect(page.locator("#cam-gate-1")).to_contain_text("0.20")
            expect(page.locator("#worker-vision-1 h3")).to_contain_text("3")
            expect(page.locator("#tile-sessions .v")).to_have_text(re.compile(r"^\d+$"))
            expect(page.locator("#tile-outbox .v")).to_have_text(re.compile(r"^\d+$"))
            expect(page.locator("#tile-rss .v")).to_have_text(re.compile(r"MiB|GiB"))
            me = page.locator("#health-replicas tbody tr")  # this service process's own heartbeat
            expect(me).to_have_count(1)
            expect(me.first).to_have_attribute("data-state", "ok")
            expect(me.first).to_contain_text("运行后台任务")
            rows = page.locator("#health-alarms tbody tr")
            expect(rows).to_have_count(1)
            expect(rows.first).to_contain_text("camera_starved")
            page.click("#lang")
            expect(page.locator("#health-workers h2")).to_have_text("Vision workers")
            expect(link).to_have_text("System health")
            assert problems == [], problems
        finally:
            browser.close()
