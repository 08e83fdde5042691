"""H.264 MP4 clips from JPEG frames (the reader's ring buffer plus what follows the alarm),
playable in a browser (yuv420p, faststart)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Sequence

import av
import cv2
import numpy as np


def write_clip(path: Path, items: Sequence, fps: float = 5.0) -> int:
    """Encode ``items`` (objects with ``.jpeg`` bytes and ``.wall`` seconds) to ``path``.

    Frames are timed by their capture time, so a clip shows what happened at the pace it
    happened even if the ring skipped frames. Returns the number of frames written."""
    if not items:
        raise ValueError("no frames for the clip")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".part.mp4")
    first = cv2.imdecode(np.frombuffer(items[0].jpeg, np.uint8), cv2.IMREAD_COLOR)
    h, w = first.shape[:2]
    w, h = w - w % 2, h - h % 2  # yuv420p needs even sizes
    container = av.open(str(tmp), mode="w", options={"movflags": "+faststart"})
    try:
        stream = container.add_stream("libx264", rate=int(round(fps)) or 1)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.options = {"preset": "veryfast", "crf": "26"}
        stream.codec_context.time_base = Fraction(1, 1000)
        t0 = items[0].wall
        last_pts = -1
        n = 0
        for item in items:
            img = cv2.imdecode(np.frombuffer(item.jpeg, np.uint8), cv2.IMREAD_COLOR)
            if img is None:
                continue
            img = img[:h, :w]
            frame = av.VideoFrame.from_ndarray(img, format="bgr24")
            pts = max(int((item.wall - t0) * 1000), last_pts + 1)
            frame.pts, frame.time_base = pts, Fraction(1, 1000)
            last_pts = pts
            for packet in stream.encode(frame):
                container.mux(packet)
            n += 1
        for packet in stream.encode():
            container.mux(packet)
    finally:
        container.close()
    tmp.replace(path)
    return n
