"""Detect on the substream, record the main stream by stream copy (issue #23, VID-5 recording, VID-9 evidence).

The reader decodes only ``detect_url``; ``StreamCopyRecorder`` keeps ``url`` at its own resolution without decoding
it, cut into playable segments at keyframes, from a file or a real RTSP camera."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import av
import pytest

from vision import throwaway_rtsp as rtsp_server
from vision.ingest.reader import CameraReader
from vision.record.index import SegmentIndex
from vision.record.stream_copy import StreamCopyRecorder
from watchpost.config import Camera
from watchpost.throwaway import wait_until


def _clip(path: Path, size: str, seconds: int = 6) -> Path:
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg (Debian package ffmpeg) is not installed")
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", f"testsrc=size={size}:rate=10",
                    "-t", str(seconds), "-g", "10", "-c:v", "libx264", "-pix_fmt", "yuv420p", str(path)], check=True)
    return path


def _probe(path: Path) -> tuple[int, int, int, bool]:
    """(width, height, frames, opens on a keyframe) of a recorded segment, decoded."""
    with av.open(str(path)) as c:
        frames = list(c.decode(video=0))
    return frames[0].width, frames[0].height, len(frames), frames[0].key_frame


def test_main_stream_is_recorded_by_copy_in_playable_segments(tmp_path):
    main = _clip(tmp_path / "main.mp4", "1280x720")
    index = SegmentIndex(tmp_path / "media")
    cam = Camera(id="cam1", url=str(main), detect_url=str(main), loop=False)
    rec = StreamCopyRecorder(cam, index, segment_s=2.0)
    rec.start()
    try:
        assert wait_until(lambda: not rec.is_alive(), 20), "a 6 s file was not recorded in 20 s"
    finally:
        rec.flush()
    rows = index.query("cam1")
    segments = sorted((tmp_path / "media" / "recordings" / "cam1").rglob("*.mp4"))
    assert not list((tmp_path / "media").rglob("*.part.mp4"))
    assert 2 <= len(segments) == rec.segments <= 4
    probed = [_probe(p) for p in segments]
    assert all(w == 1280 and h == 720 and key for w, h, _, key in probed)  # the main stream's own size
    assert 55 <= sum(n for _, _, n, _ in probed) <= 60  # every frame kept, none decoded on the way
    assert len(rows) == len(segments)
    index.close()


def test_reader_decodes_the_substream_only(tmp_path):
    main = _clip(tmp_path / "main.mp4", "1280x720")
    sub = _clip(tmp_path / "sub.mp4", "320x180")
    reader = CameraReader(Camera(id="cam1", url=str(main), detect_url=str(sub)))
    reader.start()
    try:
        assert wait_until(lambda: reader.health.frames_in >= 3, 10)
        _, frame = reader.latest()
        assert frame is not None and frame.image.shape == (180, 320, 3)
        assert reader.ring and reader.ring[-1].jpeg  # evidence comes from the substream too
    finally:
        reader.stop()


@pytest.mark.slow
def test_a_real_rtsp_main_stream_is_recorded_by_copy(tmp_path):
    why = rtsp_server.available()
    if why:
        pytest.skip(why)
    main = _clip(tmp_path / "main.mp4", "1280x720", seconds=4)
    server = rtsp_server.RtspServer(main, tmp_path).start()
    index = SegmentIndex(tmp_path / "media")
    rec = StreamCopyRecorder(Camera(id="cam1", url=server.url, rtsp_transport="udp", detect_url="unused"), index,
                             segment_s=1.5)
    rec.start()
    try:
        assert wait_until(lambda: rec.segments >= 2, 30), "no segment closed from the RTSP main stream"
    finally:
        rec.flush()
        server.stop()
        index.close()
    segments = sorted((tmp_path / "media" / "recordings" / "cam1").rglob("*.mp4"))
    w, h, n, key = _probe(segments[0])
    assert (w, h) == (1280, 720) and n >= 10 and key
