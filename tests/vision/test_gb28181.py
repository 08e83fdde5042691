"""GB/T 28181 platform side (issue #26): a simulated device registers over real UDP/TCP sockets on
loopback, keeps alive, answers Catalog, moves, goes silent, and streams a real clip as PS over RTP."""

from __future__ import annotations

import asyncio
import time

import pytest

from vision.gb28181 import manscdp, sip
from vision.gb28181.platform import Platform
from vision.gb28181.sim_device import SimDevice
from watchpost.config import Gb28181, parse_config
from watchpost.throwaway import free_port

PLATFORM_ID = "34020000002000000001"
DEV = "34020000001320000001"
OTHER = "34020000001320000002"


def _cfg(**kw) -> Gb28181:
    base = dict(enabled=True, platform_id=PLATFORM_ID, listen_host="127.0.0.1", port=free_port(), password="shared-pw",
                devices=[{"id": DEV, "password": "dev-pw", "name": "东门 East gate"}, {"id": OTHER}],
                keepalive_timeout_s=60, request_timeout_s=3)
    base.update(kw)
    return Gb28181.model_validate(base)


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


async def _until(cond, timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if cond():
            return True
        await asyncio.sleep(0.02)
    return bool(cond())


def _device(cfg: Gb28181, dev_id: str = DEV, password: str = "dev-pw", **kw) -> SimDevice:
    return SimDevice(dev_id, password, ("127.0.0.1", cfg.port), cfg.platform_id, **kw)


def test_config_defaults_and_realm():
    cfg = parse_config({"vision": {"gb28181": {"platform_id": PLATFORM_ID, "devices": [{"id": DEV}]}}}).vision.gb28181
    assert cfg.realm == "3402000000" and not cfg.enabled and cfg.keepalive_timeout_s == 180
    with pytest.raises(Exception):
        parse_config({"vision": {"gb28181": {"devices": [{"id": DEV}, {"id": DEV}]}}})
    with pytest.raises(Exception):
        parse_config({"vision": {"gb28181": {"platform_id": "123"}}})


def test_digest_matches_rfc2617_example():
    # RFC 2617 §3.5's worked example (qop=auth).
    assert sip.digest_response("Mufasa", "testrealm@host.com", "Circle Of Life", "GET", "/dir/index.html",
                               "dcd98b7102dd2f0e8b11d0f600bfb0c093", "auth", "00000001",
                               "0a4f113b") == "6629fae49393a05397450978507c4ef1"


def test_manscdp_gb2312_round_trip():
    body = manscdp.catalog_response(DEV, 7, [manscdp.Channel("34020000001310000001", name="罐区东侧 Tank farm east",
                                                             status="ON", ptz_type=1)])
    assert body.startswith(b'<?xml version="1.0" encoding="GB2312"?>') and "罐区".encode("gb2312") in body
    msg = manscdp.parse(body)
    assert (msg.kind, msg.cmd, msg.sn, msg.device_id) == ("Response", "Catalog", 7, DEV)
    total, items = manscdp.catalog_items(msg)
    assert total == 1 and items[0].name == "罐区东侧 Tank farm east" and items[0].ptz_type == 1 and items[0].online


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_register_keepalive_and_catalog(transport):
    async def scenario():
        cfg = _cfg()
        platform = await Platform(cfg).start()
        dev = _device(cfg, transport=transport, keepalive_s=0.2)
        try:
            await dev.start()
            state = platform.devices[DEV]
            assert state.registered and state.online and state.transport == transport.upper()
            assert state.addr == ("127.0.0.1", dev.port) and state.name == "东门 East gate"
            # The catalog is asked for on registration; the device answers in one MESSAGE per channel.
            assert await _until(lambda: len(state.channels) == 2), "no catalog"
            assert [c.ptz_type for c in state.channels.values()] == [1, 3]
            assert all(c.online for c in state.channels.values())
            seen = state.last_seen
            assert await _until(lambda: state.keepalives >= 2 and state.last_seen > seen), "keepalives not tracked"
            # Asked again on demand, plus DeviceInfo and DeviceStatus.
            channels = await platform.query_catalog(DEV)
            assert sorted(c.device_id for c in channels) == sorted(state.channels)
            info = await platform.device_info(DEV)
            assert info["Manufacturer"] == "Watchpost" and info["Channel"] == "2"
            assert (await platform.device_status(DEV))["Online"] == "ONLINE"
            kinds = [e.kind for e in platform.events]
            assert kinds[:2] == ["registered", "catalog"]
        finally:
            await dev.close()
            await asyncio.sleep(0.1)
            await platform.stop()
        assert not platform.devices[DEV].registered and platform.events[-1].kind == "unregistered"

    run(scenario())


def test_wrong_password_is_refused_with_401_and_reported():
    async def scenario():
        cfg = _cfg()
        events = []
        platform = await Platform(cfg, on_event=events.append).start()
        dev = _device(cfg, password="guess")
        intruder = _device(cfg, dev_id="34020000001320000099", password="shared-pw")
        try:
            await dev.start(register=False, keepalives=False)
            assert await dev.register() == 401
            assert DEV not in platform.devices or not platform.devices[DEV].registered
            failed = [e for e in events if e.kind == "auth_failed"]
            assert len(failed) == 1 and failed[0].device_id == DEV and failed[0].detail == "wrong password"
            assert failed[0].addr == ("127.0.0.1", dev.port)
            # A keepalive from a device that is not registered is refused (the device registers again).
            assert await dev.keepalive() == 403
            # The shared password does not admit a device that is not listed...
            await intruder.start(register=False, keepalives=False)
            assert await intruder.register() == 403
            assert events[-1].kind == "auth_failed" and events[-1].detail == "not a listed device"
            # ...and the right one does.
            assert await dev.register("dev-pw") == 200 and platform.devices[DEV].online
            # A listed device without its own password uses the shared one.
            other = _device(cfg, dev_id=OTHER, password="shared-pw")
            await other.start(keepalives=False)
            assert platform.devices[OTHER].online
            await other.close()
        finally:
            await dev.close(unregister=False)
            await intruder.close(unregister=False)
            await platform.stop()

    run(scenario())


def test_silent_device_goes_offline_and_comes_back():
    async def scenario():
        cfg = _cfg(keepalive_timeout_s=0.6, catalog_on_register=False)
        platform = await Platform(cfg).start()
        dev = _device(cfg, keepalive_s=0.1)
        try:
            await dev.start()
            state = platform.devices[DEV]
            assert await _until(lambda: state.keepalives >= 3)
            await asyncio.sleep(0.5)
            assert state.online, "went offline while keeping alive"
            dev.stop_keepalives()  # the device hangs
            t0 = time.monotonic()
            assert await _until(lambda: not state.online, 5), "never marked offline"
            assert time.monotonic() - t0 >= 0.4
            ev = platform.events[-1]
            assert ev.kind == "offline" and ev.device_id == DEV and ev.detail.startswith("no keepalive")
            assert state.registered  # its registration still runs; only its keepalives stopped
            dev.start_keepalives()
            assert await _until(lambda: state.online, 5)
            assert platform.events[-1].kind == "online"
        finally:
            await dev.close()
            await platform.stop()

    run(scenario())


def test_registration_expiry_marks_offline():
    async def scenario():
        cfg = _cfg(catalog_on_register=False)
        platform = await Platform(cfg).start()
        dev = _device(cfg, expires=1)
        try:
            await dev.start(keepalives=False)
            state = platform.devices[DEV]
            assert await _until(lambda: not state.registered, 4), "registration never ran out"
            assert platform.events[-1].kind == "offline" and platform.events[-1].detail == "registration expired"
        finally:
            await dev.close(unregister=False)
            await platform.stop()

    run(scenario())


def test_re_registration_from_another_address_moves_the_device():
    async def scenario():
        cfg = _cfg()
        platform = await Platform(cfg).start()
        dev = _device(cfg, keepalive_s=0.2)
        try:
            await dev.start()
            state = platform.devices[DEV]
            first = state.addr
            assert await _until(lambda: len(state.channels) == 2)
            asked = dev.queries.count("Catalog")
            assert await dev.move() == 200
            assert state.addr == ("127.0.0.1", dev.port) != first and state.online
            moved = [e for e in platform.events if e.kind == "moved"]
            assert len(moved) == 1 and moved[0].detail == f"was {first[0]}:{first[1]}"
            # Requests now go to the new address: the catalog is asked again there and answered.
            assert await _until(lambda: dev.queries.count("Catalog") > asked)
            assert len(await platform.query_catalog(DEV)) == 2
        finally:
            await dev.close()
            await platform.stop()

    run(scenario())


@pytest.mark.slow
@pytest.mark.parametrize("transport", ["udp", "tcp_passive", "tcp_active"])
def test_live_video_ps_over_rtp_decodes(shared_dir, transport):
    """VID-5: PS over RTP/UDP, and over TCP (RFC 4571 framing) with the platform listening (the device
    connects) or connecting to the port the device answers with."""
    from vision.gb28181.media import RtpPsReceiver

    clip = shared_dir / "data/clips/fire8_seq_fire2.mp4"

    async def scenario():
        cfg = _cfg(catalog_on_register=True)
        platform = await Platform(cfg).start()
        dev = _device(cfg, clip=clip)
        receiver = RtpPsReceiver("127.0.0.1", transport=transport)
        try:
            await dev.start()
            state = platform.devices[DEV]
            assert await _until(lambda: len(state.channels) == 2)
            channel = sorted(state.channels)[0]
            session = await platform.invite(DEV, channel, "127.0.0.1", receiver.port, transport=transport)
            assert session.remote.tcp == (transport != "udp")
            assert session.remote.setup == {"udp": "", "tcp_passive": "active", "tcp_active": "passive"}[transport]
            if transport == "tcp_active":
                receiver.connect(session.remote.host, session.remote.port)
            receiver.ssrc = int(session.ssrc)
            loop = asyncio.get_running_loop()

            def take(n):
                out = []
                for frame in receiver.frames():
                    out.append(frame)
                    if len(out) >= n:
                        break
                return out

            frames = await asyncio.wait_for(loop.run_in_executor(None, take, 15), 30)
            assert len(frames) == 15 and frames[0].image.shape == (608, 608, 3)
            assert frames[-1].t > frames[0].t  # timestamps from the PES headers
            assert dev.streams and receiver.packets > 0 and receiver.foreign == 0
            await platform.bye(session)
            assert await _until(lambda: not dev.streams), "device kept streaming after BYE"
        finally:
            receiver.close()
            await dev.close()
            await platform.stop()

    run(scenario())


@pytest.mark.slow
def test_a_device_that_answers_tcp_media_with_udp_is_hung_up_on(shared_dir):
    """A device that cannot send over TCP answers the TCP offer with RTP/AVP: the stream would never reach
    the port we listen on, so the platform ends the session (BYE) and says why."""
    from vision.gb28181.media import RtpPsReceiver
    from vision.gb28181.platform import RequestTimeout

    async def scenario():
        cfg = _cfg(catalog_on_register=True)
        platform = await Platform(cfg).start()
        dev = _device(cfg, clip=shared_dir / "data/clips/fire8_seq_fire2.mp4", tcp_media=False)
        receiver = RtpPsReceiver("127.0.0.1", transport="tcp_passive", timeout_s=2)
        try:
            await dev.start()
            state = platform.devices[DEV]
            assert await _until(lambda: len(state.channels) == 2)
            with pytest.raises(RequestTimeout, match="tcp_passive media, the device answered RTP/AVP"):
                await platform.invite(DEV, sorted(state.channels)[0], "127.0.0.1", receiver.port, transport="tcp_passive")
            assert not platform.sessions
            assert await _until(lambda: not dev.streams), "the device kept streaming: no BYE"
        finally:
            receiver.close()
            await dev.close()
            await platform.stop()

    run(scenario())


def test_an_overheard_register_cannot_be_replayed_from_elsewhere():
    """Nonces are single-use: a REGISTER captured on the wire and sent again from another address
    is challenged afresh and does not move the device."""
    import socket

    async def scenario():
        cfg = _cfg(catalog_on_register=False)
        platform = await Platform(cfg).start()
        loop = asyncio.get_running_loop()
        a, b = (socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2))
        for s in (a, b):
            s.bind(("127.0.0.1", 0))
            s.settimeout(3)

        def register(sock, auth=None, raw=None):
            port = sock.getsockname()[1]
            extra = {"Expires": "3600", **({"Authorization": auth} if auth else {})}
            req = raw or bytes(sip.request("REGISTER", f"sip:{PLATFORM_ID}@3402000000", via_host="127.0.0.1",
                                           via_port=port, transport="UDP", from_uri=f"sip:{DEV}@3402000000",
                                           from_tag="t1", to_uri=f"sip:{DEV}@3402000000", call_id="c1@x", cseq=1,
                                           contact=f"sip:{DEV}@127.0.0.1:{port}", extra=extra))
            sock.sendto(req, ("127.0.0.1", cfg.port))
            return req, sip.parse(sock.recv(65536))

        try:
            _, challenge = await loop.run_in_executor(None, register, a)
            assert challenge.status_code == 401
            chal = sip.parse_auth(sip.need(challenge, "WWW-Authenticate"))
            auth = sip.authorization(chal, DEV, "dev-pw", "REGISTER", f"sip:{PLATFORM_ID}@3402000000")
            captured, ok = await loop.run_in_executor(None, lambda: register(a, auth))
            assert ok.status_code == 200 and platform.devices[DEV].addr == a.getsockname()
            _, replayed = await loop.run_in_executor(None, lambda: register(b, raw=captured))
            assert replayed.status_code == 401 and "stale=TRUE" in sip.need(replayed, "WWW-Authenticate")
            assert platform.devices[DEV].addr == a.getsockname()
            assert not [e for e in platform.events if e.kind == "moved"]
        finally:
            a.close()
            b.close()
            await platform.stop()

    run(scenario())


@pytest.mark.slow
def test_fire_is_detected_on_a_gb28181_live_stream(shared_dir):
    """The worker's detection path (motion gate → fire/smoke detector → k-of-n rule) on frames that
    came as PS over RTP from the simulated device, sampled at the camera's detect_fps."""
    from vision.gb28181.media import RtpPsReceiver
    from vision.pipeline import load_detectors
    from vision.processor import CameraProcessor
    from watchpost.config import Camera

    config = parse_config({}, environ={})
    try:
        detectors = load_detectors(config, {"firesmoke"})
    except FileNotFoundError as exc:
        pytest.skip(f"shipped weights missing: {exc}")
    camera = Camera(id="gb-ch1", url="gb28181 (not a source yet)", profile="warehouse", detect_fps=2)
    proc = CameraProcessor(camera, config, detectors)

    async def scenario():
        cfg = _cfg()
        platform = await Platform(cfg).start()
        dev = _device(cfg, clip=shared_dir / "data/clips/fire8_seq_fire2.mp4")
        receiver = RtpPsReceiver("127.0.0.1")
        try:
            await dev.start()
            state = platform.devices[DEV]
            assert await _until(lambda: len(state.channels) == 2)
            session = await platform.invite(DEV, sorted(state.channels)[0], "127.0.0.1", receiver.port)

            def watch():
                next_t, t0 = 0.0, None
                for frame in receiver.frames():
                    t0 = frame.t if t0 is None else t0
                    t = frame.t - t0
                    if t > 15:
                        return None
                    if t + 1e-6 < next_t:
                        continue
                    next_t = t + 1.0 / camera.detect_fps
                    fire = [e for e in proc.process([(frame.image, t)]) if e.kind == "raised" and e.type == "fire"]
                    if fire:
                        return fire[0]

            event = await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(None, watch), 60)
            assert event is not None, "no fire alarm within 15 s of stream"
            assert event.t <= 5.0 and event.boxes[0].cls == "fire"
            await platform.bye(session)
        finally:
            receiver.close()
            await dev.close()
            await platform.stop()

    run(scenario())


# -- PTZ, RecordInfo, Playback (VID-5: PTZ control, query and playback of a GB/T 28181 camera) ------------

def test_ptz_cmd_encoding_follows_annex_a3():
    from vision.gb28181 import ptz

    # Byte 8 is the sum of bytes 1-7 mod 256; byte 2 is version 0 and its check nibble F.
    assert ptz.encode(ptz.Move(tilt="up", tilt_speed=0xFA)) == "A50F010800FA00B7"
    assert ptz.encode(ptz.Move()) == "A50F0100000000B5"  # stop
    assert ptz.encode(ptz.Move(pan="left", tilt="up", pan_speed=0x10, tilt_speed=0x20)) == "A50F010A102000EF"
    assert ptz.encode(ptz.Move(zoom="in", zoom_speed=0x0F)) == "A50F01100000F0B5"
    assert ptz.encode(ptz.Lens(focus="far", focus_speed=0x20)) == "A50F014120000016"
    assert ptz.encode(ptz.Lens(iris="open", iris_speed=0x20)) == "A50F014400200019"
    assert ptz.encode(ptz.Preset("call", 5)) == "A50F01820005003C"
    for cmd in (ptz.Move(pan="right", tilt="down", zoom="out", pan_speed=1, tilt_speed=255, zoom_speed=3),
                ptz.Lens(focus="near", iris="close", focus_speed=9, iris_speed=8), ptz.Preset("set", 255)):
        assert ptz.decode(ptz.encode(cmd)) == cmd
    for bad in ("A50F0108", "A50F010800FA00B8", "A50E010800FA00B6", "zz" * 8, "A50F01C000000075"):
        with pytest.raises(ValueError):
            ptz.decode(bad)
    with pytest.raises(ValueError):
        ptz.encode(ptz.Move(zoom="in", zoom_speed=16))
    with pytest.raises(ValueError):
        ptz.encode(ptz.Preset("call", 0))
    # The console's speeds in [-1, 1], the sign the direction.
    assert ptz.from_console("move", pan=0.001, tilt=-1) == ptz.Move(pan="right", tilt="down", pan_speed=1, tilt_speed=255)
    assert ptz.from_console("stop") == ptz.Move() and ptz.from_console("preset", preset=4) == ptz.Preset("call", 4)


def test_ptz_reaches_the_device_decoded():
    from vision.gb28181 import ptz

    async def scenario():
        cfg = _cfg(catalog_on_register=False)
        platform = await Platform(cfg).start()
        dev = _device(cfg)
        try:
            await dev.start(keepalives=False)
            channel = dev.channels[0].device_id
            await platform.ptz(DEV, channel, ptz.Move(pan="left", zoom="in", pan_speed=0x40, zoom_speed=2))
            await platform.ptz(DEV, channel, ptz.Move())
            await platform.ptz(DEV, channel, ptz.Preset("call", 3))
            assert await _until(lambda: len(dev.ptz) == 3)
            assert dev.ptz == [(channel, ptz.Move(pan="left", zoom="in", pan_speed=0x40, zoom_speed=2)),
                               (channel, ptz.Move()), (channel, ptz.Preset("call", 3))]
        finally:
            await dev.close()
            await platform.stop()

    run(scenario())


def _records(channel: str):
    from datetime import datetime

    from vision.gb28181.manscdp import Record

    day = datetime(2024, 5, 6)
    return [Record(channel, day.replace(hour=h), day.replace(hour=h, minute=10), name=f"rec{h}", file_size=1000 * h)
            for h in (8, 9, 13)]


def test_record_info_gathers_the_recordings_of_a_span():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Shanghai")

    async def scenario():
        cfg = _cfg(catalog_on_register=False)
        platform = await Platform(cfg, timezone="Asia/Shanghai").start()
        dev = _device(cfg)
        channel = dev.channels[0].device_id
        dev.records = _records(channel)
        try:
            await dev.start(keepalives=False)
            # 08:05-12:00 local: the 08:00 and 09:00 files overlap it (each answered in its own MESSAGE).
            found = await platform.record_info(DEV, channel, datetime(2024, 5, 6, 8, 5, tzinfo=tz),
                                               datetime(2024, 5, 6, 12, 0, tzinfo=tz))
            assert [(r.name, r.start.hour, r.file_size) for r in found] == [("rec8", 8, 8000), ("rec9", 9, 9000)]
            assert found[0].start.tzinfo is not None and found[0].end == datetime(2024, 5, 6, 8, 10, tzinfo=tz)
            # Asked in UTC, answered for the same instants in the device's local time.
            utc = ZoneInfo("UTC")
            again = await platform.record_info(DEV, channel, datetime(2024, 5, 6, 5, 0, tzinfo=utc),
                                               datetime(2024, 5, 6, 6, 0, tzinfo=utc))
            assert [r.name for r in again] == ["rec13"]
            assert await platform.record_info(DEV, channel, datetime(2024, 5, 7, tzinfo=tz),
                                              datetime(2024, 5, 8, tzinfo=tz)) == []
            with pytest.raises(ValueError):
                await platform.record_info(DEV, channel, datetime(2024, 5, 8, tzinfo=tz), datetime(2024, 5, 7, tzinfo=tz))
        finally:
            await dev.close()
            await platform.stop()

    run(scenario())


@pytest.mark.slow
def test_playback_streams_the_recorded_span_then_ends(shared_dir):
    from vision.gb28181.media import RtpPsReceiver

    async def scenario():
        cfg = _cfg(catalog_on_register=False)
        ended = []
        platform = await Platform(cfg, on_session_end=ended.append).start()
        dev = _device(cfg, clip=shared_dir / "data/clips/fire8_seq_fire2.mp4")
        channel = dev.channels[0].device_id
        dev.records = _records(channel)
        receiver = RtpPsReceiver("127.0.0.1", timeout_s=5)
        try:
            await dev.start(keepalives=False)
            from datetime import datetime
            from zoneinfo import ZoneInfo

            tz = ZoneInfo("Asia/Shanghai")
            rec = (await platform.record_info(DEV, channel, datetime(2024, 5, 6, 8, tzinfo=tz),
                                              datetime(2024, 5, 6, 8, 30, tzinfo=tz)))[0]
            # 2 s of the 08:00 recording.
            start = rec.start.replace(second=30)
            session = await platform.invite(DEV, channel, "127.0.0.1", receiver.port,
                                            playback=(start, start.replace(second=32)))
            assert session.playback and session.ssrc.startswith("1")  # Annex F: 1 = history
            assert dev.playbacks == [(channel, (int(start.timestamp()), int(start.timestamp()) + 2))]
            receiver.ssrc = int(session.ssrc)
            frames = asyncio.get_running_loop().run_in_executor(None, lambda: list(receiver.frames()))
            assert await _until(lambda: bool(ended), 10), "no MediaStatus 121 at the end of the file"
            assert ended[0] is session and session.end_reason == "end of file"
            await platform.bye(session)
            assert await _until(lambda: not dev.streams)
            await asyncio.sleep(0.3)  # the last packets in flight
            receiver.close()
            frames = await frames
            # 2 s at the clip's 10 fps, give or take a pack at the edges.
            assert 15 <= len(frames) <= 25 and frames[0].image.shape == (608, 608, 3)
            with pytest.raises(ValueError):
                await platform.invite(DEV, channel, "127.0.0.1", receiver.port, playback=(start, start))
        finally:
            receiver.close()
            await dev.close()
            await platform.stop()

    run(scenario())


def test_mansrtsp_bodies_round_trip_and_refuse_what_they_cannot_say():
    from vision.gb28181 import mansrtsp

    assert mansrtsp.request("pause", 3) == b"PAUSE MANSRTSP/1.0\r\nCSeq: 3\r\nPauseTime: now\r\n"
    assert mansrtsp.request("play", 4) == b"PLAY MANSRTSP/1.0\r\nCSeq: 4\r\nRange: npt=now-\r\n"
    assert mansrtsp.request("seek", 5, seek_s=90) == b"PLAY MANSRTSP/1.0\r\nCSeq: 5\r\nRange: npt=90-\r\n"
    assert mansrtsp.request("scale", 6, scale=2) == b"PLAY MANSRTSP/1.0\r\nCSeq: 6\r\nScale: 2\r\n"
    for action, kw in (("pause", {}), ("play", {}), ("seek", {"seek_s": 12.5}), ("scale", {"scale": 0.5})):
        ctl = mansrtsp.parse(mansrtsp.request(action, 7, **kw))
        assert (ctl.action, ctl.cseq, ctl.npt, ctl.scale) == (action, 7, kw.get("seek_s"), kw.get("scale"))
    for bad in ({"action": "scale", "scale": 16}, {"action": "scale"}, {"action": "seek", "seek_s": -1},
                {"action": "seek"}, {"action": "stop"}):
        with pytest.raises(ValueError):
            mansrtsp.request(bad.pop("action"), 1, **bad)
    for body in (b"", b"TEARDOWN MANSRTSP/1.0\r\nCSeq: 1\r\n", b"PLAY HTTP/1.1\r\n", b"PLAY MANSRTSP/1.0\r\nScale: fast\r\n",
                 b"PLAY MANSRTSP/1.0\r\nRange: clock=20240101T000000Z-\r\n"):
        with pytest.raises(ValueError):
            mansrtsp.parse(body)
    # A device's own spelling: RTSP/1.0 as the version (2014-era), headers in any case.
    assert mansrtsp.parse(b"play RTSP/1.0\r\ncseq: 2\r\nrange: npt=30-\r\n").npt == 30


@pytest.mark.slow
def test_playback_pauses_resumes_seeks_and_changes_speed(shared_dir):
    """VID-5 playback control (Annex B): INFO with MANSRTSP. Paused, the device sends nothing; resumed, it goes
    on; at 4x it sends about four times as fast; a seek is read as the seconds asked."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from vision.gb28181.media import RtpPsReceiver

    async def scenario():
        cfg = _cfg(catalog_on_register=False)
        platform = await Platform(cfg).start()
        dev = _device(cfg, clip=shared_dir / "data/clips/fire8_seq_fire2.mp4")
        channel = dev.channels[0].device_id
        dev.records = _records(channel)
        receiver = RtpPsReceiver("127.0.0.1", timeout_s=10, decode=False)
        tz = ZoneInfo("Asia/Shanghai")
        start = datetime(2024, 5, 6, 8, 0, 0, tzinfo=tz)
        try:
            await dev.start(keepalives=False)
            session = await platform.invite(DEV, channel, "127.0.0.1", receiver.port,
                                            playback=(start, start.replace(second=25)))

            async def rate(seconds: float) -> float:
                before = receiver.packets
                await asyncio.sleep(seconds)
                return (receiver.packets - before) / seconds

            assert await _until(lambda: receiver.packets > 0, 5)
            normal = await rate(1.5)
            await platform.playback_control(session, "pause")
            await asyncio.sleep(0.3)  # what was in flight
            assert await rate(1.0) == 0, "the device kept sending while paused"
            await platform.playback_control(session, "play")
            assert await rate(1.0) > 0
            await platform.playback_control(session, "scale", scale=4)
            fast = await rate(1.5)
            assert fast > 2.5 * normal, (normal, fast)
            await platform.playback_control(session, "seek", seek_s=2)
            assert await rate(0.5) > 0
            assert [(c.action, c.scale, c.npt) for c in dev.controls] == [
                ("pause", None, None), ("play", None, None), ("scale", 4.0, None), ("seek", None, 2.0)]
            assert [c.cseq for c in dev.controls] == [1, 2, 3, 4]
            await platform.bye(session)
            with pytest.raises(ValueError):  # the session is over
                await platform.playback_control(session, "pause")
        finally:
            receiver.close()
            await dev.close()
            await platform.stop()

    run(scenario())
