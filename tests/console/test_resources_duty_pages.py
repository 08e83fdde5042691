"""The resources page, the duty page and dispatch on the incident page, in Debian Chromium against
the real service (RES-1, RES-2, RES-3, CMD-1, CMD-2, CMD-5, CMD-7, NFR-4).

With WP_SCREENSHOT_DIR=docs/img set, the layout test also saves resources.png and duty.png at
1600×1000 over the demo park's data (command/demo_seed_park.py).
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from command.throwaway import serve_in_thread
from tests.console.sign_in import log_in
from tests.console.browser import MARKS, launch


pytestmark = [*MARKS]

NO_OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def live(sqlite_url, make_config):
    srv = serve_in_thread(make_config(sqlite_url), {"duty": "duty_officer", "view": "viewer"})
    srv.api = httpx.Client(base_url=srv.url, timeout=10, headers={"Authorization": f"Bearer {srv.tokens['duty']}"})
    yield srv
    srv.api.close()
    srv.stop()


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch(p)
        try:
            yield b
        finally:
            b.close()


def watched_page(browser, width=1440, height=900):
    """A page that records every CSP refusal and script error (the pages need neither inline script nor style)."""
    page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
    page.problems = []
    page.on("console", lambda m: page.problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    return page


def csv_bytes(rows: list[list[str]]) -> bytes:
    return ("\n".join(",".join(r) for r in rows) + "\n").encode("utf-8")


def test_resource_import_shows_the_bad_rows_error_and_the_good_rows_join_the_registry(live, browser):
    """RES-1, RES-2: a CSV with one bad row is refused whole, its row, field and reason shown in the
    page; importing the good rows puts them in the registry and leaves the bad one out. The add
    form shows the API's field errors beside the fields and saves nothing until it is right; the
    kind tabs, the search and the expiring list work; the export links are there."""
    from playwright.sync_api import expect

    soon = (date.today() + timedelta(days=5)).isoformat()
    data = csv_bytes([
        ["kind", "code", "name", "category", "quantity", "unit", "site", "expires_on", "inspection_due_on"],
        ["material", "IMP-1", "导入吸附棉", "吸附材料", "120", "kg", "depot", soon, ""],
        ["material", "IMP-2", "坏行物资", "吸附材料", "-5", "kg", "depot", "", ""],
        ["vehicle", "IMP-3", "导入抢险车", "抢险车", "1", "辆", "fire-station", "", "2031-01-01"],
    ])
    page = watched_page(browser)
    log_in(page, live.url + "/console/resources.html", "duty", "**/console/resources.html")
    expect(page.locator("#resources")).to_be_visible(timeout=5_000)

    page.set_input_files("#res-file", files=[{"name": "park.csv", "mimeType": "text/csv", "buffer": data}])
    report = page.locator("#import-report")
    expect(report).to_have_attribute("data-applied", "0", timeout=5_000)
    bad = report.locator("tr.import-error")
    expect(bad).to_have_count(1)
    expect(bad).to_have_attribute("data-row", "3")
    expect(bad.locator("td").nth(0)).to_have_text("3")
    expect(bad.locator("td").nth(1)).to_have_text("quantity")
    expect(bad.locator("td").nth(2)).to_contain_text("greater than or equal to 0")
    assert live.api.get("/api/resources").json() == []  # refused whole: nothing half-imported

    page.click("#import-partial")
    expect(report).to_have_attribute("data-applied", "1", timeout=5_000)
    expect(report.locator("tr.import-error[data-row='3']")).to_have_count(1)  # the report stays for fixing the file
    rows = page.locator("#resources tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#resources")).to_contain_text("导入吸附棉")
    expect(page.locator("#resources")).to_contain_text("导入抢险车")
    expect(page.locator("#resources")).not_to_contain_text("坏行物资")
    assert sorted(r["name"] for r in live.api.get("/api/resources").json()) == ["导入吸附棉", "导入抢险车"]
    # Due in 5 days: marked in its row and listed as expiring (GET /api/resources?expiring_within=N).
    mat = live.api.get("/api/resources", params={"q": "IMP-1"}).json()[0]
    expect(page.locator(f"#res-{mat['id']} [data-due=soon]")).to_contain_text(soon)
    expect(page.locator(f"#expiring li[data-id='{mat['id']}']")).to_be_visible()

    # Tabs by kind and the search box (name or code).
    page.click("#res-tabs [data-kind=vehicle]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-kind", "vehicle")
    page.click("#res-tabs [data-kind=all]")
    expect(rows).to_have_count(2)
    page.fill("#res-q", "IMP-1")
    page.press("#res-q", "Enter")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("导入吸附棉")
    page.fill("#res-q", "")
    page.press("#res-q", "Enter")
    expect(rows).to_have_count(2)
    assert page.locator("a[href^='/api/resources/export?format=csv']").count() == 1
    assert page.locator("a[href^='/api/resources/export?format=xlsx']").count() == 1

    # The add form: the API's 422 beside each field, nothing saved; then a good one is saved.
    page.click("#res-add-open")
    page.select_option("#rf-kind", "shelter")
    page.fill("#rf-quantity", "-1")
    page.click("#rf-save")
    expect(page.locator(".field-error[data-for=name]")).not_to_be_empty(timeout=5_000)
    expect(page.locator(".field-error[data-for=quantity]")).to_contain_text("greater than or equal to 0")
    expect(page.locator("#rf-quantity")).to_have_class("invalid")
    assert len(live.api.get("/api/resources").json()) == 2
    page.fill("#rf-name", "应急避难场所 测试")
    page.fill("#rf-quantity", "300")
    page.fill("#rf-unit", "人")
    page.fill("#rf-code", "IMP-1")  # taken: the 409 names the code field
    page.click("#rf-save")
    expect(page.locator(".field-error[data-for=code]")).to_contain_text("IMP-1", timeout=5_000)
    page.fill("#rf-code", "SH-T1")
    page.click("#rf-save")
    expect(page.locator("#res-saved")).to_contain_text("应急避难场所 测试", timeout=5_000)
    expect(rows).to_have_count(3)
    got = live.api.get("/api/resources", params={"kind": "shelter"}).json()
    assert [(r["name"], r["code"], r["quantity"], r["unit"]) for r in got] == [("应急避难场所 测试", "SH-T1", 300, "人")]
    assert not page.problems, page.problems


def test_resource_details_edit_with_field_errors_and_expert_evaluations(live, browser):
    """RES-1, RES-2: a row opens the resource's details (resources.html?id=N) with its facts; the
    edit form (PATCH) shows the API's 422 under the field and a 409 under the code, saving nothing,
    then saves the corrected value; an expert's evaluations are listed and one added from the form
    (GET/POST /api/resources/{id}/evaluations). No sideways scroll at tablet and wall sizes."""
    from playwright.sync_api import expect

    api = live.api
    foam = api.post("/api/resources", json={"kind": "material", "code": "EQ-1", "name": "泡沫灭火剂", "category": "灭火剂",
                                            "quantity": 10, "unit": "桶", "site": "depot",
                                            "attrs": {"型号": "AFFF 3%"}}).json()
    api.post("/api/resources", json={"kind": "material", "code": "EQ-2", "name": "吸附棉"})
    expert = api.post("/api/resources", json={"kind": "expert", "code": "EX-1", "name": "危化品专家 测试",
                                              "category": "危化品", "phone": "13800000911"}).json()
    iid = api.post("/api/incidents", json={"type": "leak", "title": "罐区泄漏 Tank farm leak", "level": "orange",
                                           "location": {"name": "3号储罐"}}).json()["id"]

    page = watched_page(browser)
    log_in(page, live.url + "/console/resources.html", "duty", "**/console/resources.html")
    page.click(f"#res-{foam['id']} td >> nth=0")
    detail = page.locator("#res-detail")
    expect(detail).to_have_attribute("data-id", str(foam["id"]), timeout=5_000)
    assert f"id={foam['id']}" in page.url
    expect(page.locator(f"#res-{foam['id']}")).to_have_class("clickable selected")
    facts = page.locator("#res-facts")
    expect(facts.locator("[data-field=code] dd")).to_have_text("EQ-1")
    expect(facts.locator("[data-field=quantity] dd")).to_have_text("10 桶")
    expect(facts.locator("[data-field=site] dd")).to_have_text("depot")
    expect(facts.locator("[data-field='attr-型号']")).to_contain_text("AFFF 3%")
    expect(facts.locator("[data-check=valid]")).to_have_class("chk ok")

    # A bad value: the API's 422 under the field, nothing saved.
    page.click("#res-edit-open")
    form = page.locator("#res-edit-form")
    expect(page.locator("#ef-quantity")).to_have_value("10")
    page.fill("#ef-quantity", "-1")
    page.click("#ef-save")
    expect(form.locator(".field-error[data-for=quantity]")).to_contain_text("greater than or equal to 0", timeout=5_000)
    expect(page.locator("#ef-quantity")).to_have_class("invalid")
    assert api.get(f"/api/resources/{foam['id']}").json()["quantity"] == 10
    # A taken code with a good quantity: the 409 under the code, and the quantity not half-saved.
    page.fill("#ef-quantity", "25")
    page.fill("#ef-code", "EQ-2")
    page.click("#ef-save")
    expect(form.locator(".field-error[data-for=code]")).to_contain_text("EQ-2", timeout=5_000)
    expect(form.locator(".field-error[data-for=quantity]")).to_be_empty()
    got = api.get(f"/api/resources/{foam['id']}").json()
    assert (got["quantity"], got["code"]) == (10, "EQ-1")
    page.fill("#ef-code", "EQ-1")
    page.click("#ef-save")
    expect(page.locator("#res-detail-saved")).to_contain_text("泡沫灭火剂", timeout=5_000)
    expect(form).to_have_count(0)
    expect(facts.locator("[data-field=quantity] dd")).to_have_text("25 桶")
    expect(page.locator(f"#res-{foam['id']}")).to_contain_text("25 桶")
    got = api.get(f"/api/resources/{foam['id']}").json()
    assert (got["quantity"], got["code"], got["name"], got["site"]) == (25, "EQ-1", "泡沫灭火剂", "depot")

    # An expert, opened by its address: no evaluation yet; one without a score is refused, then added.
    page.goto(f"{live.url}/console/resources.html?id={expert['id']}")
    expect(detail).to_have_attribute("data-kind", "expert", timeout=5_000)
    expect(page.locator("#res-evals-none")).to_be_visible()
    page.click("#ev-save")
    expect(page.locator("#ev-form .field-error[data-for=score]")).not_to_be_empty(timeout=5_000)
    assert api.get(f"/api/resources/{expert['id']}/evaluations").json() == []
    page.select_option("#ev-score", "4")
    page.select_option("#ev-incident_id", str(iid))
    page.fill("#ev-note", "研判及时，堵漏方案可行")
    page.click("#ev-save")
    item = page.locator("#res-evals li")
    expect(item).to_have_count(1, timeout=5_000)
    expect(item).to_have_attribute("data-score", "4")
    expect(item).to_contain_text("研判及时，堵漏方案可行")
    expect(item.locator(f"a[href='incident.html?id={iid}']")).to_contain_text("罐区泄漏")
    expect(facts.locator("[data-field=rating] dd")).to_contain_text("4")
    evals = api.get(f"/api/resources/{expert['id']}/evaluations").json()
    assert [(e["score"], e["incident_id"], e["note"], e["actor"]) for e in evals] == [(4, iid, "研判及时，堵漏方案可行", "duty")]

    for w, h in ((1024, 768), (3840, 2160), (1600, 1000)):  # the details and both forms open
        page.set_viewport_size({"width": w, "height": h})
        page.click("#res-edit-open")
        expect(page.locator("#res-edit-form")).to_be_visible()
        assert page.evaluate(NO_OVERFLOW), (w, page.evaluate("[document.documentElement.scrollWidth, innerWidth]"))
        page.click("#res-edit-form button[type=button]")
    page.click("#res-detail-close")
    expect(detail).to_have_count(0)
    assert "id=" not in page.url
    assert not page.problems, page.problems


def test_duty_page_shows_who_is_on_duty_now_and_hands_over(live, browser):
    """CMD-1, CMD-7: the people holding each role now, this week's roster by role with the current
    shift marked, a handover with its note recorded and listed, and a shift added from the form
    (with the API's refusal of an end before the start shown)."""
    from playwright.sync_api import expect

    now = datetime.now(timezone.utc)
    mine = live.api.post("/api/duty/shifts", json={
        "role": "值班长", "person": "值班长 测试甲", "phone": "13800000901",
        "starts_at": (now - timedelta(hours=2)).isoformat(), "ends_at": (now + timedelta(hours=6)).isoformat()}).json()
    live.api.post("/api/duty/shifts", json={
        "role": "值班长", "person": "值班长 测试乙", "phone": "13800000902",
        "starts_at": (now + timedelta(hours=6)).isoformat(), "ends_at": (now + timedelta(hours=18)).isoformat()})
    page = watched_page(browser)
    log_in(page, live.url + "/console/duty.html", "duty", "**/console/duty.html")
    card = page.locator(f"#on-duty .card[data-shift='{mine['id']}']")
    expect(card).to_be_visible(timeout=5_000)
    expect(card).to_contain_text("值班长 测试甲")
    expect(card).to_contain_text("13800000901")
    expect(page.locator("#on-duty .card")).to_have_count(1)  # the next shift is not on now
    expect(page.locator(f"#roster tr[data-role='值班长'] .shift.now[data-shift='{mine['id']}']")).to_have_count(1)

    page.click(f"button[data-handover='{mine['id']}']")  # no note: refused in the page
    expect(card.locator(".field-error")).not_to_be_empty()
    page.fill(f"#handover-note-{mine['id']}", "2号泡沫泵检修中，明早复核")
    page.click(f"button[data-handover='{mine['id']}']")
    expect(page.locator(f".handover-note[data-handover='{mine['id']}']")).to_contain_text("2号泡沫泵检修中", timeout=5_000)
    expect(page.locator(f"#handovers li[data-shift='{mine['id']}']")).to_contain_text("2号泡沫泵检修中")
    got = [s for s in live.api.get("/api/duty/now").json() if s["id"] == mine["id"]][0]
    assert got["handover_note"] == "2号泡沫泵检修中，明早复核" and got["handed_over_at"]

    # Add a shift (the browser's local time; the API takes it with its offset).
    start = datetime.now().replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    page.fill("#sf-role", "消防值班")
    page.fill("#sf-person", "消防值班 测试丙")
    page.fill("#sf-starts_at", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#sf-ends_at", (start - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.click("#sf-save")
    expect(page.locator("#shift-form .field-error.general")).to_contain_text("ends_at must be after starts_at", timeout=5_000)
    page.fill("#sf-ends_at", (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.click("#sf-save")
    expect(page.locator("#shift-saved")).to_contain_text("消防值班 测试丙", timeout=5_000)
    if start.date() == (start + timedelta(hours=2)).date() and start.isocalendar()[:2] == date.today().isocalendar()[:2]:
        expect(page.locator("#roster tr[data-role='消防值班']")).to_contain_text("消防值班 测试丙")
    added = [s for s in live.api.get("/api/duty/shifts", params={"since": now.isoformat(),
                                                                  "until": (now + timedelta(days=1)).isoformat()}).json()
             if s["person"] == "消防值班 测试丙"]
    assert len(added) == 1
    assert datetime.fromisoformat(added[0]["starts_at"]) == start.astimezone()
    assert not page.problems, page.problems


def test_incident_page_shows_dispatches_and_changes_status_by_click(live, browser):
    """CMD-2 (resource dispatch), CMD-5 (tracking by field feedback), CMD-1/CMD-7 (vehicle records):
    the incident page lists what was sent with its status and feedback, offers exactly the legal
    next statuses, changes one by click with a feedback note, follows a change made elsewhere
    without a reload, records a vehicle's arrival, and sends a resource from its form."""
    from playwright.sync_api import expect

    from command.services.dispatch import DISPATCH_FLOW

    api = live.api
    iid = api.post("/api/incidents", json={"type": "leak", "title": "罐区泄漏 Tank farm leak", "level": "orange",
                                           "location": {"name": "3号储罐", "site": "tank-farm"}}).json()["id"]
    team = api.post("/api/resources", json={"kind": "team", "code": "T-HZ", "name": "危化品处置队", "category": "危化品处置"}).json()
    foam = api.post("/api/resources", json={"kind": "material", "code": "M-F", "name": "泡沫灭火剂", "quantity": 40,
                                            "unit": "桶"}).json()
    d = api.post(f"/api/incidents/{iid}/dispatches", json={"resource_id": team["id"], "note": "堵漏"}).json()
    trip = api.post("/api/dispatch/vehicles", json={"vehicle": "抢险车 沪A·F0002", "driver": "驾驶员 测试", "origin": "消防站",
                                                    "destination": "3号储罐", "incident_id": iid}).json()

    page = watched_page(browser)
    log_in(page, f"{live.url}/console/incident.html?id={iid}", "duty", "**/console/incident.html?id=*")
    row = page.locator(f"#dispatch-{d['id']}")
    expect(row).to_have_attribute("data-status", "ordered", timeout=5_000)
    expect(row).to_contain_text("危化品处置队")
    assert {k: set(v) for k, v in page.evaluate("WP.dispatchFlow").items()} == DISPATCH_FLOW  # the page's copy matches
    expect(row.locator("button[data-to]")).to_have_count(2)
    assert sorted(row.locator("button[data-to]").evaluate_all("bs => bs.map(b => b.dataset.to)")) == ["cancelled", "en_route"]

    page.fill(f"#dispatch-note-{d['id']}", "已出发，预计5分钟到场")
    row.locator("button[data-to=en_route]").click()
    expect(row).to_have_attribute("data-status", "en_route", timeout=5_000)
    expect(row.locator(".feedback")).to_contain_text("已出发，预计5分钟到场")
    got = api.get(f"/api/incidents/{iid}/dispatches").json()[0]
    assert got["status"] == "en_route" and got["history"][-1]["note"] == "已出发，预计5分钟到场"

    # A change from the field (another console, the API) arrives by push.
    page.evaluate("window.__noReload = 7")
    r = api.post(f"/api/dispatches/{d['id']}/status", json={"status": "on_scene", "note": "已到场，开始堵漏"})
    assert r.status_code == 200, r.text
    expect(row).to_have_attribute("data-status", "on_scene", timeout=5_000)
    expect(row.locator(".feedback")).to_contain_text("已到场，开始堵漏")
    expect(row.locator("button[data-to]")).to_have_count(1)
    assert page.evaluate("window.__noReload") == 7

    trow = page.locator(f"#trip-{trip['id']}")
    expect(trow).to_have_attribute("data-state", "departed")
    trow.locator("button[data-event=arrived]").click()
    expect(trow).to_have_attribute("data-state", "arrived", timeout=5_000)
    assert api.get("/api/dispatch/vehicles", params={"incident_id": iid}).json()[0]["arrived_at"]

    page.select_option("#dispatch-resource", str(foam["id"]))
    page.fill("#dispatch-qty", "10")
    page.click("#dispatch-form button[type=submit]")
    expect(page.locator("#dispatches tr")).to_have_count(2, timeout=5_000)
    sent = api.get(f"/api/incidents/{iid}/dispatches").json()
    assert [(x["resource_id"], x["quantity"], x["status"]) for x in sent][1] == (foam["id"], 10, "ordered")
    assert not page.problems, page.problems


def test_viewer_sees_the_pages_without_add_import_or_handover(live, browser):
    """NFR-6 in the console: a viewer reads the registry, the roster and the dispatches, and gets no
    add, import, handover or status buttons (the API refuses them anyway)."""
    from playwright.sync_api import expect

    now = datetime.now(timezone.utc)
    live.api.post("/api/resources", json={"kind": "material", "name": "吸附棉", "quantity": 10})
    sid = live.api.post("/api/duty/shifts", json={"role": "值班员", "person": "值班员 测试丁",
                                                  "starts_at": (now - timedelta(hours=1)).isoformat(),
                                                  "ends_at": (now + timedelta(hours=1)).isoformat()}).json()["id"]
    page = watched_page(browser)
    log_in(page, live.url + "/console/resources.html", "view", "**/console/resources.html")
    expect(page.locator("#resources tbody tr")).to_have_count(1, timeout=5_000)
    expect(page.locator("body")).to_have_attribute("data-can-edit", "0")
    assert page.locator("#res-add-open, #res-import, #res-file").count() == 0
    assert page.locator("a[href^='/api/resources/export']").count() == 2
    page.click("#resources tbody tr td >> nth=0")  # the details, without edit or evaluation forms
    expect(page.locator("#res-detail")).to_be_visible(timeout=5_000)
    assert page.locator("#res-edit-open, #res-edit-form, #ev-form").count() == 0
    page.goto(live.url + "/console/duty.html")
    expect(page.locator(f"#on-duty .card[data-shift='{sid}']")).to_be_visible(timeout=5_000)
    assert page.locator("button[data-handover], #shift-form, textarea").count() == 0
    assert not page.problems, page.problems


def test_layout_at_tablet_desktop_and_wall_sizes_and_screenshots(live, browser):
    """NFR-4: over the demo park's data, neither page scrolls sideways at 1024×768, 1600×1000 or
    3840×2160 (wide tables scroll inside their panel); screenshots at 1600×1000 on request."""
    from playwright.sync_api import expect

    from command.demo_seed_park import seed_park

    seed_park(live.api)
    shots = os.environ.get("WP_SCREENSHOT_DIR")
    page = watched_page(browser, 1600, 1000)
    log_in(page, live.url + "/console/resources.html", "duty", "**/console/resources.html")
    for name, ready in (("resources", "#resources tbody tr"), ("duty", "#on-duty .card")):
        for w, h in ((1024, 768), (3840, 2160), (1600, 1000)):
            page.set_viewport_size({"width": w, "height": h})
            page.goto(f"{live.url}/console/{name}.html")
            expect(page.locator(ready).first).to_be_visible(timeout=5_000)
            page.wait_for_load_state("networkidle")
            assert page.evaluate(NO_OVERFLOW), (name, w, page.evaluate("[document.documentElement.scrollWidth, innerWidth]"))
        if shots:
            out = Path(shots)
            out.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out / f"{name}.png"))
    assert not page.problems, page.problems
