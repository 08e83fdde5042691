"""Ingest from a real RTSP server: frames flow, the server is pulled down mid-stream, the camera
goes offline, and the reader recovers by itself when the server is back (VID-5, NFR-10)."""

from __future__ import annotations

import pytest

from watchpost.throwaway import wait_until
from vision import throwaway_rtsp as rtsp_server
from vision.ingest.reader import CameraReader
from watchpost.config import Camera

pytestmark = pytest.mark.slow


def test_rtsp_offline_and_automatic_recovery(shared_dir, tmp_path):
    why = rtsp_server.available()
    if why:
        pytest.skip(why)
    server = rtsp_server.RtspServer(shared_dir / "data/clips/fire8_seq_fire2.mp4", tmp_path).start()
    cam = Camera(id="cam1", url=server.url, rtsp_transport="udp", offline_after_s=2.0)
    reader = CameraReader(cam, max_backoff_s=1.0)
    reader.start()
    try:
        assert wait_until(lambda: reader.health.frames_in >= 10, 20), "no frames over RTSP"
        seq, frame = reader.latest()
        assert frame is not None and frame.image.shape == (608, 608, 3)
        assert reader.snapshot_health("w").online

        server.stop()  # pulled down mid-stream
        assert wait_until(lambda: not reader.snapshot_health("w").online, 15), "camera never reported offline"
        frames_when_down = reader.health.frames_in

        server.start()
        assert wait_until(lambda: reader.health.frames_in > frames_when_down + 5, 30), "reader did not recover"
        h = reader.snapshot_health("w")
        assert h.online and reader.health.reconnects >= 1
    finally:
        reader.stop()
        server.stop()
