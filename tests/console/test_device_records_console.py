"""The playback page lists the recordings a GB/T 28181 camera's own device keeps (VID-5 "playback, query"), in
Debian Chromium against the real service; a stand-in worker answers the service's ``gb_record_query`` command
as the worker's platform would (the worker's side is tested in tests/vision/test_gb28181_worker.py)."""

from __future__ import annotations

import contextlib
import threading
import time

import httpx
import pytest

from command.throwaway import serve_in_thread
from tests.console.browser import MARKS, launch, watch
from tests.console.sign_in import log_in

pytestmark = [*MARKS]
DEV, CHANNEL = "34020000001320000001", "34020000001310000001"


@pytest.fixture
def live(sqlite_url, make_config):
    cfg = make_config(sqlite_url, vision={
        "gb28181": {"enabled": True, "devices": [{"id": DEV, "password": "dev-pw"}]},
        "cameras": [{"id": "gb-tank", "name": "罐区 GB", "url": f"gb28181://{DEV}/{CHANNEL}"},
                    {"id": "gate-1", "url": "rtsp://127.0.0.1:9/none"}]})
    srv = serve_in_thread(cfg, {"duty": "duty_officer", "vision-1": "service"})
    yield srv
    srv.stop()


def _stand_in_worker(url: str, token: str, stop: threading.Event, playbacks: list | None = None) -> None:
    """Answers each gb_record_query with two records, one with a long file path (it must wrap, not scroll), and
    each gb_playback with a session (kept in ``playbacks`` as (start, end); nothing is streamed)."""
    hdr = {"Authorization": f"Bearer {token}"}
    after = httpx.get(f"{url}/api/worker-commands", params={"worker": "vision-1"}, headers=hdr).json()["last_id"]
    while not stop.is_set():
        batch = httpx.get(f"{url}/api/worker-commands", params={"worker": "vision-1", "after": after, "wait_s": 1},
                          headers=hdr, timeout=10).json()
        for item in batch["commands"]:
            cmd = item["command"]
            if cmd["command"] == "gb_record_query":
                records = [{"start": cmd["start"], "end": cmd["end"], "name": "rec-a", "type": "time", "file_size": 52428800},
                           {"start": cmd["start"], "end": cmd["end"], "file_path": "/nvr/" + "very-long-folder-name/" * 12 + "b.mp4",
                            "type": "alarm"}]
                httpx.post(f"{url}/api/workers/command-results", headers=hdr, json={
                    "request_id": cmd["request_id"], "worker_id": "vision-1", "camera_id": cmd["camera_ids"][0],
                    "ok": True, "records": records})
            elif cmd["command"] == "gb_playback" and playbacks is not None:
                playbacks.append((cmd["start"], cmd["end"]))
                httpx.post(f"{url}/api/workers/command-results", headers=hdr, json={
                    "request_id": cmd["request_id"], "worker_id": "vision-1", "camera_id": cmd["camera_ids"][0],
                    "ok": True, "relay_path": f"/playback/{cmd['request_id']}.ps"})
        after = batch["last_id"]


@contextlib.contextmanager
def _playback_page(live, locale: str, playbacks: list | None = None):  # noqa: ANN001, ANN202
    """The playback page of the GB camera, signed in, with the stand-in worker answering behind it."""
    from playwright.sync_api import sync_playwright

    stop = threading.Event()
    worker = threading.Thread(target=_stand_in_worker, args=(live.url, live.tokens["vision-1"], stop, playbacks),
                              daemon=True)
    worker.start()
    try:
        with sync_playwright() as p:
            browser = launch(p)
            try:
                page = browser.new_page(viewport={"width": 1024, "height": 768}, locale=locale)
                log_in(page, live.url + "/console/playback.html?camera=gb-tank", "duty", "**/console/playback.html*")
                yield page
            finally:
                browser.close()
    finally:
        stop.set()
        worker.join(5)


def test_playback_page_lists_a_gb_cameras_device_recordings(live):
    from playwright.sync_api import expect

    with _playback_page(live, "zh-CN") as page:
        problems = watch(page)
        expect(page.locator("#pb-device h3")).to_have_text("设备录像（摄像机/NVR 本地）")
        items = page.locator("#pb-device-list li")
        expect(items).to_have_count(2, timeout=10_000)
        expect(items.first).to_contain_text("50.0 MB")
        expect(page.locator("#pb-device-list [data-device-play]")).to_have_count(2)  # ▶ per record
        expect(page.locator("#pb-device-status")).to_contain_text("点 ▶ 播放")
        # The long file path wraps inside the page: nothing of the list reaches past its edge.
        assert page.evaluate("""() => [...document.querySelectorAll('#pb-device-list li')].every(
            (li) => li.getBoundingClientRect().right <= document.documentElement.clientWidth)""")
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        # An RTSP camera: its recordings are Watchpost's own; the device list is hidden.
        page.select_option("#pb-camera", "gate-1")
        page.click("#pb-query")
        expect(page.locator("#pb-device")).to_be_hidden()
        page.click("#lang")
        page.select_option("#pb-camera", "gb-tank")
        page.click("#pb-query")
        expect(page.locator("#pb-device h3")).to_have_text("Recordings on the device (camera / NVR)")
        expect(items).to_have_count(2, timeout=10_000)
        assert problems == [], problems


def _wait_for(cond, timeout_s: float = 10.0) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + timeout_s
    while not cond() and time.monotonic() < deadline:
        time.sleep(0.1)
    return bool(cond())


def test_device_playback_pauses_and_seeks_by_asking_again_from_that_point(live):
    """VID-5 playback control as the console does it: ▶ asks the device for the record from its start; dragging
    the position asks again from there; pause ends the session and resume asks for the rest from where it
    stopped (what the device streams is not checked here: tests/vision/test_gb28181_worker.py)."""
    from datetime import datetime

    from playwright.sync_api import expect

    playbacks: list[tuple[str, str]] = []
    at = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()  # noqa: E731
    with _playback_page(live, "en-US", playbacks) as page:
        expect(page.locator("#pb-device-list li")).to_have_count(2, timeout=10_000)
        page.locator("#pb-device-list [data-device-play]").first.click()
        expect(page.locator("#pb-device-player")).to_be_visible(timeout=10_000)
        expect(page.locator("#pb-device-pause")).to_be_visible()
        assert len(playbacks) == 1
        rec_start, rec_end = playbacks[0]
        # Dragged to 2 min in: the device is asked for the record from there to its end.
        page.evaluate("""() => { const s = document.getElementById('pb-device-seek');
            s.value = 120; s.dispatchEvent(new Event('change')); }""")
        assert _wait_for(lambda: len(playbacks) >= 2)
        assert at(playbacks[1][0]) - at(rec_start) == 120 and playbacks[1][1] == rec_end
        # Paused: the tile goes, the position stays; resumed from there (give or take the seconds it ran).
        page.wait_for_timeout(1500)
        page.click("#pb-device-pause")
        expect(page.locator("#pb-device-player")).to_have_count(0)
        expect(page.locator("#pb-device-resume")).to_be_visible()
        page.wait_for_timeout(1500)  # paused time does not count
        page.click("#pb-device-resume")
        expect(page.locator("#pb-device-pause")).to_be_visible(timeout=10_000)
        assert len(playbacks) == 3
        assert 121 <= at(playbacks[2][0]) - at(rec_start) <= 124, playbacks
