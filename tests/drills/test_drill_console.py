"""The drill pages in Debian Chromium with several seats at once (DRL-3 LAN multi-seat, DRL-4).

The organiser starts a drill from the console with two seats; each seat, in a browser context
of its own, sees the drill banner and only its own role's tasks, and marks one done; the
organiser's page shows that role's progress change without a reload. With WP_SCREENSHOT_DIR
set, it saves the organiser's and a seat's pages (docs/img/drill.png, docs/img/drill-seat.png)."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from command.throwaway import serve_in_thread
from tests.console.sign_in import log_in
from tests.console.browser import MARKS, launch

pytestmark = [*MARKS]

SCENARIO = """
id: desk-exercise
title: 中控室桌面推演
title_en: Control room tabletop exercise
speed: 10
roles: [duty_officer, commander]
objectives:
  - {id: coordinate, title: 协同处置, title_en: Coordinate, capabilities: [指挥调度]}
injects:
  - id: call
    at_s: 0
    kind: message
    to_role: duty_officer
    text: 2号仓库报告异味，请核实。
    title: 仓库来电
    title_en: A call from warehouse 2
    expected:
      - {role: duty_officer, action: acknowledge, within_s: 3000, objective: coordinate, title: 记录来电并通知巡检, title_en: Log the call}
  - id: order
    at_s: 0
    kind: message
    to_role: commander
    text: 请确定是否启动预警。
    title: 研判请求
    title_en: A decision is needed
    expected:
      - {role: commander, action: task, within_s: 3000, objective: coordinate, title: 研判是否启动预警, title_en: Decide on a warning}
"""


@pytest.fixture
def live(sqlite_url, make_config):
    srv = serve_in_thread(make_config(sqlite_url, drills={"tick_s": 0.2}),
                          {"org": "drill_organizer", "duty": "duty_officer", "cmd": "commander"})
    yield srv
    srv.stop()


def test_two_seats_see_their_own_tasks_and_the_organiser_sees_progress(live):
    from playwright.sync_api import expect, sync_playwright

    org = {"Authorization": f"Bearer {live.tokens['org']}"}
    assert httpx.post(f"{live.url}/api/drills/scenarios", json={"source": SCENARIO}, headers=org).status_code == 201
    shots = os.environ.get("WP_SCREENSHOT_DIR")
    with sync_playwright() as p:
        browser = launch(p)
        refused: list[str] = []
        try:
            pages = {}
            for name in ("org", "duty", "cmd"):
                ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
                page = ctx.new_page()
                page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
                pages[name] = page
            o = pages["org"]
            log_in(o, live.url + "/console/drills.html", "org", "**/console/drills.html")
            o.click("button[data-scenario]")
            o.locator("#start-form .seat-user").nth(0).fill("duty")
            o.locator("#start-form .seat-user").nth(1).fill("cmd")
            o.click("#start")
            o.wait_for_url("**/console/drill.html?id=*")
            expect(o.locator("#progress #role-duty_officer")).to_be_visible(timeout=10_000)
            for seat, task, message in (("duty", "记录来电并通知巡检", "2号仓库报告异味"),
                                        ("cmd", "研判是否启动预警", "请确定是否启动预警")):
                s = pages[seat]
                log_in(s, live.url + "/console/index.html", seat, "**/console/index.html")
                banner = s.locator("#drill-banner")
                expect(banner).to_contain_text("演练进行中", timeout=10_000)
                s.click("#drill-banner a")
                s.wait_for_url("**/console/drill.html?id=*")
                mine = s.locator("#my-tasks tr")
                expect(mine).to_have_count(1, timeout=10_000)  # only this role's task
                expect(mine.first).to_contain_text(task)
                expect(s.locator("#my-injects")).to_contain_text(message)
            expect(pages["duty"].locator("#my-injects")).not_to_contain_text("请确定是否启动预警")  # the commander's
            if shots:
                Path(shots).mkdir(parents=True, exist_ok=True)
                pages["duty"].screenshot(path=str(Path(shots) / "drill-seat.png"), full_page=True)
            duty = pages["duty"]
            duty.fill("#my-tasks .task-note", "已通知巡检班")
            duty.click("#my-tasks button[data-done]")
            expect(duty.locator("#my-tasks tr").first).to_have_attribute("data-status", "done", timeout=10_000)
            # The organiser's page follows live: the duty officer's count moves without a reload.
            expect(o.locator("#role-duty_officer td[data-count=done]")).to_have_text("1", timeout=10_000)
            expect(o.locator("#role-commander td[data-count=done]")).to_have_text("0")
            if shots:
                o.screenshot(path=str(Path(shots) / "drill.png"), full_page=True)
            assert not refused, refused
        finally:
            browser.close()
