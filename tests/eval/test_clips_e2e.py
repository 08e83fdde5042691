"""Clip replay through the real worker pipeline, scored by the harness (VID-1, VID-3, VID-12)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import pytest
from click.testing import CliRunner

from watchpost.cli import main

ROOT = Path(__file__).resolve().parents[2]
FIRE = "firesmoke/images/val/f8_fire1_mp4-23_jpg.rf.ae8ce7517eb013738134e37dd8792de2.jpg"
NEG = "firesmoke/images/val/cn_0038dba2efeb.jpg"


def _need_pipeline() -> None:
    try:
        import vision.pipeline  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"worker pipeline (vision.pipeline) not available: {exc}")
    if not (ROOT / "models" / "firesmoke" / "best.pt").is_file():
        pytest.skip("models/firesmoke/best.pt not shipped")


def write_clip(path: Path, frames: list[tuple[Path, float]], fps: float = 10.0, size: int = 320) -> None:
    vw = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (size, size))
    for img_path, seconds in frames:
        img = cv2.resize(cv2.imread(str(img_path)), (size, size), interpolation=cv2.INTER_AREA)
        for _ in range(int(round(seconds * fps))):
            vw.write(img)
    vw.release()


@pytest.mark.slow
def test_fire_clip_alarm_after_start(shared_dir: Path, tmp_path: Path) -> None:
    """VID-1/VID-12: 3 s of an office, then 6 s of fire: fire alarmed after 3 s, nothing before."""
    _need_pipeline()
    data = shared_dir / "data"
    (tmp_path / "clips").mkdir()
    write_clip(tmp_path / "clips" / "neg_then_fire.mp4", [(data / NEG, 3.0), (data / FIRE, 6.0)])
    (tmp_path / "clips.json").write_text(json.dumps([{
        "file": "clips/neg_then_fire.mp4", "fps": 10.0, "duration_s": 9.0, "width": 320, "height": 320,
        "kind": "fire", "roi": None, "events": [{"type": "fire", "start_s": 3.0}], "notes": "test"}]))
    out = tmp_path / "r.json"
    res = CliRunner().invoke(main, ["vision", "eval", "--set", str(tmp_path), "--out", str(out), "--no-images",
                                    "--weights-firesmoke", str(ROOT / "models/firesmoke/best.pt"), "--imgsz", "640"])
    assert res.exit_code == 0, res.output
    rep = json.loads(out.read_text())
    assert rep["clips_error"] is None
    (clip,) = rep["clips"]["per_clip"]
    (ev,) = clip["events"]
    assert ev["detected"], clip
    assert 0 <= ev["time_to_alarm_s"] <= 5.0
    assert rep["summary"]["clips"]["fire"]["event_recall"] == 1.0
    assert all(a["t"] >= 3.0 for a in clip["alarms"]), clip
