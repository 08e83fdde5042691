"""Live video in the console, in Debian Chromium against a real RTSP camera (VID-5, VID-10, VID-11,
CMD-3, ALM-4; issue #21).

An alarm arrives (and rings), one click opens its camera live beside the evidence (frames decoded,
not black), a key verifies it; the camera goes dark and the tile says so, then the picture comes
back by itself; the wall shows 4 tiles (H.264 passed through, MPEG-4 re-encoded), the tour
advances, a PTZ command reaches the simulated ONVIF camera, a camera the user may not watch is
refused in its tile, and playback seeks to the alarm's time. With WP_SCREENSHOT_DIR set it saves
docs/img/alarm-live.png and docs/img/wall.png.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from command.demo_footage import h264_copy
from command.live.fake_onvif import FakeOnvif
from command.throwaway import serve_in_thread
from tests.command.test_live import record
from tests.console.sign_in import log_in
from tests.console.browser import ARGS, CHROMIUM, MARKS
from vision import throwaway_rtsp

pytestmark = [*MARKS]

CLIPS = "data/clips"
# The tile's picture drawn on a canvas: its mean brightness (a black or grey tile is ~0 or flat).
BRIGHTNESS = """tile => { const v = tile.querySelector('video'); const c = document.createElement('canvas');
  c.width = 64; c.height = 64; const g = c.getContext('2d'); g.drawImage(v, 0, 0, 64, 64);
  const d = g.getImageData(0, 0, 64, 64).data; let s = 0, s2 = 0;
  for (let i = 0; i < d.length; i += 4) { const y = (d[i] + d[i + 1] + d[i + 2]) / 3; s += y; s2 += y * y; }
  const n = d.length / 4, m = s / n; return [m, Math.sqrt(s2 / n - m * m)]; }"""


def evidence(media_root: Path, clip: Path) -> None:
    """A snapshot and a clip where the worker would have written them (frames of the footage)."""
    from types import SimpleNamespace

    import av
    import cv2

    from vision.evidence.clip import write_clip

    with av.open(str(clip)) as c:
        frames = [f.to_ndarray(format="bgr24") for _, f in zip(range(60), c.decode(video=0))]
    (media_root / "snapshots/tank-1").mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(media_root / "snapshots/tank-1/1.jpg"), frames[40])
    t0 = datetime.now(timezone.utc).timestamp()
    write_clip(media_root / "clips/tank-1/1.mp4",
               [SimpleNamespace(jpeg=cv2.imencode(".jpg", f)[1].tobytes(), wall=t0 + i / 10) for i, f in enumerate(frames)])


@pytest.fixture
def site(sqlite_url, make_config, tmp_path, shared_dir):
    why = throwaway_rtsp.available()
    if why:
        pytest.skip(why)
    rtsp = throwaway_rtsp.RtspServer(shared_dir / CLIPS / "fire8_seq_fire2.mp4", tmp_path).start()
    sim = FakeOnvif().start()
    foot = tmp_path / "footage"
    cams = [
        {"id": "tank-1", "name": "罐区1号 Tank 1", "group": "罐区", "url": rtsp.url, "rtsp_transport": "udp",
         "ptz": {"host": sim.host, "port": sim.port}},
        {"id": "tank-2", "name": "罐区2号 Tank 2", "group": "罐区", "url": str(h264_copy(shared_dir / CLIPS / "fire8_seq_pexels_8365993.mp4", foot))},
        {"id": "wh-3", "name": "仓库3 Warehouse 3", "group": "仓库", "url": str(shared_dir / CLIPS / "fire8_seq_smoke5.mp4")},
        {"id": "gate", "name": "大门 Gate", "group": "仓库", "url": str(h264_copy(shared_dir / CLIPS / "fire8_seq_fire2.mp4", foot))},
        {"id": "gate-2", "name": "二门 Gate 2", "group": "仓库", "url": str(h264_copy(shared_dir / CLIPS / "fire8_seq_smoke5.mp4", foot))},
        {"id": "vault", "name": "机要室 Vault", "url": str(h264_copy(shared_dir / CLIPS / "fire8_seq_fire2.mp4", foot)),
         "view_roles": ["commander"]},
    ]
    cfg = make_config(sqlite_url, vision={"media_root": str(tmp_path / "media"), "spool_path": str(tmp_path / "spool"),
                                          "cameras": cams},
                      live={"open_timeout_s": 3, "linger_s": 5, "tour_dwell_s": 2})
    srv = serve_in_thread(cfg, {"duty": "duty_officer", "cam": "service"})
    srv.rtsp, srv.sim, srv.media_root, srv.foot = rtsp, sim, Path(cfg.vision.media_root), foot
    yield srv
    srv.stop()
    sim.stop()
    rtsp.stop()


def test_alarm_to_live_wall_tour_ptz_rights_and_playback(site, shared_dir):
    from playwright.sync_api import expect, sync_playwright

    api = httpx.Client(base_url=site.url, timeout=20)
    cam, duty = ({"Authorization": f"Bearer {site.tokens[n]}"} for n in ("cam", "duty"))
    now = datetime.now(timezone.utc).replace(microsecond=0)
    record(site.media_root, "tank-1", now - timedelta(seconds=60), 60, site.foot / "fire8_seq_fire2.h264.mp4")
    shots = os.environ.get("WP_SCREENSHOT_DIR")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=ARGS + ["--autoplay-policy=no-user-gesture-required"])
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
            log_in(page, site.url + "/", "duty", "**/console/index.html")
            expect(page.locator("#conn")).to_have_attribute("data-state", "live", timeout=10_000)
            page.wait_for_timeout(500)  # the alarm-sound stream is a second socket: let it be ready too

            # An alarm arrives and rings (a red alarm); "a" acknowledges it.
            at = now - timedelta(seconds=30)
            evidence(site.media_root, site.foot / "fire8_seq_fire2.h264.mp4")
            r = api.post("/api/alarms", headers=cam, json={
                "source": "video", "source_event_id": "tank-1-1", "type": "fire", "level": "red",
                "occurred_at": at.isoformat(), "camera_id": "tank-1", "score": 0.9, "title": "罐区1号火焰 Fire at tank 1",
                "location": {"name": "罐区1号", "site": "罐区"},
                "evidence": [{"kind": "snapshot", "uri": "snapshots/tank-1/1.jpg", "media_type": "image/jpeg"},
                             {"kind": "clip", "uri": "clips/tank-1/1.mp4", "media_type": "video/mp4"}]})
            assert r.status_code == 201, r.text
            aid = r.json()["id"]
            row = page.locator(f"#alarm-{aid}")
            expect(row).to_be_visible(timeout=5_000)
            expect(page.locator("body")).to_have_attribute("data-alarm-rung", "1", timeout=5_000)
            expect(page.locator("#bell")).to_have_class("linkbtn bell ringing")
            page.keyboard.press("a")
            expect(page.locator("#bell")).to_have_class("linkbtn bell")

            # One click: the alarm page with the camera live beside the evidence.
            row.locator("a.live-btn").click()
            page.wait_for_url(f"**/console/alarm.html?id={aid}&live=1")
            tile = page.locator("#live-panel .tile")
            expect(tile).to_have_attribute("data-state", "playing", timeout=5_000)
            expect(tile).to_have_attribute("data-passthrough", "1")
            page.wait_for_function("t => t.frames() > 5", arg=tile.element_handle(), timeout=5_000)
            mean, spread = page.evaluate(BRIGHTNESS, tile.element_handle())
            assert mean > 25 and spread > 8, (mean, spread)  # a picture, not black or flat grey
            page.keyboard.press("v")  # verify: real
            expect(page.locator("button[data-verdict]")).to_have_count(0, timeout=5_000)
            assert api.get(f"/api/alarms/{aid}", headers=duty).json()["verdict"] == "true"
            if shots:
                page.wait_for_timeout(1500)
                page.screenshot(path=str(Path(shots) / "alarm-live.png"))

            # The camera goes dark while watched: the tile says so, then recovers by itself.
            site.rtsp.pause()
            expect(tile).to_have_attribute("data-state", "offline", timeout=20_000)
            site.rtsp.resume()
            expect(tile).to_have_attribute("data-state", "playing", timeout=40_000)

            # The wall: 4 tiles playing, H.264 passed through and MPEG-4 re-encoded.
            page.goto(site.url + "/console/live.html")
            page.evaluate("localStorage.removeItem('wp_wall')")
            page.reload()
            tiles = page.locator("#wall .tile")
            expect(tiles).to_have_count(4, timeout=5_000)
            for i in range(4):
                expect(tiles.nth(i)).to_have_attribute("data-state", "playing", timeout=15_000)
            assert [tiles.nth(i).get_attribute("data-camera") for i in range(4)] == ["tank-1", "tank-2", "wh-3", "gate"]
            assert page.locator("#wall .tile[data-camera=wh-3]").get_attribute("data-passthrough") == "0"
            assert page.locator("#wall .tile[data-camera=tank-2]").get_attribute("data-passthrough") == "1"
            if shots:
                page.wait_for_timeout(1500)
                page.screenshot(path=str(Path(shots) / "wall.png"))

            # PTZ on the selected tile reaches the camera (press, release = move, stop; a preset).
            page.locator("#wall .tile[data-camera=tank-1]").click()
            up = page.locator("#ptz button[data-ptz='▲']")
            up.dispatch_event("mousedown")
            up.dispatch_event("mouseup")
            page.locator("#ptz button[data-preset='2']").click()
            page.wait_for_function("() => true")
            deadline = datetime.now() + timedelta(seconds=5)
            while len([c for c in site.sim.calls if c.op != "GetPresets"]) < 3 and datetime.now() < deadline:
                page.wait_for_timeout(100)
            ops = [(c.op, c.tilt, c.preset) for c in site.sim.calls if c.op != "GetPresets"]
            assert ops == [("ContinuousMove", 0.5, ""), ("Stop", None, ""), ("GotoPreset", None, "2")], ops

            # Tour: 5 cameras on a 4-tile wall are two pages; with a 2 s dwell it turns by itself.
            page.fill("#tour-dwell", "2")
            page.dispatch_event("#tour-dwell", "change")
            page.click("#tour-toggle")
            expect(page.locator("#tour-page")).to_have_text("1/2")
            expect(page.locator("#tour-page")).to_have_text("2/2", timeout=5_000)
            expect(tiles.first).to_have_attribute("data-camera", "gate-2")
            page.click("#tour-toggle")  # pause
            page.click("#tour-prev")
            expect(page.locator("#tour-page")).to_have_text("1/2")
            expect(tiles.first).to_have_attribute("data-camera", "tank-1")

            # A camera this user may not watch is refused, in its tile.
            page.goto(site.url + "/console/live.html?camera=vault")
            denied = page.locator("#wall .tile")
            expect(denied).to_have_attribute("data-state", "denied", timeout=5_000)
            expect(denied.locator(".tile-note")).to_contain_text("may not watch camera vault")

            # Playback from the alarm page's link: the recording at the alarm's time (5 s pre-roll).
            page.goto(f"{site.url}/console/alarm.html?id={aid}")
            page.click("text=录像回放")
            page.wait_for_url("**/console/playback.html?camera=tank-1&at=*")
            expect(page.locator(f".timeline .mark[data-alarm='{aid}']")).to_have_count(1, timeout=5_000)
            page.wait_for_function("() => { const v = document.getElementById('pb-video'); return v.currentTime > 0.5 && !v.paused"
                                   " && document.getElementById('play-time').dataset.at; }", timeout=10_000)
            shown = datetime.fromisoformat(page.locator("#play-time").get_attribute("data-at").replace("Z", "+00:00"))
            assert timedelta(seconds=-6) <= shown - at <= timedelta(seconds=3), (shown, at)
            page.click("button[data-speed='4']")
            assert page.evaluate("document.getElementById('pb-video').playbackRate") == 4
            href = page.locator("#pb-download").get_attribute("href")
            got = api.get(href, headers=duty)
            assert got.status_code == 200 and got.headers["content-type"] == "video/mp4" and len(got.content) > 10_000

            # The alarm sound's mute is remembered.
            page.click("#bell")
            expect(page.locator("#bell")).to_have_attribute("data-muted", "1")
            page.reload()
            expect(page.locator("#bell")).to_have_attribute("data-muted", "1")
        finally:
            browser.close()
