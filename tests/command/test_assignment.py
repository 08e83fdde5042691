"""Cameras shared out over N vision workers (issue #26; NFR-5 7×24 operation, NFR-3 scale): the pure
rendezvous split of ``command.domain.shards`` — balanced, only a dead worker's cameras move, pins hold —
and the claim API on both backends: a worker's share, a dead worker's cameras taken over once its lease
runs out, a worker leaving hands its cameras over at once, and a process whose worker id was taken over
is refused (the fence that stops a paused worker from running cameras twice)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest

from command.domain import shards
from command.domain.shards import Lease

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
CAMS = [f"cam-{i:03d}" for i in range(500)]


# -- the pure split ------------------------------------------------------------------------------------------
def test_the_split_is_balanced_and_the_same_wherever_it_is_computed():
    workers = [f"vision-{i}" for i in range(5)]
    split = shards.assign(CAMS, workers)
    sizes = {w: len(c) for w, c in split.by_worker.items()}
    assert sum(sizes.values()) == 500 and split.unassigned == []
    assert all(70 <= n <= 130 for n in sizes.values()), sizes  # 100 each on average
    assert shards.assign(CAMS, list(reversed(workers))) == split  # no dependence on the order it is given
    assert shards.owner("cam-001", workers) == shards.owner("cam-001", set(workers))
    every = [c for cams in split.by_worker.values() for c in cams]
    assert sorted(every) == CAMS and len(set(every)) == 500  # each camera exactly once


def test_only_a_dead_workers_cameras_move_and_they_come_back_with_it():
    workers = [f"vision-{i}" for i in range(4)]
    before = shards.assign(CAMS, workers)
    after = shards.assign(CAMS, [w for w in workers if w != "vision-2"])
    owner_before = {c: w for w, cs in before.by_worker.items() for c in cs}
    owner_after = {c: w for w, cs in after.by_worker.items() for c in cs}
    moved = {c for c in CAMS if owner_before[c] != owner_after[c]}
    assert moved == set(before.by_worker["vision-2"])  # nobody else's camera is restarted
    assert Counter(owner_after[c] for c in moved).keys() <= {"vision-0", "vision-1", "vision-3"}
    assert len(Counter(owner_after[c] for c in moved)) == 3  # spread over the survivors, not dumped on one
    assert shards.assign(CAMS, workers) == before  # it comes back: exactly its cameras return


def test_a_pinned_camera_runs_on_its_worker_or_nowhere():
    split = shards.assign(["usb-1", "gate"], ["vision-a", "vision-b"], pins={"usb-1": "vision-b"})
    assert "usb-1" in split.by_worker["vision-b"]
    split = shards.assign(["usb-1", "gate"], ["vision-a"], pins={"usb-1": "vision-b"})
    assert split.unassigned == ["usb-1"] and split.by_worker == {"vision-a": ["gate"]}
    assert shards.assign(["gate"], []) == shards.Shares({}, ["gate"])  # no worker alive


def test_a_starting_process_takes_its_id_over_and_the_one_it_replaced_is_refused():
    assert shards.claim_epoch(None, None) == 1  # first ever
    assert shards.claim_epoch(1, None) == 2  # a restarted (or second) process
    assert shards.claim_epoch(2, 2) == 2  # a renewal
    assert shards.claim_epoch(2, 1) is None  # the old process comes back from a pause: refused
    assert shards.claim_epoch(None, 7) == 7  # the record was lost (a restored database): taken back
    assert shards.claim_epoch(3, 7) == 7
    assert shards.claim_epoch(shards.EPOCH_MAX, None) is None  # no epoch past what a claim may carry


def test_live_workers_are_those_that_claimed_within_the_lease_and_are_not_leaving():
    leases = [Lease("a", T0), Lease("b", T0 - timedelta(seconds=12)), Lease("c", T0 - timedelta(seconds=13)),
              Lease("d", T0, leaving=True)]
    assert shards.live_workers(leases, T0, 12) == ["a", "b"]


# -- the claim API ----------------------------------------------------------------------------------------------
@pytest.fixture
def api(db_url, make_config, tmp_path):
    """The service on a fake clock, six cameras (one disabled, one pinned), a service account's token."""
    from fastapi.testclient import TestClient

    from command.app import create_app
    from command.services.auth import add_user, issue_token
    from watchpost.clock import FakeClock
    from watchpost.db import session_scope

    cams = [{"id": f"cam-{i}", "url": f"rtsp://x/{i}"} for i in range(5)]
    cams += [{"id": "usb-1", "url": "usb:0", "worker": "vision-b"},
             {"id": "off", "url": "rtsp://x/9", "enabled": False}]
    cfg = make_config(db_url, vision={"media_root": str(tmp_path / "media"), "spool_path": str(tmp_path / "s.sqlite"),
                                      "cameras": cams, "assignment": {"claim_s": 4, "lease_s": 12}})
    clock = FakeClock(T0)
    app = create_app(cfg, clock=clock, run_background=False)
    with session_scope(app.state.wp.sessions) as db:
        svc = issue_token(db, add_user(db, "vision", "Password-1-vision", "service"), "api", None)
        viewer = issue_token(db, add_user(db, "viewer", "Password-1-viewer", "viewer"), "api", None)
    with TestClient(app) as client:
        client.clock = clock

        def claim(worker: str, epoch: int | None = None, **extra):  # noqa: ANN202
            return client.post("/api/workers/assignment", headers={"Authorization": f"Bearer {svc}"},
                               json={"worker_id": worker, "epoch": epoch} | extra)

        client.claim = claim
        client.viewer = {"Authorization": f"Bearer {viewer}"}
        yield client


def test_workers_get_disjoint_shares_and_a_dead_workers_cameras_move_after_its_lease(api):
    a = api.claim("vision-a").json()
    assert a["epoch"] == 1 and a["live_workers"] == ["vision-a"]
    assert a["cameras"] == [f"cam-{i}" for i in range(5)]  # not usb-1 (pinned elsewhere), not the disabled one
    b = api.claim("vision-b", running=[]).json()
    a = api.claim("vision-a", 1, running=a["cameras"]).json()
    assert a["live_workers"] == b["live_workers"] == ["vision-a", "vision-b"]
    assert "usb-1" in b["cameras"] and not set(a["cameras"]) & set(b["cameras"])
    assert sorted(a["cameras"] + b["cameras"]) == sorted([f"cam-{i}" for i in range(5)] + ["usb-1"])
    assert a["cameras"] and len(b["cameras"]) > 1  # both hold a share of the five

    api.clock.advance(8)
    a = api.claim("vision-a", 1, running=a["cameras"]).json()  # b has gone quiet, but its lease still runs
    assert "vision-b" in a["live_workers"] and len(a["cameras"]) < 5
    api.clock.advance(4.5)  # 12.5 s since b's last claim
    ran = a["cameras"]
    a = api.claim("vision-a", 1, running=ran).json()
    assert a["live_workers"] == ["vision-a"] and a["cameras"] == [f"cam-{i}" for i in range(5)]
    view = api.get("/api/workers/assignment", headers=api.viewer).json()
    assert view["unassigned"] == ["usb-1"]  # its only worker is down
    by_id = {w["worker_id"]: w for w in view["workers"]}
    assert by_id["vision-b"]["live"] is False and by_id["vision-b"]["cameras"] == []
    assert by_id["vision-a"]["running"] == ran and by_id["vision-a"]["live"] is True


def test_a_leaving_worker_hands_over_at_once_and_a_replaced_process_is_refused(api):
    api.claim("vision-a")
    b = api.claim("vision-b").json()
    left = api.claim("vision-b", b["epoch"], leaving=True).json()
    assert left["cameras"] == [] and left["live_workers"] == ["vision-a"]
    assert len(api.claim("vision-a", 1).json()["cameras"]) == 5

    again = api.claim("vision-a").json()  # a second process with the same id (or a restart)
    assert again["epoch"] == 2
    old = api.claim("vision-a", 1, running=["cam-0"])
    assert old.status_code == 409 and "vision-a" in old.json()["detail"] and "taken over" in old.json()["detail"]
    view = api.get("/api/workers/assignment", headers=api.viewer).json()
    a = next(w for w in view["workers"] if w["worker_id"] == "vision-a")
    assert a["epoch"] == 2 and a["running"] == []  # the refused claim changed nothing


def test_a_claim_naming_a_bad_field_is_refused_with_422(api):
    r = api.claim("", None)
    assert r.status_code == 422 and "worker_id" in r.text
    r = api.claim("vision-a", 0)
    assert r.status_code == 422 and "epoch" in r.text


def test_the_live_view_of_a_gb_camera_reads_the_relay_its_worker_claimed(db_url, make_config, tmp_path):
    """A multi-host site: a GB camera's live view goes to the relay its worker stated in its claim, and while
    that worker is down the live view answers 503 naming it instead of waiting on a relay nobody serves."""
    from fastapi.testclient import TestClient

    from command.api.live import source_for
    from command.app import create_app
    from command.services.auth import add_user, issue_token
    from watchpost.clock import FakeClock
    from watchpost.db import session_scope

    dev, chan = "34020000001320000001", "34020000001310000001"
    gb = {"enabled": True, "devices": [{"id": dev}], "relay_port": 8091, "relay_token": "relay-secret-" + "x" * 8}
    cams = [{"id": "gb-tank", "url": f"gb28181://{dev}/{chan}", "worker": "vision-b"}]
    cfg = make_config(db_url, vision={"media_root": str(tmp_path / "media"), "spool_path": str(tmp_path / "s.sqlite"),
                                      "cameras": cams, "gb28181": gb, "assignment": {"enabled": True}})
    clock = FakeClock(T0)
    app = create_app(cfg, clock=clock, run_background=False)
    st = app.state.wp
    with session_scope(st.sessions) as db:
        svc = issue_token(db, add_user(db, "vision", "Password-1-vision", "service"), "api", None)
        viewer = issue_token(db, add_user(db, "viewer", "Password-1-viewer", "viewer"), "api", None)
    with TestClient(app) as client:
        def offer() -> tuple[int, str]:  # noqa: ANN202
            r = client.post("/api/live/gb-tank/offer", json={"type": "offer", "sdp": "v=0"},
                            headers={"Authorization": f"Bearer {viewer}"})
            return r.status_code, r.json()["detail"]

        assert offer() == (503, "camera gb-tank: its worker vision-b is not running")
        for worker, relay in (("vision-a", "http://10.0.0.1:8091"), ("vision-b", "http://10.0.0.2:8092")):
            r = client.post("/api/workers/assignment", headers={"Authorization": f"Bearer {svc}"},
                            json={"worker_id": worker, "relay_url": relay})
            assert r.status_code == 200
        src = source_for(st, cfg.vision.cameras[0])
        assert src.url == "http://10.0.0.2:8092/live/gb-tank.ps" and src.av_format == "mpeg"
        view = client.get("/api/workers/assignment", headers={"Authorization": f"Bearer {viewer}"}).json()
        assert {w["worker_id"]: w["relay_url"] for w in view["workers"]}["vision-b"] == "http://10.0.0.2:8092"
        bad = client.post("/api/workers/assignment", headers={"Authorization": f"Bearer {svc}"},
                          json={"worker_id": "vision-b", "epoch": 1, "relay_url": "http://0.0.0.0:8092"})
        assert bad.status_code == 422 and "relay_url" in bad.text
        clock.advance(13)  # vision-b's lease runs out
        assert offer() == (503, "camera gb-tank: its worker vision-b is not running")
