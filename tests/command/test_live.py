"""Live video without a browser (VID-5, VID-10, VID-11, CMD-3): one feed per camera shared by its
viewers, WebRTC answered to a real aiortc client over a real RTSP camera (H.264 passed through)
and a file camera in a codec browsers cannot take (decoded, sent as VP8), MJPEG for other
systems, the rights on every stream, PTZ against a simulated ONVIF camera, and the recording
export behind playback's download."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path

import av
import httpx
import pytest

from command.demo_footage import h264_copy
from command.live.fake_onvif import FakeOnvif
from command.live.feed import CameraFeed
from command.live.hub import CameraSource, LiveHub
from vision import throwaway_rtsp

FIRE = "data/clips/fire8_seq_fire2.mp4"  # MPEG-4 Part 2: no browser decodes it


async def watch(hub: LiveHub, src: CameraSource, seconds: float, codecs: tuple[str, ...] = ("H264", "VP8")) -> tuple[list, str]:
    """An aiortc client calls the camera up and decodes what arrives for ``seconds``."""
    from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
    from aiortc.rtcrtpsender import RTCRtpSender

    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    tr = pc.addTransceiver("video", direction="recvonly")
    tr.setCodecPreferences([c for c in RTCRtpSender.getCapabilities("video").codecs
                            if c.mimeType.split("/")[1] in codecs])
    frames: list = []

    @pc.on("track")
    def on_track(track) -> None:  # noqa: ANN001
        async def read() -> None:
            while True:
                f = await track.recv()
                frames.append(f.to_ndarray(format="gray"))

        asyncio.ensure_future(read())

    await pc.setLocalDescription(await pc.createOffer())
    answer = await hub.answer(src, pc.localDescription.sdp)
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
    await asyncio.sleep(seconds)
    await pc.close()
    return frames, answer


@pytest.fixture(scope="module")
def rtsp_camera(shared_dir, tmp_path_factory):
    why = throwaway_rtsp.available()
    if why:
        pytest.skip(why)
    server = throwaway_rtsp.RtspServer(shared_dir / FIRE, tmp_path_factory.mktemp("rtsp")).start()
    yield server
    server.stop()


def test_rtsp_camera_passes_h264_through_to_a_webrtc_client(rtsp_camera):
    async def go():
        hub = LiveHub(linger_s=0.5)
        src = CameraSource("cam-1", rtsp_camera.url, "udp")
        try:
            frames, answer = await watch(hub, src, 3.0)
            assert "H264/90000" in answer and "VP8" not in answer
            assert hub.status("cam-1")["passthrough"] is True
            # A second viewer shares the one feed and starts at once from the cached keyframe.
            frames2, _ = await watch(hub, src, 1.5)
            assert len(hub.feeds) == 1
        finally:
            await hub.close()
        return frames, frames2

    frames, frames2 = asyncio.run(go())
    assert len(frames) >= 15, len(frames)  # ~10 fps for 3 s
    assert len(frames2) >= 5, len(frames2)
    assert max(float(f.mean()) for f in frames) > 30  # a picture, not black


def test_mpeg4_file_is_decoded_once_and_sent_as_vp8(shared_dir):
    async def go():
        hub = LiveHub(linger_s=0.5)
        src = CameraSource("cam-2", str(shared_dir / FIRE))
        try:
            frames, answer = await watch(hub, src, 2.5)
            st = hub.status("cam-2")
        finally:
            await hub.close()
        return frames, answer, st

    frames, answer, st = asyncio.run(go())
    assert "VP8/90000" in answer and st["passthrough"] is False and st["codec"] == "mpeg4"
    assert len(frames) >= 10 and max(float(f.mean()) for f in frames) > 30


def test_a_browser_without_h264_gets_vp8_from_an_h264_camera(shared_dir, tmp_path):
    clip = h264_copy(shared_dir / FIRE, tmp_path)

    async def go():
        hub = LiveHub(linger_s=0.5)
        try:
            return await watch(hub, CameraSource("cam-3", str(clip)), 2.0, codecs=("VP8",))
        finally:
            await hub.close()

    frames, answer = asyncio.run(go())
    assert "VP8/90000" in answer and "H264" not in answer
    assert len(frames) >= 8


def test_feed_starts_a_new_viewer_at_the_last_keyframe_and_closes_when_nobody_watches(shared_dir, tmp_path):
    clip = h264_copy(shared_dir / FIRE, tmp_path)

    async def go():
        loop = asyncio.get_running_loop()
        nobody = CameraFeed("cam-5", str(clip), linger_s=0.3)  # opened, then nobody came
        feed = CameraFeed("cam-4", str(clip), linger_s=0.3)
        feed.hold(2.0)  # as an alarm's camera is held open for the call-up to come
        assert await loop.run_in_executor(None, feed.wait_open, 5)
        await asyncio.sleep(1.5)  # mid-GOP by now, and past linger_s: the hold kept it open
        assert nobody.closed and not feed.closed
        sub = feed.subscribe("packet", loop)
        first = await asyncio.wait_for(sub.queue.get(), 2)
        assert first.is_keyframe
        assert feed.viewers == 1
        feed.unsubscribe(sub)
        for _ in range(50):
            if feed.closed:
                break
            await asyncio.sleep(0.1)
        return feed.closed

    assert asyncio.run(go()), "the feed stayed open with nobody watching"


def test_unreachable_camera_is_a_clear_lookup_error():
    async def go():
        hub = LiveHub(open_timeout_s=1.0)
        try:
            await hub.opened(CameraSource("cam-x", "rtsp://127.0.0.1:9/none", "tcp"))
        finally:
            await hub.close()

    with pytest.raises(LookupError):
        asyncio.run(go())


# -- the API: rights, errors, MJPEG, PTZ, recording export ----------------------------------------

@pytest.fixture
def api(sqlite_url, make_config, tmp_path, shared_dir):
    from command.throwaway import serve_in_thread

    sim = FakeOnvif(username="ptz-op", password="Ptz-Secret-1").start()
    clip = h264_copy(shared_dir / FIRE, tmp_path / "footage")
    cams = [
        {"id": "gate-1", "url": str(clip), "group": "gate",
         "ptz": {"host": sim.host, "port": sim.port, "username": "ptz-op", "password": "Ptz-Secret-1"}},
        {"id": "vault", "url": str(clip), "view_roles": ["commander"]},
        {"id": "dark", "url": "rtsp://127.0.0.1:9/none"},
        {"id": "off", "url": str(clip), "enabled": False},
        {"id": "bad-ptz", "url": str(clip), "ptz": {"host": sim.host, "port": sim.port, "username": "ptz-op",
                                                    "password": "wrong"}},
    ]
    cfg = make_config(sqlite_url, vision={"media_root": str(tmp_path / "media"), "spool_path": str(tmp_path / "spool"),
                                          "cameras": cams},
                      live={"open_timeout_s": 1.5, "linger_s": 1.0})
    srv = serve_in_thread(cfg, {"duty": "duty_officer", "boss": "commander", "eve": "evaluator", "sys": "service"})
    client = httpx.Client(base_url=srv.url, timeout=20)
    client.sim, client.media_root = sim, Path(cfg.vision.media_root)
    client.auth_for = lambda name: {"Authorization": f"Bearer {srv.tokens[name]}"}
    yield client
    client.close()
    srv.stop()
    sim.stop()


def test_camera_list_and_stream_rights(api):
    duty, boss = api.auth_for("duty"), api.auth_for("boss")
    assert [c["id"] for c in api.get("/api/live/cameras", headers=duty).json()] == ["gate-1", "dark", "bad-ptz"]
    assert "vault" in [c["id"] for c in api.get("/api/live/cameras", headers=boss).json()]
    offer = {"type": "offer", "sdp": "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"}
    r = api.post("/api/live/vault/offer", json=offer, headers=duty)
    assert r.status_code == 403 and "may not watch camera vault" in r.json()["detail"]
    assert api.post("/api/live/nope/offer", json=offer, headers=duty).status_code == 404
    assert api.post("/api/live/off/offer", json=offer, headers=duty).status_code == 409
    r = api.post("/api/live/dark/offer", json=offer, headers=duty)
    assert r.status_code == 503 and "offline" in r.json()["detail"]
    r = api.post("/api/live/gate-1/offer", json={"type": "offer", "sdp": "hello"}, headers=duty)
    assert r.status_code == 422 and "m=video" in r.json()["detail"]
    r = api.post("/api/live/gate-1/offer", json={"type": "offer", "sdp": "v=0\r\nm=video x\r\ngarbage"}, headers=duty)
    assert r.status_code == 422 and "SDP" in r.json()["detail"]
    assert api.post("/api/live/gate-1/offer", json=offer).status_code == 401


def test_mjpeg_for_other_systems_with_a_service_token(api):
    with api.stream("GET", "/api/live/gate-1.mjpeg", params={"token": api.auth_for("sys")["Authorization"][7:]}) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("multipart/x-mixed-replace")
        buf = b""
        for chunk in r.iter_bytes():
            buf += chunk
            if buf.count(b"\xff\xd9") >= 2:
                break
    start = buf.index(b"\xff\xd8")
    jpeg = buf[start:buf.index(b"\xff\xd9", start) + 2]
    import cv2
    import numpy as np

    img = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert img is not None and img.shape[:2] == (608, 608)


def test_ptz_reaches_the_onvif_camera(api):
    duty = api.auth_for("duty")
    r = api.post("/api/cameras/gate-1/ptz", json={"action": "move", "pan": 0.5, "tilt": -0.25}, headers=duty)
    assert r.status_code == 200, r.text
    assert api.post("/api/cameras/gate-1/ptz", json={"action": "stop"}, headers=duty).status_code == 200
    presets = api.get("/api/cameras/gate-1/ptz/presets", headers=duty).json()
    assert {"token": "2", "name": "tank T-101"} in presets
    assert api.post("/api/cameras/gate-1/ptz", json={"action": "preset", "preset": "2"}, headers=duty).status_code == 200
    ops = [(c.op, c.pan, c.tilt, c.preset, c.user) for c in api.sim.calls if c.op != "GetPresets"]
    assert ops == [("ContinuousMove", 0.5, -0.25, "", "ptz-op"), ("Stop", None, None, "", "ptz-op"),
                   ("GotoPreset", None, None, "2", "ptz-op")]
    # The camera's own refusal comes back as 502 with its reason; no PTZ is 409; readers may not steer.
    r = api.post("/api/cameras/gate-1/ptz", json={"action": "preset", "preset": "99"}, headers=duty)
    assert r.status_code == 502 and "no preset" in r.json()["detail"]
    r = api.post("/api/cameras/bad-ptz/ptz", json={"action": "stop"}, headers=duty)
    assert r.status_code == 502 and "NotAuthorized" in r.json()["detail"]
    assert api.post("/api/cameras/dark/ptz", json={"action": "stop"}, headers=duty).status_code == 409
    assert api.post("/api/cameras/gate-1/ptz", json={"action": "stop"}, headers=api.auth_for("eve")).status_code == 403
    assert api.post("/api/cameras/gate-1/ptz", json={"action": "move", "pan": 3}, headers=duty).status_code == 422


def record(media_root: Path, camera: str, start: datetime, seconds: int, clip: Path, segment_s: int = 10) -> None:
    """Segments as the worker's recorder writes them (write_clip + the index)."""
    from types import SimpleNamespace

    import cv2

    from vision.evidence.clip import write_clip
    from vision.record.index import SegmentIndex
    from vision.record.sweeper import segment_path

    frames = []
    with av.open(str(clip)) as c:
        for f in c.decode(video=0):
            frames.append(cv2.imencode(".jpg", f.to_ndarray(format="bgr24"))[1].tobytes())
    idx = SegmentIndex(media_root)
    t, i = start, 0
    while t < start + timedelta(seconds=seconds):
        items = [SimpleNamespace(jpeg=frames[(i + k) % len(frames)], wall=(t + timedelta(seconds=k / 5)).timestamp())
                 for k in range(segment_s * 5)]
        i += len(items)
        rel = segment_path(camera, t)
        write_clip(media_root / rel, items)
        idx.add(camera, t, t + timedelta(seconds=segment_s - 0.2), rel.as_posix(), (media_root / rel).stat().st_size)
        t += timedelta(seconds=segment_s)
    idx.close()


def test_recording_export_and_rights(api, shared_dir, tmp_path):
    t0 = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=5)
    clip = h264_copy(shared_dir / FIRE, tmp_path / "footage")
    record(api.media_root, "gate-1", t0, 30, clip)
    record(api.media_root, "vault", t0, 10, clip)
    duty = api.auth_for("duty")
    rng = {"start": (t0 + timedelta(seconds=5)).isoformat(), "end": (t0 + timedelta(seconds=25)).isoformat()}
    segs = api.get("/api/recordings", params={"camera": "gate-1", **rng}, headers=duty).json()
    assert len(segs) == 3
    assert all(s["camera_id"] == "gate-1" for s in api.get("/api/recordings", headers=duty).json())
    r = api.get("/api/recordings/export", params={"camera": "gate-1", **rng}, headers=duty)
    assert r.status_code == 200 and r.headers["content-type"] == "video/mp4", r.text
    assert "attachment" in r.headers["content-disposition"]
    out = tmp_path / "export.mp4"
    out.write_bytes(r.content)
    with av.open(str(out)) as c:
        v = c.streams.video[0]
        n = sum(1 for _ in c.decode(v))
        assert n == 150  # three 10 s segments at 5 fps, joined without re-encoding
        assert 29 <= float(c.duration / 1e6) <= 31
    # A camera this role may not watch: not listed, not exported, its segment files not served.
    assert api.get("/api/recordings", params={"camera": "vault"}, headers=duty).status_code == 403
    assert api.get("/api/recordings/export", params={"camera": "vault", **rng}, headers=duty).status_code == 403
    vault_seg = api.get("/api/recordings", params={"camera": "vault"}, headers=api.auth_for("boss")).json()[0]["uri"]
    assert api.get(f"/api/media/{vault_seg}", headers=duty).status_code == 403
    assert api.get(f"/api/media/{vault_seg}", headers=api.auth_for("boss")).status_code == 200
    # Bad ranges are the caller's to fix.
    bad = {"camera": "gate-1", "start": rng["end"], "end": rng["start"]}
    assert api.get("/api/recordings/export", params=bad, headers=duty).status_code == 422
    far = {"camera": "gate-1", "start": (t0 - timedelta(days=3)).isoformat(), "end": (t0 - timedelta(days=2, hours=20)).isoformat()}
    assert api.get("/api/recordings/export", params=far, headers=duty).status_code == 404
    long = {"camera": "gate-1", "start": t0.isoformat(), "end": (t0 + timedelta(hours=7)).isoformat()}
    assert api.get("/api/recordings/export", params=long, headers=duty).status_code == 422


def test_pure_parts_mdns_rights_and_drill_cameras():
    from command.domain.camera_rights import may_watch, recording_camera
    from command.live.hub import without_mdns
    from command.live.prewarm import alarm_camera
    from watchpost.config import Camera

    offer = ("v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
             "a=candidate:1 1 udp 2113937151 5f0c1c3e-1111-2222-3333-444455556666.local 50000 typ host\r\n"
             "a=candidate:2 1 udp 2113937151 192.0.2.7 50001 typ host\r\na=rtpmap:96 H264/90000")
    kept = without_mdns(offer)
    assert ".local" not in kept and "192.0.2.7 50001" in kept and kept.endswith("H264/90000")
    open_cam, locked = Camera(id="a", url="x"), Camera(id="b", url="x", view_roles=["commander"])
    assert may_watch(open_cam, "viewer") and may_watch(open_cam, "service") and not may_watch(open_cam, "comms")
    assert may_watch(locked, "commander") and may_watch(locked, "admin") and not may_watch(locked, "duty_officer")
    assert recording_camera("recordings/gate-1/2026/12/06/101500.mp4") == "gate-1"
    assert recording_camera("snapshots/gate-1/1.jpg") is None and recording_camera("recordings/x") is None
    assert alarm_camera("tank-1.drill7.inj-2") == "tank-1" and alarm_camera(None) == ""
