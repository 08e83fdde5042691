"""What a clip set's builder records of each clip it writes (clips.json: fps, duration_s, width, height)."""

from __future__ import annotations

from pathlib import Path

import cv2


def probe(path: Path) -> tuple[float, float, int, int]:
    """fps (3 decimals), duration in seconds (2 decimals), width and height of a video file."""
    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            raise ValueError(f"{path}: not a readable video")
        fps = cap.get(cv2.CAP_PROP_FPS)
        frames = cap.get(cv2.CAP_PROP_FRAME_COUNT)
        width, height = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    finally:
        cap.release()
    if fps <= 0 or frames <= 0:
        raise ValueError(f"{path}: no frame rate or frame count")
    return round(fps, 3), round(frames / fps, 2), width, height
