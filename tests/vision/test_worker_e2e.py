"""End to end: a worker on a looped clip posts a real fire alarm with an annotated snapshot and
an H.264 clip to the real service; a dead camera raises a camera-offline alarm (VID-1, VID-7,
VID-8, NFR-10)."""

from __future__ import annotations

import time

import httpx
import pytest

from command.throwaway import serve_in_thread

pytestmark = pytest.mark.slow


def test_worker_fire_alarm_with_evidence_and_offline_camera(shared_dir, sqlite_url, make_config, tmp_path):
    from vision.pipeline import load_detectors
    from vision.worker import Worker

    media = tmp_path / "media"
    vision_cfg = {
        "media_root": str(media), "spool_path": str(tmp_path / "spool.sqlite"),
        "evidence": {"pre_s": 2.0, "post_s": 2.0},
        "cameras": [
            {"id": "tank-1", "name": "罐区1号", "url": str(shared_dir / "data/clips/fire8_seq_fire2.mp4"),
             "profile": "major_hazard", "detect_fps": 2.0, "location": {"lon": 118.78, "lat": 32.04}},
            {"id": "dead-1", "url": str(tmp_path / "no-such-camera.mp4"), "offline_after_s": 2.0},
        ],
    }
    cfg = make_config(sqlite_url, vision=vision_cfg)
    try:
        detectors = load_detectors(cfg)
    except FileNotFoundError as exc:
        pytest.skip(f"shipped weights missing: {exc}")
    server = serve_in_thread(cfg, {"vision-1": "service", "duty": "duty_officer"})
    cfg.vision.service_url = server.url
    cfg.vision.service_token = server.tokens["vision-1"]
    worker = Worker(cfg, detectors=detectors)
    worker.start()
    hdr = {"Authorization": f"Bearer {server.tokens['duty']}"}
    try:
        deadline = time.time() + 60
        fire = offline = None
        while time.time() < deadline and not (fire and offline and any(e["kind"] == "clip" for e in fire["evidence"])):
            alarms = httpx.get(f"{server.url}/api/alarms", headers=hdr).json()
            fire = next((a for a in alarms if a["type"] == "fire"), None)
            offline = next((a for a in alarms if a["type"] == "camera_offline"), None)
            time.sleep(0.5)
        assert fire, "no fire alarm reached the service"
        assert fire["camera_id"] == "tank-1" and fire["source"] == "video" and fire["location"]["lon"] == 118.78
        kinds = {e["kind"]: e for e in fire["evidence"]}
        assert "snapshot" in kinds and "clip" in kinds, fire["evidence"]
        snap = httpx.get(f"{server.url}/api/media/{kinds['snapshot']['uri']}", headers=hdr)
        assert snap.status_code == 200 and snap.content[:2] == b"\xff\xd8"
        import hashlib

        assert hashlib.sha256(snap.content).hexdigest() == kinds["snapshot"]["sha256"]
        clip = httpx.get(f"{server.url}/api/media/{kinds['clip']['uri']}", headers=hdr)
        assert clip.status_code == 200 and clip.content[4:8] == b"ftyp"
        assert hashlib.sha256(clip.content).hexdigest() == kinds["clip"]["sha256"]
        assert offline and offline["camera_id"] == "dead-1"
    finally:
        worker.stop()
        server.stop()
