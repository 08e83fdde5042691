"""A worker in assigned mode against the real service (issue #26, NFR-5): it starts with no camera, runs
what its claim is answered with, and stops them when a second process takes its worker id over (the
fence: the old one is refused, stops its cameras and reports why); an orderly stop hands the cameras
over at once instead of after the lease."""

from __future__ import annotations

import httpx
import pytest

from command.throwaway import serve_in_thread
from watchpost.throwaway import wait_until

pytestmark = pytest.mark.slow


def test_a_worker_runs_its_share_and_stops_when_its_id_is_taken_over(shared_dir, sqlite_url, make_config, tmp_path):
    from vision.pipeline import load_detectors
    from vision.worker import Worker

    clip = str(shared_dir / "data/clips/fire8_seq_smoke5.mp4")
    cfg = make_config(sqlite_url, vision={
        "media_root": str(tmp_path / "media"), "spool_path": str(tmp_path / "a.sqlite"),
        "worker_id": "vision-a", "assignment": {"enabled": True, "claim_s": 0.5, "lease_s": 2},
        "cameras": [{"id": c, "url": clip, "detect_fps": 1.0, "record": False} for c in ("gate-1", "gate-2")]})
    try:
        detectors = load_detectors(cfg)
    except FileNotFoundError as exc:
        pytest.skip(f"shipped weights missing: {exc}")
    server = serve_in_thread(cfg, {"vision": "service", "viewer": "viewer"})
    cfg.vision.service_url, cfg.vision.service_token = server.url, server.tokens["vision"]
    second = cfg.model_copy(deep=True)
    second.vision.spool_path = str(tmp_path / "b.sqlite")
    first, other = Worker(cfg, detectors=detectors), Worker(second, detectors=detectors)
    assert first.cameras == [] and first.follower is not None
    view = lambda: httpx.get(f"{server.url}/api/workers/assignment",  # noqa: E731
                             headers={"Authorization": f"Bearer {server.tokens['viewer']}"}).json()
    stopped: list = []
    try:
        first.start()
        assert wait_until(lambda: sorted(c.id for c in first.cameras) == ["gate-1", "gate-2"], 10)
        assert wait_until(lambda: first.monitor.fps_analysed("gate-1") > 0, 15)  # analysed, not only opened

        held = first.follower.epoch  # 1, or more if an answer to its first claim was lost and it claimed again
        other.start()  # the same worker id in a second process (or a restart while the first hangs)
        assert wait_until(lambda: first.superseded is not None, 10)
        assert "taken over" in first.superseded and first._stop.is_set()
        assert first.cameras == [] and first.readers == {}  # its cameras stopped before it exits
        assert wait_until(lambda: sorted(c.id for c in other.cameras) == ["gate-1", "gate-2"], 10)
        (lease,) = view()["workers"]
        assert lease["epoch"] == other.follower.epoch > held and lease["live"]

        other.stop()  # orderly: it says it is leaving, so its cameras are free now, not after lease_s
        stopped.append(other)
        (lease,) = view()["workers"]
        assert lease["live"] is False and lease["leaving"] is True
        assert view()["unassigned"] == ["gate-1", "gate-2"]
    finally:
        for w in (first, other):
            if w._threads and w not in stopped:
                w.stop()
        server.stop()
