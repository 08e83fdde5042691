"""The comms console page in Debian Chromium against the real service: compose and send, then
watch the delivery status move live as the provider's signed callback arrives (CMD-4, CMD-7)."""

from __future__ import annotations

import os

import httpx
import pytest

from tests.console.browser import MARKS, launch

NUM = "+8613900000601"

pytestmark = [*MARKS, pytest.mark.slow]


def test_compose_send_and_live_progress(sqlite_url, fake_twilio, comms_config):
    from playwright.sync_api import expect, sync_playwright

    from command.throwaway import serve_in_thread as start
    from tests.console.sign_in import log_in

    fake_twilio.callbacks = False  # the test posts the callback itself, to the live server's port
    live = start(comms_config(sqlite_url, fake_twilio, poll_s=0.1), {"duty": "duty_officer"})
    try:
        with sync_playwright() as p:
            browser = launch(p)
            try:
                page = browser.new_page(viewport={"width": 1440, "height": 860}, locale="zh-CN")
                log_in(page, live.url + "/console/comms.html", "duty", "**/console/comms.html")
                expect(page.locator("#conn")).to_have_attribute("data-state", "live", timeout=10_000)
                page.fill("#to", NUM)
                page.fill("#body", "3号罐区泄漏，请回复1确认")
                page.click("#send")
                row = page.locator("#recipients tbody tr").first
                expect(row).to_be_visible(timeout=5_000)
                # the service's dispatcher sends it through the real twilio client: "sending" shows live
                expect(row.locator(".st-sending")).to_be_visible(timeout=10_000)
                for _ in range(100):  # "sending" shows from the claim, just before the provider call
                    if fake_twilio.sent_to(NUM):
                        break
                    page.wait_for_timeout(100)
                [sent] = fake_twilio.sent_to(NUM)
                api = httpx.Client(base_url=live.url, timeout=10)
                msg = api.get("/api/comms/messages", params={"recipient": NUM},
                              headers={"Authorization": f"Bearer {live.tokens['duty']}"}).json()["items"][0]
                r = fake_twilio.signed_post(f"{live.url}/api/comms/twilio/status?ref={msg['client_ref']}",
                                            {"MessageSid": sent["sid"], "MessageStatus": "delivered"})
                assert r.status_code == 200, r.text
                expect(row.locator(".st-delivered")).to_be_visible(timeout=10_000)
                expect(page.locator("#totals")).to_contain_text("1")
                if os.environ.get("WP_SCREENSHOT_COMMS"):
                    page.screenshot(path=os.environ["WP_SCREENSHOT_COMMS"], full_page=True)
            finally:
                browser.close()
    finally:
        live.stop()
