"""The seated-people clip set builder: GIFs from a git repository → looped on-post clips in the
evaluation layout (../shared/spec/eval-format.md), with their source named (VID-3, VID-12)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import pytest
from PIL import Image

from tests.git_repo import commit_tree
from vision.eval.dataset import load_clips
from vision.datasets.seated_set import POSTS, build


def _repo_with_gifs(root: Path) -> Path:
    (root / "preview").mkdir(parents=True)
    for i, name in enumerate(POSTS):
        frames = [Image.new("RGB", (96, 54), (40 * i + 10 * k, 120, 200)) for k in range(3)]
        frames[0].save(root / "preview" / f"{name}.gif", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return commit_tree(root)


def test_builds_looped_on_post_clips_with_sources(tmp_path: Path) -> None:
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg (Debian package ffmpeg) is not installed")
    clips_json = build(_repo_with_gifs(tmp_path / "repo"), tmp_path / "set", seconds=3.0, fps=10.0)
    records = json.loads(clips_json.read_text())
    assert [r["kind"] for r in records] == ["on_post"] * len(POSTS)
    assert all(r["events"] == [] and r["roi"] and "CC BY 4.0" in r["notes"] for r in records)
    for clip in load_clips(clips_json):
        cap = cv2.VideoCapture(str(clip.path))
        n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        assert 25 <= n <= 35, (clip.path, n)  # 3 s at 10 fps, looped from 0.3 s of GIF
        assert cap.get(cv2.CAP_PROP_FRAME_WIDTH) == 640
    assert not list((tmp_path / "set").glob("*.gif"))  # only the clips stay
