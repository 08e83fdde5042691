"""The negative-footage set builder: videos and GIFs from a git repository → negative clips played once, and
negative frames named by scene, in the evaluation layout (../shared/spec/eval-format.md) (VID-12, VID-13)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from tests.git_repo import commit_tree
from vision.eval.dataset import load_clips, load_image_set
from vision.eval.images import source_of
from vision.datasets.negative_footage_set import OFFICE, OFFICE_DIR, SCENES, build


def _repo(root: Path) -> Path:
    """Every source the builder reads: 2 s GIFs at 10 fps, and 2 s videos at 10 fps; two office clips and a
    file in their folder that is not a video."""
    (root / OFFICE_DIR).mkdir(parents=True)
    (root / OFFICE_DIR / "README.txt").write_text("not a clip")
    for i, path in enumerate([*SCENES, f"{OFFICE_DIR}/again.mkv", f"{OFFICE_DIR}/book.mkv"]):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        colours = [(10 * k, 120, 40 * (i % 6)) for k in range(20)]  # every frame differs
        if path.endswith(".gif"):
            frames = [Image.new("RGB", (96, 54), c) for c in colours]
            frames[0].save(root / path, save_all=True, append_images=frames[1:], duration=100, loop=0)
        else:
            out = cv2.VideoWriter(str(root / path), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (96, 54))
            for c in colours:
                out.write(np.full((54, 96, 3), c, np.uint8))
            out.release()
    return commit_tree(root)


def test_builds_negative_clips_played_once_and_negative_frames_by_scene(tmp_path: Path) -> None:
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg (Debian package ffmpeg) is not installed")
    out = tmp_path / "set"
    records = json.loads(build(_repo(tmp_path / "repo"), out, every_s=0.5).read_text())
    assert len(records) == len(SCENES) + 2
    assert all(r["kind"] == "negative" and r["events"] == [] and r["roi"] is None for r in records)
    assert all("CC BY 4.0" in r["source"] and "@" in r["source"] for r in records)
    for clip in load_clips(out / "clips.json"):
        assert clip.record.duration_s == pytest.approx(2.0, abs=0.2)  # its own length: not looped
        assert cv2.VideoCapture(str(clip.path)).isOpened()
    images = load_image_set(out, "test")
    assert sorted(set(images.names.values())) == ["fire", "smoke"]  # people are in the frames: not a class here
    assert all(item.negative for item in images.images)
    assert len(images.images) == 4 * (len(SCENES) + 2)  # 2 s every 0.5 s
    assert {source_of(item.path) for item in images.images} == {scene for scene, _ in SCENES.values()} | {OFFICE[0]}
