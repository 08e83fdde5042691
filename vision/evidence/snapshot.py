"""Annotated JPEG snapshot: boxes, class, score, with time and camera location burned in and in
the JPEG comment (JSON metadata), so the image carries where and when on its own (VID-8)."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

COLOURS = {"fire": (255, 64, 32), "smoke": (200, 200, 200), "person": (64, 160, 255)}
FONT_CANDIDATES = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
]


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.ImageFont:
    for path in FONT_CANDIDATES:
        if Path(path).exists():
            try:
                return ImageFont.truetype(path, size)
            except OSError:
                continue
    try:
        import matplotlib

        return ImageFont.truetype(str(Path(matplotlib.get_data_path()) / "fonts/ttf/DejaVuSans.ttf"), size)
    except Exception:  # pragma: no cover - last resort keeps the snapshot, without nice text
        return ImageFont.load_default()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def annotate(image_bgr: np.ndarray, boxes: Sequence, caption_lines: list[str]) -> Image.Image:
    img = Image.fromarray(image_bgr[:, :, ::-1].copy())
    draw = ImageDraw.Draw(img)
    w, h = img.size
    size = max(12, h // 30)
    font = _font(size)
    for b in boxes:
        colour = COLOURS.get(b.cls, (255, 255, 0))
        x1, y1, x2, y2 = b.x1 * w, b.y1 * h, b.x2 * w, b.y2 * h
        draw.rectangle([x1, y1, x2, y2], outline=colour, width=max(2, h // 240))
        label = f"{b.cls} {b.score:.2f}"
        tb = draw.textbbox((x1, y1), label, font=font)
        ty = max(0, y1 - (tb[3] - tb[1]) - 4)
        draw.rectangle([x1, ty, x1 + (tb[2] - tb[0]) + 6, ty + (tb[3] - tb[1]) + 4], fill=colour)
        draw.text((x1 + 3, ty), label, fill=(0, 0, 0), font=font)
    # Caption band at the bottom: time and place stay readable whatever the scene.
    line_h = size + 6
    band = line_h * len(caption_lines) + 6
    draw.rectangle([0, h - band, w, h], fill=(0, 0, 0))
    for i, line in enumerate(caption_lines):
        draw.text((6, h - band + 3 + i * line_h), line, fill=(255, 255, 255), font=font)
    return img


def write_snapshot(path: Path, image_bgr: np.ndarray, boxes: Sequence, *, camera_id: str, camera_name: str,
                   location: str, at: datetime, alarm_type: str, lon: float | None = None,
                   lat: float | None = None) -> str:
    """Write the annotated snapshot; returns its SHA-256."""
    where = " ".join(p for p in [camera_name or camera_id, location] if p)
    coords = f" ({lon:.5f}, {lat:.5f})" if lon is not None and lat is not None else ""
    caption = [f"{alarm_type.upper()}  {at.astimezone().strftime('%Y-%m-%d %H:%M:%S %Z')}", f"{where}{coords}"]
    img = annotate(image_bgr, boxes, caption)
    meta = {"camera_id": camera_id, "camera_name": camera_name, "location": location, "lon": lon, "lat": lat,
            "time": at.isoformat(), "type": alarm_type,
            "boxes": [{"cls": b.cls, "score": round(b.score, 3), "xyxy": [b.x1, b.y1, b.x2, b.y2]} for b in boxes]}
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=90, comment=json.dumps(meta, ensure_ascii=False).encode("utf-8"))
    tmp = path.with_suffix(".part")
    tmp.write_bytes(buf.getvalue())
    tmp.replace(path)
    return sha256_file(path)


def read_metadata(path: Path) -> dict:
    with Image.open(path) as img:
        raw = img.info.get("comment", b"{}")
    return json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
