"""Alarm evidence: annotated snapshot with time and place burned in and in metadata; an H.264
MP4 clip a browser can play; SHA-256 of each (VID-7, VID-8)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone

import av
import cv2
import numpy as np

from vision.detect.base import Detection
from vision.evidence.clip import write_clip
from vision.evidence.snapshot import read_metadata, sha256_file, write_snapshot


@dataclass
class Item:
    wall: float
    jpeg: bytes


def test_snapshot_carries_boxes_time_and_location(tmp_path):
    img = np.zeros((360, 640, 3), np.uint8)
    at = datetime(2026, 11, 24, 8, 30, tzinfo=timezone.utc)
    path = tmp_path / "snap.jpg"
    sha = write_snapshot(path, img, [Detection("fire", 0.91, 0.1, 0.1, 0.5, 0.5)], camera_id="tank-1", camera_name="罐区1号",
                         location="tank-farm", at=at, alarm_type="fire", lon=118.78, lat=32.04)
    assert sha == sha256_file(path) and len(sha) == 64
    meta = read_metadata(path)
    assert meta["camera_name"] == "罐区1号" and meta["time"] == at.isoformat() and meta["lon"] == 118.78
    assert meta["boxes"][0]["cls"] == "fire"
    out = cv2.imread(str(path))
    # the box outline and the caption band are drawn: pixels changed where the frame was black
    assert out[36:40, 64:320].max() > 100  # top edge of the box
    assert out[-30:, :200].mean() < 60 and out[-30:, :200].max() > 150  # white text on the black band


def test_clip_is_h264_mp4_with_all_frames(tmp_path):
    items = []
    t0 = time.time()
    for i in range(15):
        img = np.full((240, 320, 3), i * 15, np.uint8)
        ok, buf = cv2.imencode(".jpg", img)
        items.append(Item(t0 + i * 0.2, buf.tobytes()))
    path = tmp_path / "clip.mp4"
    assert write_clip(path, items) == 15
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        assert s.codec_context.name == "h264" and s.codec_context.pix_fmt == "yuv420p"
        frames = list(c.decode(s))
    assert len(frames) == 15
    duration = float(frames[-1].pts * frames[-1].time_base)
    assert 2.5 < duration < 3.1  # timed by capture time (14 × 0.2 s)
    assert path.read_bytes()[4:8] == b"ftyp"
