"""A GB/T 28181 channel as a vision worker camera (issue #26, VID-5: GB/T 28181 cameras, preview and
control): the config that names one is checked; the worker's own platform INVITEs the channel and its
frames go through detection, rules, evidence and recording like an RTSP camera's; a device whose
keepalives stop raises camera_offline (and camera_recovered); refused registrations reach the
service's audit log, folded to one entry per device a minute; the console's live view reads the camera
through the worker's token-protected relay of the stream; the recordings a device keeps are listed through
the worker that runs its camera."""

from __future__ import annotations

import asyncio
import contextlib
import time

import httpx
import pytest

from vision.gb28181.fold import OTHERS, Fold
from watchpost.config import ConfigError, parse_config
from watchpost.throwaway import free_port

PLATFORM_ID = "34020000002000000001"
DEV = "34020000001320000001"
CHANNEL = "34020000001310000001"  # the simulated device's first channel
INTRUDER = "34020000001320000066"


def _gb(**kw) -> dict:
    return {"enabled": True, "platform_id": PLATFORM_ID, "devices": [{"id": DEV, "password": "dev-pw"}], **kw}


def _errors(tree: dict) -> str:
    with pytest.raises(ConfigError) as err:
        parse_config(tree, environ={})
    return "; ".join(err.value.errors)


def test_a_gb28181_camera_is_checked_in_the_config():
    cam = {"id": "gb-1", "url": f"gb28181://{DEV}/{CHANNEL}"}
    ok = parse_config({"vision": {"gb28181": _gb(), "cameras": [cam]}}, environ={})
    assert ok.vision.cameras[0].url == f"gb28181://{DEV}/{CHANNEL}"
    # The platform is off: named field, and what to set.
    assert "cameras.0.url (gb-1): a gb28181:// camera needs vision.gb28181.enabled: true" in _errors(
        {"vision": {"cameras": [cam]}})
    # An id that is not 20 digits.
    for bad in (f"gb28181://{DEV}/1310000001", f"gb28181://{DEV[:-1]}x/{CHANNEL}", f"gb28181://{DEV}", "gb28181:"):
        assert "vision.cameras.0.url:" in _errors({"vision": {"gb28181": _gb(), "cameras": [cam | {"url": bad}]}})
    # A device that could never register.
    assert f"device {DEV} is not in vision.gb28181.devices" in _errors(
        {"vision": {"gb28181": _gb(devices=[]), "cameras": [cam]}})
    assert parse_config({"vision": {"gb28181": _gb(devices=[], accept_unlisted=True, password="x"), "cameras": [cam]}},
                        environ={})
    # Recorded by stream copy from a URL FFmpeg cannot open: refused.
    assert "vision.cameras.0: " in _errors({"vision": {"gb28181": _gb(), "cameras": [cam | {"detect_url": "rtsp://x/s"}]}})
    # Cameras shared out by the service: a GB camera stays with the worker its device registers to.
    assert "cameras.0.worker (gb-1)" in _errors(
        {"vision": {"gb28181": _gb(), "assignment": {"enabled": True}, "cameras": [cam]}})
    assert "rtp_port_min" in _errors({"vision": {"gb28181": _gb(rtp_port_min=30000)}})
    # How a device's video comes: UDP, or TCP with either side listening; anything else named.
    tcp = parse_config({"vision": {"gb28181": _gb(devices=[{"id": DEV, "media": "tcp_passive"}])}}, environ={})
    assert tcp.vision.gb28181.devices[0].media == "tcp_passive"
    assert "vision.gb28181.devices.0.media" in _errors({"vision": {"gb28181": _gb(devices=[{"id": DEV, "media": "tcp"}])}})


def test_fold_sends_the_first_at_once_and_counts_the_rest_per_minute():
    fold = Fold(window_s=60, max_devices=2)
    first = fold.offer(DEV, "auth_failed", "10.0.0.9:5060", "wrong password", 100.0)
    assert first is not None and first.counts == {"auth_failed": 1} and first.first_at == 100.0
    for i in range(57):
        assert fold.offer(DEV, "auth_failed", "10.0.0.9:5060", "wrong password", 101.0 + i) is None
    assert fold.offer(DEV, "registered", "10.0.0.9:5060", "UDP", 159.0) is None
    assert fold.due(159.9) == []  # the window is not over
    [held] = fold.due(160.0)
    assert (held.count, held.counts, held.kind, held.first_at, held.last_at) == (
        58, {"auth_failed": 57, "registered": 1}, "registered", 101.0, 159.0)
    # A new window began when that went out: the next event waits for it too.
    assert fold.offer(DEV, "moved", "10.0.0.10:5060", "was 10.0.0.9:5060", 170.0) is None
    assert [f.counts for f in fold.due(220.0)] == [{"moved": 1}]
    # A device quiet for a whole window is forgotten, and its next event goes out at once.
    assert fold.due(290.0) == []
    assert fold.offer(DEV, "unregistered", "", "", 300.0) is not None
    # Refused registrations may claim any id: past max_devices, new ids fold together.
    assert fold.offer("x1", "auth_failed", "a:1", "not a listed device", 300.0).device_id == "x1"
    spray = fold.offer("x2", "auth_failed", "a:2", "not a listed device", 300.0)
    assert spray.device_id == OTHERS and spray.detail == "device x2: not a listed device"
    assert fold.offer("x3", "auth_failed", "a:3", "not a listed device", 301.0) is None
    assert [(f.device_id, f.count) for f in fold.drain()] == [(OTHERS, 1)]


def _event(event_id: str = "vision-1:gb28181:x:1", **kw) -> dict:
    return {"event_id": event_id, "worker_id": "vision-1", "device_id": INTRUDER, "kind": "auth_failed",
            "addr": "10.0.0.9:5060", "detail": "wrong password", "first_at": "2024-05-06T01:00:00Z",
            "last_at": "2024-05-06T01:00:00Z", "counts": {"auth_failed": 1}, **kw}


@pytest.fixture
def service(sqlite_url, make_config):
    """The app on SQLite with a service account, an admin and a viewer (lighter than the shared fixture:
    the endpoint's SQL is the audit chain's, tested on both backends in tests/core)."""
    from fastapi.testclient import TestClient

    from command.app import create_app
    from command.services.auth import add_user, issue_token
    from watchpost.db import session_scope

    app = create_app(make_config(sqlite_url), run_background=False)
    with session_scope(app.state.wp.sessions) as db:
        tokens = {r: issue_token(db, add_user(db, r, "Password-1-" + r, r), "api", None)
                  for r in ("service", "admin", "viewer")}
    with TestClient(app) as client:
        client.as_role = lambda role: {"Authorization": f"Bearer {tokens[role]}"}
        yield client


def test_device_events_are_audited_once(service):
    svc, admin = service.as_role("service"), service.as_role("admin")
    r = service.post("/api/workers/device-events", json=_event(), headers=svc)
    assert r.status_code == 201 and r.json()["duplicate"] is False
    seq = r.json()["seq"]
    # The spool resends after a lost answer: the same entry, not a second one.
    again = service.post("/api/workers/device-events", json=_event(), headers=svc)
    assert again.status_code == 201 and again.json() == {"seq": seq, "duplicate": True}
    folded = _event("vision-1:gb28181:x:2", kind="registered", detail="UDP, expires 3600 s",
                    last_at="2024-05-06T01:00:59Z", counts={"auth_failed": 57, "registered": 1})
    assert service.post("/api/workers/device-events", json=folded, headers=svc).status_code == 201
    entries = service.get("/api/audit", params={"entity_type": "video_device", "entity_id": INTRUDER},
                          headers=admin).json()
    assert [(e["action"], e["actor"]) for e in entries] == [("gb28181.auth_failed", "service"),
                                                            ("gb28181.registered", "service")]
    assert entries[0]["note"] == "auth_failed from 10.0.0.9:5060: wrong password"
    assert entries[1]["note"].startswith("58 events 2024-05-06 01:00:00–01:00:59 UTC (auth_failed ×57, registered ×1)")
    assert entries[1]["after"]["counts"] == {"auth_failed": 57, "registered": 1}
    assert service.get("/api/audit/verify", headers=admin).json()["ok"]
    # Bounded input: a control character, an unknown kind, no counts.
    for bad in (_event(device_id="3402\x00"), _event(kind="online"), _event(counts={})):
        assert service.post("/api/workers/device-events", json=bad, headers=svc).status_code == 422
    assert service.post("/api/workers/device-events", json=_event(), headers=service.as_role("viewer")).status_code == 403


async def _until(cond, timeout_s: float, every_s: float = 0.25):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if (found := await cond()):
            return found
        await asyncio.sleep(every_s)
    return await cond()


@pytest.mark.slow
def test_worker_reads_a_gb28181_camera_end_to_end(shared_dir, sqlite_url, make_config, tmp_path):
    """VID-5: a GB/T 28181 channel as a worker camera, against the real service and the shipped detectors."""
    from command.throwaway import serve_in_thread
    from vision.gb28181 import ptz
    from vision.gb28181.sim_device import SimDevice
    from vision.pipeline import load_detectors
    from vision.worker import Worker

    sip_port = free_port()
    cfg = make_config(sqlite_url, vision={
        "media_root": str(tmp_path / "media"), "spool_path": str(tmp_path / "spool.sqlite"),
        "evidence": {"pre_s": 1.0, "post_s": 1.0}, "recording": {"segment_s": 2.0},
        "gb28181": _gb(listen_host="127.0.0.1", port=sip_port, transports=["udp"], catalog_on_register=False,
                       devices=[{"id": DEV, "password": "dev-pw"}, {"id": INTRUDER, "password": "its-own"}],
                       keepalive_timeout_s=2.0, request_timeout_s=2, stream_timeout_s=3),
        "cameras": [{"id": "gb-tank", "name": "罐区 GB", "url": f"gb28181://{DEV}/{CHANNEL}",
                     "profile": "major_hazard", "detect_fps": 2.0, "offline_after_s": 4.0}],
    })
    try:
        detectors = load_detectors(cfg)
    except FileNotFoundError as exc:
        pytest.skip(f"shipped weights missing: {exc}")
    server = serve_in_thread(cfg, {"vision-1": "service", "duty": "duty_officer", "auditor": "admin"})
    cfg.vision.service_url = server.url
    cfg.vision.service_token = server.tokens["vision-1"]
    worker = Worker(cfg, detectors=detectors)
    hdr = {"Authorization": f"Bearer {server.tokens['duty']}"}
    audit_hdr = {"Authorization": f"Bearer {server.tokens['auditor']}"}
    reader = worker.readers["gb-tank"]
    timings: dict[str, float] = {}

    async def scenario():
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as api:
            async def alarms(type_: str):
                got = (await api.get("/api/alarms", headers=hdr)).json()
                return [a for a in got if a["type"] == type_ and a["camera_id"] == "gb-tank"]

            async def audit(device: str):
                return (await api.get("/api/audit", params={"entity_type": "video_device", "entity_id": device},
                                      headers=audit_hdr)).json()

            dev = SimDevice(DEV, "dev-pw", ("127.0.0.1", sip_port), PLATFORM_ID, keepalive_s=0.3,
                            clip=shared_dir / "data/clips/fire8_seq_fire2.mp4")
            intruder = SimDevice(INTRUDER, "a guess", ("127.0.0.1", sip_port), PLATFORM_ID)
            await dev.start(register=False, keepalives=False)  # encodes its clip first: seconds on a small box
            worker.start()
            t0, stopped = time.monotonic(), False
            try:
                assert await dev.register() == 200
                dev.start_keepalives()
                # 1. The reader's INVITE; fire on the stream reaches the service with its evidence.
                fire = await _until(lambda: alarms("fire"), 45)
                timings["fire_after_register_s"] = time.monotonic() - t0
                assert fire, "no fire alarm from the GB/T 28181 camera"
                assert fire[0]["source"] == "video" and fire[0]["location"]["name"] == "罐区 GB"
                assert any(e["kind"] == "snapshot" for e in fire[0]["evidence"])
                assert len(dev.streams) == 1

                # 2. PTZ from the console: queued for this worker, sent to the device as DeviceControl PTZCmd.
                t_ptz = time.monotonic()
                for move in ({"action": "move", "pan": -0.5, "zoom": 1}, {"action": "stop"},
                             {"action": "preset", "preset": "3"}):
                    r = await api.post("/api/cameras/gb-tank/ptz", json=move, headers=hdr)
                    assert r.status_code == 200, r.text
                bad = await api.post("/api/cameras/gb-tank/ptz", json={"action": "preset", "preset": "gate"}, headers=hdr)
                assert bad.status_code == 422
                assert await _until(lambda: _async(len(dev.ptz) == 3), 10), "PTZ did not reach the device"
                timings["ptz_to_device_s"] = time.monotonic() - t_ptz
                assert dev.ptz == [(CHANNEL, ptz.Move(pan="left", zoom="in", pan_speed=128, zoom_speed=15)),
                                   (CHANNEL, ptz.Move()), (CHANNEL, ptz.Preset("call", 3))]
                moves = (await api.get("/api/audit", params={"entity_type": "camera", "entity_id": "gb-tank"},
                                       headers=audit_hdr)).json()
                assert [(e["action"], e["actor"]) for e in moves] == [("camera.ptz", "duty")] * 3

                # 3. A wrong password: 401 each time, and one audit entry however many tries (the rest folded).
                await intruder.start(register=False, keepalives=False)
                assert [await intruder.register() for _ in range(3)] == [401, 401, 401]
                refused = await _until(lambda: audit(INTRUDER), 10)
                assert [e["action"] for e in refused] == ["gb28181.auth_failed"]
                assert refused[0]["note"] == f"auth_failed from 127.0.0.1:{intruder.port}: wrong password"
                assert [e["action"] for e in await audit(DEV)] == ["gb28181.registered"]

                # 4. Registered again from another address: re-INVITEd there, frames keep flowing.
                first_call = next(iter(dev.streams))
                frames, stream_t = reader.health.frames_in, reader.latest()[1].t
                t_move = time.monotonic()
                assert await dev.move() == 200
                assert await _until(lambda: _async(bool(dev.streams) and first_call not in dev.streams), 10), \
                    "no INVITE to the new address"
                assert await _until(lambda: _async(reader.health.frames_in > frames + 20), 15)
                timings["frames_again_after_move_s"] = time.monotonic() - t_move
                assert reader.latest()[1].t > stream_t, "stream time went back: the rules' windows would stall"
                walls = list(reader.health.fps_window)
                timings["longest_frame_gap_s"] = max(b - a for a, b in zip(walls, walls[1:]))
                assert not await alarms("camera_offline"), "a move must not read as the camera going offline"
                assert await _until(lambda: _async(worker.index.query("gb-tank")), 10), "the GB camera was not recorded"

                # 5. Keepalives stop: device offline, its stream ended, camera_offline; back: camera_recovered.
                dev.stop_keepalives()
                t_hang = time.monotonic()
                offline = await _until(lambda: alarms("camera_offline"), 20)
                timings["offline_alarm_after_hang_s"] = time.monotonic() - t_hang
                assert offline, "no camera_offline alarm"
                assert not dev.streams, "the offline device's stream was not ended (BYE)"
                dev.start_keepalives()
                t_back = time.monotonic()
                assert await _until(lambda: alarms("camera_recovered"), 20), "no camera_recovered"
                timings["recovered_after_keepalive_s"] = time.monotonic() - t_back
                assert dev.streams

                # 6. The worker stops: BYE to the stream it holds.
                await asyncio.get_running_loop().run_in_executor(None, worker.stop)
                stopped = True
                assert await _until(lambda: _async(not dev.streams), 5), "no BYE when the worker stopped"
            finally:
                await intruder.close(unregister=False)
                if not stopped:
                    await asyncio.get_running_loop().run_in_executor(None, worker.stop)
                await dev.close()

    try:
        asyncio.run(asyncio.wait_for(scenario(), 120))
    finally:
        server.stop()
        print("GB/T 28181 worker timings:", {k: round(v, 1) for k, v in timings.items()})


async def _async(value):
    return value


def test_relay_keyframe_cache_and_refusals_are_pure():
    """The relay's pure parts: where a keyframe's pack starts in PS bytes fed in any cut, the bearer check,
    the path, and the config refusing a relay without a token."""
    from vision.gb28181.ps import PACK_START, KeyframeCache, is_key_pack
    from vision.gb28181.relay import authorized, camera_of

    def pack(body: bytes) -> bytes:
        return PACK_START + b"\x44" * 10 + body

    sps, idr, p = b"\x00\x00\x00\x01\x67\x42", b"\x00\x00\x01\x65\x88", b"\x00\x00\x01\x41\x9a"
    assert is_key_pack(pack(sps + idr)) and is_key_pack(pack(b"\x00\x00\x01\x40\x01\x0c"))  # H.264 SPS, H.265 VPS
    assert not is_key_pack(pack(p)) and not is_key_pack(pack(idr))
    stream = [pack(p), pack(sps + idr), pack(p), pack(p), pack(sps + idr), pack(p), pack(p)]
    data = b"".join(stream)
    for cut in (1, 3, 7, 1000):
        c = KeyframeCache()
        for i in range(0, len(data), cut):
            c.add(data[i:i + cut])
        assert c.snapshot() == b"".join(stream[4:]), cut  # the last keyframe's pack on, up to now
    c = KeyframeCache()
    c.add(b"".join(stream[:2]))
    assert c.snapshot() == b"", "a keyframe's pack counts once it is whole"
    c.add(stream[2])
    assert c.snapshot() == b"".join(stream[1:3])
    c.reset()
    assert c.snapshot() == b""
    small = KeyframeCache(max_bytes=60)
    small.add(b"".join(stream[:4]))
    assert small.snapshot() == b"", "a GOP longer than the cap is not kept"
    assert authorized(None, "t" * 16) is None and authorized("Basic x", "t" * 16) is None
    assert authorized("Bearer nope", "t" * 16) is False and authorized("Bearer " + "t" * 16, "t" * 16) is True
    assert camera_of("/live/gb-tank.ps") == "gb-tank" and camera_of("/live/a/b.ps") is None
    assert camera_of("/metrics") is None
    assert "relay_token must be set" in _errors({"vision": {"gb28181": _gb(relay_port=8554, relay_token="short")}})


def test_a_gb_cameras_live_source_is_its_workers_relay():
    """Pure: static mode reads the config's relay; assigned mode the relay the camera's worker claimed,
    and a camera whose worker is down, or has no relay, is refused naming why (not a feed left waiting)."""
    from command.domain.shards import Shares
    from command.live.sources import NotRelayed, live_source, worker_relay
    from watchpost.events import WorkerClaim

    token = "relay-secret-" + "x" * 8
    cam_b = {"id": "gb-b", "url": f"gb28181://{DEV}/{CHANNEL}", "worker": "vision-b"}
    cfg = parse_config({"vision": {"gb28181": _gb(relay_port=8091, relay_token=token),
                                   "cameras": [cam_b, {"id": "gate", "url": "rtsp://10.0.0.5/1"}]}}, environ={})
    gb, cam, gate = cfg.vision.gb28181, cfg.vision.cameras[0], cfg.vision.cameras[1]
    assert live_source(cam, gb).url == "http://127.0.0.1:8091/live/gb-b.ps"  # static: unchanged
    assert live_source(gate, gb).url == "rtsp://10.0.0.5/1"
    played = live_source(cam, gb, playback="s" * 12)  # a device playback: the same relay, a feed key of its own
    assert played.camera_id == "gb-b@playback-" + "s" * 12
    assert played.url == "http://127.0.0.1:8091/playback/" + "s" * 12 + ".ps"
    without = parse_config({"vision": {"gb28181": _gb(), "cameras": [cam_b]}}, environ={}).vision
    with pytest.raises(NotRelayed, match="set vision.gb28181.relay_port"):  # refused here, not by a feed left waiting
        live_source(without.cameras[0], without.gb28181)
    split = Shares({"vision-a": ["gate"], "vision-b": ["gb-b"]})
    src = live_source(cam, gb, worker_relay(cam, split, {"vision-a": "http://10.0.0.1:8091",
                                                         "vision-b": "http://[fd00::2]:8092"}))
    assert src.url == "http://[fd00::2]:8092/live/gb-b.ps" and src.av_format == "mpeg"
    assert token in src.headers and token not in src.url
    with pytest.raises(NotRelayed, match="camera gb-b: its worker vision-b is not running"):
        worker_relay(cam, Shares({"vision-a": ["gate"]}, ["gb-b"]), {"vision-a": "http://10.0.0.1:8091"})
    with pytest.raises(NotRelayed, match="its worker vision-b states no live relay"):
        worker_relay(cam, split, {"vision-b": None})
    # What a worker states: its relay_public_host where it listens on every address, and nothing else.
    wild = _gb(relay_port=8091, relay_token=token, relay_host="0.0.0.0")
    assigned = {"assignment": {"enabled": True}, "cameras": [cam_b]}
    assert "set relay_public_host" in _errors({"vision": {"gb28181": wild} | assigned})
    ok = parse_config({"vision": {"gb28181": wild | {"relay_public_host": "10.0.0.2"}} | assigned}, environ={})
    assert ok.vision.gb28181.relay_url == "http://10.0.0.2:8091"
    for bad in ("http://0.0.0.0:8091", "http://h:0", "https://h:8091", "http://h:8091/x", "http://u@h:8091"):
        with pytest.raises(ValueError):
            WorkerClaim(worker_id="vision-b", relay_url=bad)


@pytest.mark.slow
@pytest.mark.slow
def test_a_worker_reads_devices_that_send_their_video_over_tcp(shared_dir, make_config, sqlite_url):
    """VID-5, RTP over TCP (RFC 4571): one device connects to the worker's port (tcp_passive, in the
    configured port range), the other is connected to at the port it answers with (tcp_active); the
    worker's readers decode both, and letting go hangs up (BYE)."""
    from vision.gb28181.sim_device import SimDevice
    from vision.gb28181.worker_platform import WorkerPlatform

    other = "34020000001320000003"
    sip_port, rtp_lo = free_port(), free_port()
    cfg = make_config(sqlite_url, vision={
        "gb28181": _gb(listen_host="127.0.0.1", port=sip_port, transports=["udp"], catalog_on_register=False,
                       request_timeout_s=2, stream_timeout_s=3, rtp_port_min=rtp_lo, rtp_port_max=rtp_lo,
                       devices=[{"id": DEV, "password": "dev-pw", "media": "tcp_passive"},
                                {"id": other, "password": "dev-pw", "media": "tcp_active"}]),
        "cameras": [{"id": "gb-passive", "url": f"gb28181://{DEV}/{CHANNEL}"},
                    {"id": "gb-active", "url": f"gb28181://{other}/{CHANNEL}"}]})
    platform = WorkerPlatform(cfg, spool=None).start()

    def take(url: str, n: int) -> list:
        frames = platform.frames(url)
        try:
            return [f for f, _ in zip(frames, range(n))]
        finally:
            frames.close()  # the reader lets go: BYE

    async def scenario():
        clip = shared_dir / "data/clips/fire8_seq_fire2.mp4"
        devs = [SimDevice(d, "dev-pw", ("127.0.0.1", sip_port), PLATFORM_ID, keepalive_s=0.5, clip=clip)
                for d in (DEV, other)]
        try:
            for dev in devs:
                await dev.start()
            loop = asyncio.get_running_loop()
            got = await asyncio.wait_for(asyncio.gather(
                loop.run_in_executor(None, take, f"gb28181://{DEV}/{CHANNEL}", 10),
                loop.run_in_executor(None, take, f"gb28181://{other}/{CHANNEL}", 10)), 60)
            assert [len(g) for g in got] == [10, 10]
            assert all(g[0].image.shape == (608, 608, 3) for g in got)
            assert await _until(lambda: _async(not devs[0].streams and not devs[1].streams), 10), "no BYE after letting go"
        finally:
            for dev in devs:
                await dev.close()
            platform.stop()

    asyncio.run(scenario())


def test_console_live_view_of_a_gb28181_camera_through_the_worker_relay(shared_dir, make_config, sqlite_url, tmp_path):
    """The service's live path (CameraFeed, WebRTC) reads a GB camera from the worker's relay of the stream its
    reader holds: one INVITE however many watch; no token or the wrong one refused; call-up timed."""
    from command.live.feed import CameraFeed
    from command.live.hub import LiveHub
    from command.live.sources import live_source
    from tests.command.test_live import watch
    from vision.gb28181.sim_device import SimDevice
    from vision.gb28181.worker_platform import WorkerPlatform
    from vision.ingest.reader import CameraReader

    sip_port, relay_port, token = free_port(), free_port(), "relay-secret-" + "x" * 8
    cfg = make_config(sqlite_url, vision={
        "gb28181": _gb(listen_host="127.0.0.1", port=sip_port, transports=["udp"], catalog_on_register=False,
                       request_timeout_s=2, stream_timeout_s=3, relay_port=relay_port, relay_token=token),
        "cameras": [{"id": "gb-tank", "url": f"gb28181://{DEV}/{CHANNEL}"}]})
    cam, gb = cfg.vision.cameras[0], cfg.vision.gb28181
    src = live_source(cam, gb)
    assert src.url == f"http://127.0.0.1:{relay_port}/live/gb-tank.ps" and token not in src.url
    platform = WorkerPlatform(cfg, spool=None).start()
    reader = CameraReader(cam)  # the worker's own reader of the camera: it holds the INVITE
    timings: dict[str, float] = {}

    async def first_frame(feed: CameraFeed) -> None:
        sub = feed.subscribe("frame", asyncio.get_running_loop())
        try:
            frame = await asyncio.wait_for(sub.queue.get(), 10)
            assert frame is not None and frame.width == 608
        finally:
            feed.unsubscribe(sub)

    async def scenario():
        dev = SimDevice(DEV, "dev-pw", ("127.0.0.1", sip_port), PLATFORM_ID, keepalive_s=0.5,
                        clip=shared_dir / "data/clips/fire8_seq_fire2.mp4")
        await dev.start(register=False, keepalives=False)
        hub = LiveHub(linger_s=0.5)
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{relay_port}", timeout=5) as relay:
                # Not read by the worker yet: nothing to relay (the feed retries).
                ok = {"Authorization": f"Bearer {token}"}
                assert (await relay.get("/live/gb-tank.ps", headers=ok)).status_code == 503
                assert await dev.register() == 200
                dev.start_keepalives()
                reader.start()
                assert await _until(lambda: _async(reader.health.frames_in > 5), 15), "the worker reads no frames"
                # Never an open stream: no token 401, a wrong one 403, an unknown camera 404.
                assert (await relay.get("/live/gb-tank.ps")).status_code == 401
                assert (await relay.get("/live/gb-tank.ps", headers={"Authorization": "Bearer guess"})).status_code == 403
                assert (await relay.get("/live/nope.ps", headers=ok)).status_code == 404

            # Call-up: a new feed on the relay (cold: as the first console to open the camera) to its first picture.
            callups = []
            for i in range(6):
                t0 = time.monotonic()
                feed = CameraFeed(f"gb-tank-{i}", src.url, av_format=src.av_format, headers=src.headers, linger_s=0.2)
                try:
                    await first_frame(feed)
                    callups.append(time.monotonic() - t0)
                finally:
                    feed.close()
                await asyncio.sleep(0.3)  # a different point in the GOP each time
            print("call-ups (s):", [round(c, 3) for c in callups])
            timings["callup_p50_s"] = sorted(callups)[len(callups) // 2]
            timings["callup_max_s"] = max(callups)
            assert max(callups) < 3.0, callups

            # WebRTC through the hub (H.264 from the device passed through), a second viewer sharing the feed.
            frames, answer = await watch(hub, src, 2.0)
            assert "H264/90000" in answer and hub.status("gb-tank")["passthrough"] is True
            assert len(frames) >= 8 and max(float(f.mean()) for f in frames) > 30, len(frames)
            assert len(dev.streams) == 1, "the relay must not INVITE: the reader's stream is the only one"
        finally:
            await hub.close()
            await asyncio.get_running_loop().run_in_executor(None, reader.stop)
            await dev.close()

    try:
        asyncio.run(asyncio.wait_for(scenario(), 60))
    finally:
        platform.stop()
        print("GB/T 28181 relay timings:", {k: round(v, 3) for k, v in timings.items()})


class _CommandRig:
    """A service and a worker's own command handling (its poller and GB/T 28181 platform) without its readers
    and detectors: what the device-recording tests drive."""

    def __init__(self, cfg):  # noqa: ANN001
        from command.throwaway import serve_in_thread
        from vision.commands import CommandPoller
        from vision.gb28181.worker_platform import WorkerPlatform
        from vision.worker import Worker

        self.server = serve_in_thread(cfg, {"vision-1": "service", "duty": "duty_officer", "viewer": "viewer"})
        self.token = self.server.tokens["vision-1"]
        cfg.vision.service_url, cfg.vision.service_token = self.server.url, self.token
        self.worker = Worker(cfg, detectors={"firesmoke": None, "person": None})  # never run: no reader starts
        self.platform = self.worker.gb28181 = WorkerPlatform(cfg, spool=None).start()
        self.poller = CommandPoller(self.worker.spool, self.server.url, self.token, "vision-1",
                                    self.worker.handle_command)

    def run(self, scenario, timeout_s: float = 40) -> None:  # noqa: ANN001
        try:
            asyncio.run(asyncio.wait_for(scenario(), timeout_s))
        finally:
            self.poller.stop()
            self.platform.stop()
            self.worker.spool.close()
            self.server.stop()


def test_a_gb_cameras_device_recordings_are_listed_through_its_worker(sqlite_url, make_config, tmp_path, monkeypatch):
    """VID-5 "playback, query": the console asks the service for the recordings a GB camera's device keeps; the
    service queues the query for the worker, whose platform asks the device (RecordInfo) and posts the answer
    back. Rights, a non-GB camera, a refused span, a worker that never answers (504)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from command.api import device_records as api
    from vision.commands import CURSOR
    from vision.gb28181.manscdp import Record
    from vision.gb28181.sim_device import SimDevice

    monkeypatch.setattr(api, "SLACK_S", 0.5)  # the 504 comes after 2 x request_timeout_s + this
    sip_port = free_port()
    cfg = make_config(sqlite_url, vision={
        "media_root": str(tmp_path / "media"), "spool_path": str(tmp_path / "spool.sqlite"),
        "gb28181": _gb(listen_host="127.0.0.1", port=sip_port, transports=["udp"], catalog_on_register=False,
                       request_timeout_s=1),
        "cameras": [{"id": "gb-tank", "url": f"gb28181://{DEV}/{CHANNEL}", "view_roles": ["duty_officer"]},
                    {"id": "gb-far", "url": f"gb28181://{DEV}/{CHANNEL}", "worker": "vision-gone"},
                    {"id": "rtsp-gate", "url": "rtsp://127.0.0.1:9/none"}]},
        server={"long_poll_max_s": 1})  # the poller's open poll must not hold up the server's stop
    rig = _CommandRig(cfg)
    server, worker, poller, token = rig.server, rig.worker, rig.poller, rig.token
    spool = worker.spool
    day = datetime(2024, 5, 6)  # the device's local time (Asia/Shanghai)
    records = [Record(CHANNEL, day.replace(hour=h), day.replace(hour=h, minute=10), name=f"rec{h}",
                      file_path=f"/sd/rec{h}.mp4", file_size=1000 * h) for h in (8, 9, 13)]
    tz = ZoneInfo("Asia/Shanghai")
    span = {"start": datetime(2024, 5, 6, 8, 5, tzinfo=tz).isoformat(), "end": datetime(2024, 5, 6, 12, tzinfo=tz).isoformat()}

    async def scenario():
        dev = SimDevice(DEV, "dev-pw", ("127.0.0.1", sip_port), PLATFORM_ID, keepalive_s=0.5, records=records)
        gone = False
        await dev.start()
        poller.start()
        try:
            assert await _until(lambda: _async(spool.get_meta(CURSOR) is not None), 5), "the poller never started"
            async with httpx.AsyncClient(base_url=server.url, timeout=15) as api_:
                duty = {"Authorization": f"Bearer {server.tokens['duty']}"}
                t0 = time.monotonic()
                r = await api_.get("/api/cameras/gb-tank/device-records", params=span, headers=duty)
                took = time.monotonic() - t0
                assert r.status_code == 200, r.text
                body = r.json()
                assert body["worker_id"] == "vision-1" and took < 2.0, (body, took)
                assert [(x["name"], x["file_path"], x["file_size"]) for x in body["records"]] == [
                    ("rec8", "/sd/rec8.mp4", 8000), ("rec9", "/sd/rec9.mp4", 9000)]
                assert datetime.fromisoformat(body["records"][0]["start"]) == datetime(2024, 5, 6, 8, tzinfo=tz)
                assert dev.queries.count("RecordInfo") == 1
                # Rights: the camera's view_roles. Not a GB camera, a span refused: 422 with the reason.
                viewer = {"Authorization": f"Bearer {server.tokens['viewer']}"}
                assert (await api_.get("/api/cameras/gb-tank/device-records", params=span, headers=viewer)).status_code == 403
                r = await api_.get("/api/cameras/rtsp-gate/device-records", params=span, headers=duty)
                assert r.status_code == 422 and "not a GB/T 28181 channel" in r.json()["detail"]
                for bad in ({"start": span["end"], "end": span["start"]},
                            {"start": span["start"], "end": (datetime(2024, 5, 7, 9, tzinfo=tz)).isoformat()}):
                    r = await api_.get("/api/cameras/gb-tank/device-records", params=bad, headers=duty)
                    assert r.status_code == 422 and r.json()["detail"], r.text
                assert (await api_.get("/api/cameras/gb-tank/device-records", params={"start": "soon", "end": span["end"]},
                                       headers=duty)).status_code == 422
                # The device gone: the worker answers at once with why (503), not at the time-out.
                await dev.close()  # unregisters
                gone = True
                assert await _until(lambda: _async(not rig.platform.platform.devices[DEV].registered), 3)
                r = await api_.get("/api/cameras/gb-tank/device-records", params=span, headers=duty)
                assert r.status_code == 503 and DEV in r.json()["detail"], r.text
                # A camera whose worker is not running: nobody answers, 504 after the bounded wait.
                t0 = time.monotonic()
                r = await api_.get("/api/cameras/gb-far/device-records", params=span, headers=duty)
                assert r.status_code == 504 and "vision-gone" in r.json()["detail"], r.text
                assert 2.4 < time.monotonic() - t0 < 4.5
                # Only the service posts answers; a resend is not stored twice.
                answer = {"request_id": "x" * 12, "worker_id": "vision-1", "camera_id": "gb-tank", "ok": True}
                svc = {"Authorization": f"Bearer {token}"}
                assert (await api_.post("/api/workers/command-results", json=answer, headers=duty)).status_code == 403
                assert (await api_.post("/api/workers/command-results", json=answer, headers=svc)).json() == {"stored": True}
                assert (await api_.post("/api/workers/command-results", json=answer, headers=svc)).json() == {"stored": False}
        finally:
            if not gone:
                await dev.close()

    rig.run(scenario)


@pytest.mark.slow
def test_a_gb_devices_recording_plays_back_to_the_console_through_the_worker_relay(shared_dir, sqlite_url, make_config,
                                                                                  tmp_path, monkeypatch):
    """VID-5 playback: the console asks the service to play a span of the device's recordings; the worker INVITEs
    Playback and passes the session's PS through its relay; the console's WebRTC call-up of that session (the
    service's own feed, apart from the camera's live one) shows the recording's pictures; once nobody watches,
    the worker ends the device's session (BYE)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
    from aiortc.mediastreams import MediaStreamError

    from vision.commands import CURSOR
    from vision.gb28181 import worker_platform
    from vision.gb28181.sim_device import SimDevice

    monkeypatch.setattr(worker_platform, "PLAYBACK_IDLE_S", 1.0)
    sip_port, relay_port, relay_token = free_port(), free_port(), "relay-secret-" + "x" * 8
    cfg = make_config(sqlite_url, vision={
        "media_root": str(tmp_path / "media"), "spool_path": str(tmp_path / "spool.sqlite"),
        "gb28181": _gb(listen_host="127.0.0.1", port=sip_port, transports=["udp"], catalog_on_register=False,
                       request_timeout_s=1, stream_timeout_s=3, relay_port=relay_port, relay_token=relay_token),
        "cameras": [{"id": "gb-tank", "url": f"gb28181://{DEV}/{CHANNEL}", "view_roles": ["duty_officer"]},
                    {"id": "rtsp-gate", "url": "rtsp://127.0.0.1:9/none"}]},
        server={"long_poll_max_s": 1}, live={"linger_s": 0.3})
    rig = _CommandRig(cfg)
    server, worker, poller = rig.server, rig.worker, rig.poller
    tz = ZoneInfo("Asia/Shanghai")
    span = {"start": datetime(2024, 5, 6, 8, tzinfo=tz).isoformat(), "end": datetime(2024, 5, 6, 8, 1, tzinfo=tz).isoformat()}

    async def scenario():
        dev = SimDevice(DEV, "dev-pw", ("127.0.0.1", sip_port), PLATFORM_ID, keepalive_s=0.5,
                        clip=shared_dir / "data/clips/fire8_seq_fire2.mp4")  # 25 s: longer than the viewing
        await dev.start()
        poller.start()
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        try:
            assert await _until(lambda: _async(worker.spool.get_meta(CURSOR) is not None), 5), "the poller never started"
            async with httpx.AsyncClient(base_url=server.url, timeout=15) as api:
                duty = {"Authorization": f"Bearer {server.tokens['duty']}"}
                viewer = {"Authorization": f"Bearer {server.tokens['viewer']}"}
                url = "/api/cameras/gb-tank/device-playback"
                assert (await api.post(url, json=span, headers=viewer)).status_code == 403
                r = await api.post("/api/cameras/rtsp-gate/device-playback", json=span, headers=duty)
                assert r.status_code == 422 and "not a GB/T 28181 channel" in r.json()["detail"]
                assert (await api.post(url, json={**span, "end": span["start"]}, headers=duty)).status_code == 422
                r = await api.post(url, json=span, headers=duty)
                assert r.status_code == 200, r.text
                session = r.json()["session"]
                assert r.json()["relay_path"] == f"/playback/{session}.ps" and r.json()["worker_id"] == "vision-1"
                assert [s for _, s in dev.playbacks] == [(1714953600, 1714953660)] and len(dev.streams) == 1

                # The console's call-up of the session (WebRTC through the service's hub), not of the live view.
                frames: list = []
                pc.addTransceiver("video", direction="recvonly")

                @pc.on("track")
                def on_track(track) -> None:  # noqa: ANN001
                    async def read() -> None:
                        with contextlib.suppress(MediaStreamError):  # the call ends
                            while True:
                                frames.append((await track.recv()).to_ndarray(format="gray"))

                    asyncio.ensure_future(read())

                await pc.setLocalDescription(await pc.createOffer())
                offer = {"type": "offer", "sdp": pc.localDescription.sdp}
                assert (await api.post("/api/live/rtsp-gate/offer", params={"playback": session}, json=offer,
                                       headers=duty)).status_code == 422
                assert (await api.post("/api/live/gb-tank/offer", params={"playback": "no/such"}, json=offer,
                                       headers=duty)).status_code == 422
                r = await api.post("/api/live/gb-tank/offer", params={"playback": session}, json=offer, headers=duty)
                assert r.status_code == 200, r.text
                assert r.json()["status"]["camera_id"] == f"gb-tank@playback-{session}"
                await pc.setRemoteDescription(RTCSessionDescription(sdp=r.json()["sdp"], type="answer"))
                assert await _until(lambda: _async(len(frames) >= 5), 8), f"{len(frames)} frames from the playback"
                assert max(float(f.mean()) for f in frames) > 30 and frames[0].shape == (608, 608)
                live = (await api.get("/api/live/gb-tank/status", headers=duty)).json()
                assert live["open"] is False, "the playback must not open (or be) the camera's live feed"
                # The viewer leaves: the service's feed closes, the relay has no reader, the worker sends BYE.
                await pc.close()
                t0 = time.monotonic()
                assert await _until(lambda: _async(not dev.streams), 6), "the device still plays back"
                print(f"playback ended {time.monotonic() - t0:.1f} s after the viewer left")
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{relay_port}", timeout=5) as relay:
                r = await relay.get(f"/playback/{session}.ps", headers={"Authorization": f"Bearer {relay_token}"})
                assert r.status_code == 404
        finally:
            await pc.close()
            await dev.close()

    rig.run(scenario)
