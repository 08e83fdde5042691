"""Self-alarms (issue #26, NFR-10): the pure rules of ``command.domain.self_checks``, and a starved
camera — a worker reporting 0.2 fps analysed for a camera set to 2 fps — raising exactly one system
alarm through the normal intake, its repeats folding into it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from command.domain import self_checks as sc
from command.domain.self_checks import Limits, WorkerFigures

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
LIM = Limits()


def hb(fps_analysed: float = 2.0, **cam) -> dict:
    return {"worker_id": "vision-1", "spool_depth": 0, "cameras": [
        {"camera_id": "gate-1", "detect_fps": 2.0, "fps_in": 25.0, "fps_analysed": fps_analysed, "online": True} | cam]}


# -- the pure rules --------------------------------------------------------------------------------------
def test_a_camera_under_its_share_is_starved_unless_offline_a_drill_or_its_worker_silent():
    w = WorkerFigures("vision-1", T0, hb(0.2))
    (f,) = sc.starved_cameras([w], T0, LIM, {"gate-1": 2.0})
    assert f.key == "camera_starved:gate-1" and f.type == "camera_starved" and f.camera_id == "gate-1"
    assert "0.20 fps" in f.description and f.data["detect_fps"] == 2.0
    assert sc.starved_cameras([WorkerFigures("vision-1", T0, hb(1.5))], T0, LIM, {"gate-1": 2.0}) == []
    # the service's config decides the rate; the heartbeat's own figure only when the service does not know it
    assert sc.starved_cameras([WorkerFigures("vision-1", T0, hb(1.5))], T0, LIM, {"gate-1": 5.0})
    assert sc.starved_cameras([WorkerFigures("vision-1", T0, hb(0.2))], T0, LIM, {})
    assert sc.starved_cameras([WorkerFigures("vision-1", T0, hb(0.2, online=False))], T0, LIM, {}) == []
    assert sc.starved_cameras([WorkerFigures("vision-1", T0, hb(0.2, drill=True))], T0, LIM, {}) == []
    late = T0 + timedelta(seconds=LIM.worker_silent_s + 1)
    assert sc.starved_cameras([w], late, LIM, {}) == []  # stale figures: the silent worker is the finding
    (silent,) = sc.silent_workers([w], late, LIM)
    assert silent.key == "worker_silent:vision-1" and silent.place == "vision-1"
    assert sc.silent_workers([w], T0 + timedelta(seconds=LIM.worker_silent_s), LIM) == []


def test_hold_reports_a_condition_only_after_it_lasted_and_forgets_it_when_it_clears():
    f = sc.Finding("camera_starved:gate-1", "camera_starved", "vision-1", "x", camera_id="gate-1")
    due, onsets = sc.hold([f], {}, T0, 120)
    assert due == [] and onsets == {f.key: T0}
    due, onsets = sc.hold([f], onsets, T0 + timedelta(seconds=119), 120)
    assert due == []
    due, onsets = sc.hold([f], onsets, T0 + timedelta(seconds=120), 120)
    assert due == [f]
    _, onsets = sc.hold([], onsets, T0 + timedelta(seconds=150), 120)
    assert onsets == {}
    due, _ = sc.hold([f], onsets, T0 + timedelta(seconds=160), 120)
    assert due == []  # starved again: the clock starts over


def test_a_spool_alarms_only_when_it_has_only_grown_for_the_window():
    lim = Limits(spool_min=10, spool_growing_s=300)
    at = [T0 + timedelta(seconds=s) for s in (0, 100, 200, 300, 400)]
    now = at[-1]
    growing = list(zip(at, [5, 8, 12, 20, 30]))
    (f,) = sc.spool_growing("vision-1", growing, now, lim)
    assert f.key == "spool_growing:vision-1" and f.data == {"depth": 30, "was": 5}
    assert sc.spool_growing("vision-1", list(zip(at, [5, 8, 12, 9, 30])), now, lim) == []  # it drained once
    assert sc.spool_growing("vision-1", list(zip(at, [1, 2, 3, 4, 5])), now, lim) == []  # under spool_min
    assert sc.spool_growing("vision-1", growing[-2:], now, lim) == []  # history does not reach back the window
    assert sc.spool_growing("vision-1", list(zip(at, [30] * 5)), now, lim) == []  # full but not growing


def test_disk_and_outbox_thresholds():
    quota = 100 * 1024**3
    assert sc.disk_over_share(int(0.89 * quota), quota, LIM) == []
    (d,) = sc.disk_over_share(int(0.95 * quota), quota, LIM)
    assert d.key == "disk_quota:media" and "95%" in d.description
    assert sc.disk_over_share(None, quota, LIM) == []
    assert sc.outbox_backlog(200, 599.0, LIM) == []
    (o,) = sc.outbox_backlog(201, None, LIM)
    assert o.key == "outbox_backlog:comms" and "201 messages" in o.description
    (o,) = sc.outbox_backlog(3, 601.0, LIM)
    assert "oldest pending for 601 s" in o.description
    assert Limits.of(SimpleNamespace(**{k: 1 for k in Limits.__dataclass_fields__})) == Limits(
        *[1] * len(Limits.__dataclass_fields__))


def replica(rid: str, addr: str, started_s: float, last_s: float, leader: bool = False) -> sc.ReplicaFigures:
    return sc.ReplicaFigures(rid, addr, 4000 + len(rid), T0 + timedelta(seconds=started_s),
                             T0 + timedelta(seconds=last_s), leader)


def test_a_silent_replica_is_alarmed_unless_a_newer_process_took_its_place():
    now = T0 + timedelta(seconds=300)
    lim = Limits(replica_silent_s=60)
    alive = replica("r1", "cmd-1:8081", 0, 295)
    dead = replica("r2", "cmd-1:8082", 0, 200, leader=True)
    (f,), replaced = sc.silent_replicas([alive, dead], now, lim)
    assert replaced == [] and f.key == "replica_silent:r2" and f.type == "replica_silent" and f.place == "cmd-1:8082"
    assert "100 s" in f.description and "ran the background loops" in f.description and f.data["pid"] == dead.pid
    assert sc.silent_replicas([replica("r2", "cmd-1:8082", 0, 241)], now, lim) == ([], [])  # 59 s: not yet
    # its supervisor restarted it on the same address: the old row goes, nothing is alarmed
    restarted = replica("r3", "cmd-1:8082", 205, 299)
    assert sc.silent_replicas([alive, dead, restarted], now, lim) == ([], ["r2"])
    # a process that was already running there before the silence stands in for nobody
    (f,), _ = sc.silent_replicas([dead, replica("r4", "cmd-1:8082", 10, 299)], now, lim)
    assert f.key == "replica_silent:r2"
    # two processes on one address (serve --workers 2) die, one comes back: one is still missing
    found, replaced = sc.silent_replicas([replica("w1", "cmd-2:8080", 0, 100), replica("w2", "cmd-2:8080", 0, 110),
                                          replica("w3", "cmd-2:8080", 150, 299)], now, lim)
    assert replaced == ["w1"] and [f.key for f in found] == ["replica_silent:w2"]


# -- a starved camera through the intake -------------------------------------------------------------------------
@pytest.fixture
def monitored(db_url, make_config, tmp_path):
    from command.app import build_state
    from watchpost.clock import FakeClock

    cfg = make_config(db_url, vision={
        "media_root": str(tmp_path / "media"), "spool_path": str(tmp_path / "spool.sqlite"),
        "cameras": [{"id": "gate-1", "name": "东门", "site": "north", "url": "rtsp://x/1", "detect_fps": 2.0}]})
    clock = FakeClock(T0)
    state = build_state(cfg, clock=clock)
    yield state, clock
    state.engine.dispose()


def beat(state, fps_analysed: float, **extra) -> None:  # noqa: ANN001
    from command.services.system_health import store_heartbeat
    from watchpost.events import WorkerHeartbeat

    with state.sessions() as db:
        store_heartbeat(db, WorkerHeartbeat(**(hb(fps_analysed) | extra)), state.clock.now())


def system_alarms(state) -> list:  # noqa: ANN001
    from command.services import intake

    with state.sessions() as db:
        return intake.search(db, source="system")


def test_a_starved_camera_raises_one_system_alarm_and_its_repeats_fold_into_it(monitored):
    from command.services.self_monitor import SelfMonitor

    state, clock = monitored
    mon = SelfMonitor(state)
    beat(state, 0.2)
    assert mon.run_once() == [] and system_alarms(state) == []  # not starved for long enough yet
    clock.advance(60)
    beat(state, 0.2)
    assert mon.run_once() == []
    clock.advance(61)  # 121 s under its share
    beat(state, 0.2)
    (f,) = mon.run_once()
    assert f.key == "camera_starved:gate-1"
    (a,) = system_alarms(state)
    assert (a.type, a.camera_id, a.source, a.status, a.occurrences) == ("camera_starved", "gate-1", "system", "new", 1)
    assert a.site == "north" and a.location_name == "东门" and "0.20 fps" in a.description
    assert a.raw["monitor"] == "camera_starved:gate-1" and a.warning_id is not None

    clock.advance(10)
    beat(state, 0.2)
    assert mon.run_once() == []  # posted 10 s ago: nothing new to say yet
    for _ in range(3):
        clock.advance(60)
        beat(state, 0.2)
        assert len(mon.run_once()) == 1
    (a,) = system_alarms(state)  # still one alarm, seen more often and later
    assert a.occurrences == 4 and a.last_seen_at == clock.now()

    # a restarted service (a new monitor, no memory) folds into the same open alarm too
    again = SelfMonitor(state)
    again.onsets = {"camera_starved:gate-1": clock.now() - timedelta(seconds=300)}
    clock.advance(30)
    beat(state, 0.2)
    assert len(again.run_once()) == 1
    (a,) = system_alarms(state)
    assert a.occurrences == 5

    # the camera recovers: nothing more is posted
    clock.advance(60)
    beat(state, 1.9)
    assert mon.run_once() == [] and mon.onsets == {}
    assert system_alarms(state)[0].occurrences == 5


def test_a_silent_worker_a_full_disk_and_an_outbox_backlog_are_alarmed(monitored):
    from command.services.self_monitor import SelfMonitor

    state, clock = monitored
    state.config.monitor.outbox_oldest_s = 60
    mon = SelfMonitor(state)
    beat(state, 2.0, media_bytes=int(0.95 * 100 * 1024**3))
    (disk,) = mon.run_once()
    assert disk.key == "disk_quota:media"
    from comms.models import OutboxRecord

    with state.sessions() as db:
        db.add(OutboxRecord(client_ref="m-1", channel="sms", recipient="+8613900000001", body="x",
                            created_at=clock.now() - timedelta(seconds=120)))
        db.commit()
    clock.advance(LIM.worker_silent_s + 5)  # no heartbeat since
    keys = {f.key for f in mon.run_once()}
    assert keys == {"worker_silent:vision-1", "disk_quota:media", "outbox_backlog:comms"}
    types = sorted(a.type for a in system_alarms(state))
    assert types == ["disk_quota", "outbox_backlog", "worker_silent"]
    clock.advance(60)
    mon.run_once()
    assert len(system_alarms(state)) == 3  # repeats fold


def test_a_killed_service_replica_raises_one_alarm_and_an_orderly_stop_or_a_restart_raises_none(monitored):
    """Each service process records a heartbeat; the leader's self-monitor alarms on one gone quiet, through the
    intake (repeats fold), and forgets one whose supervisor restarted it."""
    from command.services import replicas
    from command.services.self_monitor import SelfMonitor

    state, clock = monitored
    state.config.monitor.replica_silent_s = 60
    leader = state.push.replica  # the process's identity, the one its push events carry
    me = replicas.ReplicaBeat(state)
    me.round()
    for rid, port in (("killed01", 8082), ("stopped1", 8083)):
        with state.sessions() as db:
            replicas.record(db, rid, f"cmd-1:{port}", 4242, clock.now(), clock.now(), leader=False)
    with state.sessions() as db:
        replicas.forget(db, ["stopped1"])  # what an orderly stop does (ReplicaBeat.stop)
        assert {r.replica_id for r in replicas.replicas(db)} == {leader, "killed01"}
    mon = SelfMonitor(state)
    clock.advance(30)
    me.round()
    assert [f for f in mon.run_once() if f.type == "replica_silent"] == []
    clock.advance(31)
    me.round()
    (f,) = [f for f in mon.run_once() if f.type == "replica_silent"]
    assert f.key == "replica_silent:killed01" and f.place == "cmd-1:8082"
    for _ in range(2):
        clock.advance(60)
        me.round()
        mon.run_once()
    (a,) = [a for a in system_alarms(state) if a.type == "replica_silent"]
    assert a.occurrences == 3 and a.location_name == "cmd-1:8082" and a.status == "new"  # deduplicated

    with state.sessions() as db:  # its supervisor starts it again on the same address
        replicas.record(db, "reborn01", "cmd-1:8082", 4343, clock.now(), clock.now(), leader=False)
    clock.advance(60)
    me.round()
    with state.sessions() as db:
        replicas.record(db, "reborn01", "cmd-1:8082", 4343, clock.now(), clock.now(), leader=False)  # its beat
    assert [f for f in mon.run_once() if f.type == "replica_silent"] == []
    with state.sessions() as db:
        assert {r.replica_id for r in replicas.replicas(db)} == {leader, "reborn01"}
    me.stop()
    with state.sessions() as db:
        assert {r.replica_id for r in replicas.replicas(db)} == {"reborn01"}


def test_the_worker_side_heartbeat_reaches_the_service_and_a_starved_camera_is_alarmed(sqlite_url, make_config,
                                                                                       tmp_path):
    """The worker's monitor builds the heartbeat from its readers and spool, posts it over HTTP; the service's
    self-monitor finds the camera that gets 25 fps in but has no detection pass: one system alarm."""
    from fastapi.testclient import TestClient

    from command.app import create_app
    from command.services.auth import add_user, issue_token
    from command.services.self_monitor import SelfMonitor
    from vision.monitor import WorkerMonitor
    from watchpost.db import session_scope
    from watchpost.events import CameraHealth

    cfg = make_config(sqlite_url, vision={
        "media_root": str(tmp_path / "media"), "spool_path": str(tmp_path / "spool.sqlite"),
        "service_url": "http://testserver",
        "cameras": [{"id": "gate-1", "url": "rtsp://x/1", "detect_fps": 2.0},
                    {"id": "tank-2", "url": "rtsp://x/2", "detect_fps": 2.0}]},
        monitor={"starved_for_s": 0})
    app = create_app(cfg, run_background=False)
    state = app.state.wp
    with session_scope(state.sessions) as db:
        cfg.vision.service_token = issue_token(db, add_user(db, "vision-1", "Password-1-vision-1", "service"),
                                               "api", None)
        viewer = issue_token(db, add_user(db, "view1", "Password-1-view1", "viewer"), "api", None)

    class Reader:
        def __init__(self, cam):  # noqa: ANN001
            self.cam = cam

        def snapshot_health(self, worker_id: str) -> CameraHealth:
            return CameraHealth(camera_id=self.cam.id, worker_id=worker_id, online=True, fps_in=25.0,
                                decode_errors=2, last_frame_age_s=0.04)

    class Spool:
        def pending(self) -> int:
            return 7

        def dead_letters(self) -> list:
            return []

    worker = SimpleNamespace(config=cfg, vc=cfg.vision, cameras=cfg.vision.cameras, drill_cams={}, spool=Spool(),
                             readers={c.id: Reader(c) for c in cfg.vision.cameras})
    mon = WorkerMonitor(worker)
    for _ in range(4):  # tank-2 is analysed (4 passes in its first second), gate-1 never
        mon.analysed(["tank-2"], 0.03)
    snap = mon.snapshot()
    by_id = {c.camera_id: c for c in snap.cameras}
    assert by_id["gate-1"].fps_analysed == 0 and by_id["tank-2"].fps_analysed >= 1.0
    assert by_id["tank-2"].detect_latency_s == pytest.approx(0.03) and snap.spool_depth == 7
    assert snap.rss_bytes and snap.rss_bytes > 0

    # the worker's own Prometheus endpoint (monitor.worker_metrics_port)
    import httpx

    from watchpost.throwaway import free_port

    port = free_port()
    mon.serve_metrics(port, addr="127.0.0.1")
    try:
        text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    finally:
        mon.stop()
    assert 'watchpost_camera_fps_in{camera="gate-1",worker="vision-1"} 25.0' in text
    assert 'watchpost_camera_fps_analysed{camera="gate-1",worker="vision-1"} 0.0' in text
    assert 'watchpost_worker_spool_depth{worker="vision-1"} 7.0' in text
    assert "process_resident_memory_bytes" in text and "watchpost_worker_detect_batch_seconds_bucket" in text

    with TestClient(app) as client:
        assert mon.post_once(client) and mon.sent == 1
        (f,) = SelfMonitor(state).run_once()
        assert f.key == "camera_starved:gate-1"
        alarms = client.get("/api/alarms?source=system",
                            headers={"Authorization": f"Bearer {viewer}"}).json()
        assert [(a["type"], a["camera_id"]) for a in alarms] == [("camera_starved", "gate-1")]


class SlowDetector:
    """A detector that takes 1.5 s a call: a camera set to 2 fps gets about 0.7 fps analysed."""

    name = "slow"
    classes: list[str] = []

    def load(self) -> None:
        pass

    def detect(self, frames: list) -> list[list]:
        import time

        time.sleep(1.5)
        return [[] for _ in frames]


@pytest.mark.slow
def test_a_real_worker_whose_detection_cannot_keep_up_raises_a_starved_camera_alarm(sqlite_url, make_config,
                                                                                      tmp_path):
    """The whole path: a worker on a looped clip with a detector too slow for the camera's 2 fps → its
    heartbeats → the service's self-monitor → one camera_starved system alarm, repeats folded into it."""
    import time

    import cv2
    import httpx
    import numpy as np

    from command.throwaway import serve_in_thread
    from vision.worker import Worker

    clip = tmp_path / "clip.avi"
    out = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"MJPG"), 10, (320, 240))
    for i in range(80):
        frame = np.full((240, 320, 3), 40, np.uint8)
        cv2.rectangle(frame, (i * 3 % 300, 50), (i * 3 % 300 + 20, 90), (0, 200, 255), -1)
        out.write(frame)
    out.release()
    cfg = make_config(sqlite_url, vision={
        "media_root": str(tmp_path / "media"), "spool_path": str(tmp_path / "spool.sqlite"),
        "cameras": [{"id": "gate-1", "url": str(clip), "detect_fps": 2.0, "motion_gating": False, "record": False}]},
        monitor={"period_s": 0.5, "heartbeat_s": 0.5, "starved_for_s": 3, "repeat_s": 1})
    server = serve_in_thread(cfg, {"vision-1": "service", "view": "viewer"})
    cfg.vision.service_url = server.url
    cfg.vision.service_token = server.tokens["vision-1"]
    worker = Worker(cfg, detectors={"firesmoke": SlowDetector()})
    worker.start()
    hdr = {"Authorization": f"Bearer {server.tokens['view']}"}
    try:
        deadline = time.time() + 40
        alarms: list = []
        while time.time() < deadline:
            alarms = httpx.get(f"{server.url}/api/alarms?source=system", headers=hdr).json()
            if alarms and alarms[0]["occurrences"] >= 2:
                break
            time.sleep(0.5)
        assert [(a["type"], a["camera_id"]) for a in alarms] == [("camera_starved", "gate-1")], alarms
        assert alarms[0]["occurrences"] >= 2  # the repeats folded into it
        health = httpx.get(f"{server.url}/api/system/health", headers=hdr).json()
        (cam,) = health["workers"][0]["cameras"]
        assert cam["starved"] and cam["fps_in"] > 5 and 0 < cam["fps_analysed"] < 1.0
        assert cam["detect_latency_s"] > 1.0
    finally:
        worker.stop()
        server.stop()
