"""The plan workflow on the console in Debian Chromium (PLAN-1, PLAN-2, PLAN-5, PLAN-7, CMD-5, NFR-1):
a plan manager uploads a DOCX plan, reviews the drafted split beside the document (an item links to
its paragraph; a bad field shows its error next to the field and nothing is saved), corrects and
saves it, a commander reviews and publishes it, and the plan is matched to an incident and
activated from the page, its scenario card's steps among the tasks.

With WP_SCREENSHOT_DIR set, saves plans.png and plan-review.png (1600×1000) there."""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from command.throwaway import serve_in_thread
from tests.console.sign_in import log_in
from tests.plans.plan_docs import DEMO_DOCX
from tests.console.browser import MARKS, launch


pytestmark = [*MARKS]


@pytest.fixture
def live(sqlite_url, make_config):
    srv = serve_in_thread(make_config(sqlite_url), {"cmd": "commander", "duty": "duty_officer"})
    yield srv
    srv.stop()


def no_overflow(page) -> bool:  # noqa: ANN001
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_upload_review_publish_match_and_activate(live):
    from playwright.sync_api import expect, sync_playwright

    api = httpx.Client(base_url=live.url, timeout=15)
    duty = {"Authorization": f"Bearer {live.tokens['duty']}"}
    shots = os.environ.get("WP_SCREENSHOT_DIR")
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
            page.on("dialog", lambda d: d.accept())
            refused: list[str] = []  # script errors and CSP refusals on any of the plan pages
            page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
            page.on("pageerror", lambda e: refused.append(str(e)))
            log_in(page, live.url + "/console/plans.html", "cmd", "**/console/plans.html")
            # The list's button reads on the dark panel (issue #24: it did not).
            btn = page.locator("#import-submit")
            colours = btn.evaluate("b => [getComputedStyle(b).color, getComputedStyle(b).backgroundColor]")
            assert colours[0] != colours[1]

            # Upload the document: the page lands on the plan's review.
            page.set_input_files("#plan-file", str(DEMO_DOCX))
            page.select_option("#import-scope", "park")
            page.click("#import-submit")
            page.wait_for_url("**/console/plan.html?id=*", timeout=20_000)
            pid = int(page.url.rsplit("=", 1)[1])
            expect(page.locator("#import-stats")).to_contain_text("77")
            expect(page.locator("#sec-scenario_cards .split-row")).to_have_count(2)
            expect(page.locator("#import-unplaced summary")).to_contain_text("3")
            # An item's ¶ link brings its paragraph into view, highlighted.
            card = page.locator('[data-section="action_cards"] > .split-row').nth(1)
            src = card.get_attribute("data-source")
            card.locator("a.src").click()
            expect(page.locator(f"#p-{src}")).to_have_class(re.compile(r"\bhl\b"))
            expect(page.locator(f"#p-{src}")).to_contain_text("5分钟内")
            if shots:
                page.screenshot(path=str(Path(shots) / "plan-review.png"))
            for w, h in ((1024, 768), (3840, 2160)):
                page.set_viewport_size({"width": w, "height": h})
                assert no_overflow(page), f"horizontal overflow at {w}×{h}"
            page.set_viewport_size({"width": 1600, "height": 1000})

            # A wrong field: the API's reason beside that field, and nothing saved.
            role = card.locator('[data-path$=".role"]')
            role.fill("不存在的角色")
            page.click("#save-split")
            expect(card.locator(".field-error")).to_contain_text("不存在的角色")
            assert api.get(f"/api/plans/{pid}", headers=duty).json()["version"] == 1
            role.fill("现场指挥")
            deadline = card.locator('[data-path$=".deadline_min"]')
            deadline.fill("8")
            page.click("#save-split")
            expect(page.locator("#save-msg")).to_contain_text("v2")
            saved = api.get(f"/api/plans/{pid}", headers=duty).json()
            assert saved["structured"]["action_cards"][1]["deadline_min"] == 8
            assert saved["structured"]["action_cards"][1]["source"] == int(src)  # provenance kept
            assert len(saved["structured"]["outline"]) == 23  # what the form does not show is kept
            page.locator("button[data-diff='2']").click()
            expect(page.locator("#diff")).to_contain_text("deadline_min")
            page.locator("button[data-version='1']").click()
            expect(page.locator("#diff .version-view")).to_contain_text("储罐泄漏处置卡")

            # Attach a second file and export the split (PLAN-1, PLAN-5).
            page.set_input_files("#attach-file", str(DEMO_DOCX))
            page.click("#attach-submit")
            expect(page.locator("#facts a.att")).to_have_count(2)
            y = page.request.get(live.url + page.locator("#yaml-link").get_attribute("href"))
            assert y.ok and "scenario_cards:" in y.text()

            # Review and publish with the page's buttons.
            page.click("button[data-step=submit_review]")
            page.fill("#review-opinion", "同意发布")
            page.click("#review-approve")
            expect(page.locator("#reviews li")).to_have_count(1)
            page.click("button[data-step=conclude_review]")
            page.locator("button[data-step=publish]").click()
            expect(page.locator("#facts .badge.st")).to_have_text("已发布")

            # A second plan due for revision shows among the reminders (PLAN-3).
            soon = (datetime.now(timezone.utc) + timedelta(days=10)).isoformat()
            cmd = {"Authorization": f"Bearer {live.tokens['cmd']}"}
            other = api.post("/api/plans", headers=duty, json={
                "scope": "park", "title": "仓库防汛预案", "revise_by": soon}).json()["id"]
            for step in ("submit_review", "review", "conclude_review", "publish"):
                r = (api.post(f"/api/plans/{other}/reviews", headers=cmd, json={"opinion": "同意", "approve": True})
                     if step == "review" else api.post(f"/api/plans/{other}/steps", headers=cmd, json={"action": step}))
                assert r.status_code in (200, 201), r.text
            # The list finds it; the reviewer's queue is now empty of it.
            page.goto(live.url + "/console/plans.html")
            expect(page.locator(f"#plan-{pid}")).to_be_visible()
            if shots:
                page.screenshot(path=str(Path(shots) / "plans.png"))
            page.check("#f-queue")
            expect(page.locator(f"#plan-{pid}")).to_have_count(0)
            expect(page.locator("#reminders li")).to_have_count(1)
            expect(page.locator("#reminders li")).to_contain_text("仓库防汛预案")
            page.click("#expire-due")
            expect(page.locator("#expire-msg")).to_contain_text("0")

            # Match it to a fire and activate from the page.
            now = datetime.now(timezone.utc)
            for role_name, person in (("现场指挥", "甲"), ("消防队长", "乙")):
                assert api.post("/api/duty/shifts", headers=duty, json={
                    "role": role_name, "person": person, "phone": "+8613800000" + ("101" if person == "甲" else "102"),
                    "starts_at": (now - timedelta(hours=1)).isoformat(),
                    "ends_at": (now + timedelta(hours=7)).isoformat()}).status_code == 201
            inc = api.post("/api/incidents", headers=duty, json={"type": "fire", "title": "1号罐区甲醇储罐火灾",
                                                                  "level": "red", "location": {"name": "1号罐区"}}).json()
            assert api.post(f"/api/incidents/{inc['id']}/transitions", json={"to": "verified"}, headers=duty).status_code == 200
            foam = api.post("/api/resources", headers=duty, json={"kind": "material", "name": "泡沫灭火剂", "category": "泡沫灭火剂",
                                                                   "quantity": 30, "unit": "吨"}).json()
            page.goto(f"{live.url}/console/plans.html?incident={inc['id']}")
            match = page.locator(f"#match-{pid}")
            expect(match).to_be_visible(timeout=10_000)
            match.locator("select.level").select_option("II")
            # What activation would reserve, before it does: foam is there, the fire trucks are not.
            match.locator("button.check").click()
            expect(match.locator(".plan-check li")).to_have_count(5)
            expect(match.locator(".plan-check li.short")).to_have_count(4)
            match.locator("button.activate").click()
            expect(page.locator("#tasks tr")).to_have_count(13, timeout=10_000)  # 10 action cards + the fire card's 3 steps
            expect(page.locator("#tasks")).to_contain_text("储罐火灾处置卡")
            expect(page.locator("#activations li")).to_have_count(1)
            # Field feedback on a task, and its log (CMD-5).
            first = page.locator("#tasks tr").first
            first.locator("select.task-status").select_option("accepted")
            first.locator("input.task-note").fill("已到场")
            # Another officer's feedback on another task pushes a redraw mid-entry: what was picked
            # and typed on this row survives it.
            tasks = api.get(f"/api/incidents/{inc['id']}/tasks", headers=duty).json()
            assert api.post(f"/api/tasks/{tasks[1]['id']}/feedback", headers=duty,
                            json={"status": "accepted", "note": "收到"}).status_code == 200
            expect(page.locator(f"#task-{tasks[1]['id']}")).to_have_attribute("data-status", "accepted")
            expect(first.locator("select.task-status")).to_have_value("accepted")
            expect(first.locator("input.task-note")).to_have_value("已到场")
            first.locator("button.task-send").click()
            first = page.locator("#tasks tr").first
            expect(first).to_have_attribute("data-status", "accepted")
            first.locator("button.task-log").click()
            expect(first.locator(".task-events li")).to_have_count(2)
            expect(first.locator(".task-events")).to_contain_text("已到场")
            # The foam reserved by the activation, released from the page.
            resv = page.locator("#reservations li")
            expect(resv).to_have_count(1)
            resv.locator("button.release").click()
            expect(page.locator("#reservations li")).to_contain_text("released")
            assert api.get(f"/api/resources/{foam['id']}", headers=duty).status_code == 200
            assert not refused, refused
        finally:
            browser.close()
