"""Evidence and recordings through the service: signed-in users only, no path traversal,
playback by camera and time range (VID-5, VID-7, VID-10)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from vision.record.index import SegmentIndex


def test_media_served_to_signed_in_users_only(service):
    root = service.app.state.wp.config.vision.media_root
    from pathlib import Path

    p = Path(root) / "evidence/cam1/a.jpg"
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(b"\xff\xd8jpeg")
    assert service.get("/api/media/evidence/cam1/a.jpg").status_code == 401
    r = service.get("/api/media/evidence/cam1/a.jpg", headers=service.as_role("viewer"))
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg" and r.content == b"\xff\xd8jpeg"
    assert service.get("/api/media/evidence/nothing.jpg", headers=service.as_role("viewer")).status_code == 404
    for bad in ("../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "/etc/passwd"):
        assert service.get(f"/api/media/{bad}", headers=service.as_role("admin")).status_code == 404


def test_recordings_by_camera_and_time_range(service):
    root = service.app.state.wp.config.vision.media_root
    idx = SegmentIndex(root)
    t0 = datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc)
    for i in range(5):
        idx.add("cam1", t0 + timedelta(minutes=i), t0 + timedelta(minutes=i + 1), f"recordings/cam1/{i}.mp4", 10)
    idx.add("cam2", t0, t0 + timedelta(minutes=1), "recordings/cam2/0.mp4", 10)
    idx.close()
    r = service.get("/api/recordings", params={"camera": "cam1", "start": (t0 + timedelta(minutes=1, seconds=30)).isoformat(),
                                               "end": (t0 + timedelta(minutes=3, seconds=10)).isoformat()},
                    headers=service.as_role("evaluator"))
    assert r.status_code == 200
    assert [s["uri"] for s in r.json()] == ["recordings/cam1/1.mp4", "recordings/cam1/2.mp4", "recordings/cam1/3.mp4"]
    assert service.get("/api/recordings").status_code == 401
