"""The real-fire-video clip set builder: videos from git repositories → clips in the evaluation
layout (../shared/spec/eval-format.md) with ground truth, source commit and licence named
(VID-1, VID-2, VID-12)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.git_repo import commit_tree
from vision.eval.dataset import load_clips
from vision.datasets.fire_video_set import FDV, FURG, build, main


def _repo_with_video(root: Path, name: str, fps: float, frames: int) -> Path:
    root.mkdir(parents=True)
    writer = cv2.VideoWriter(str(root / name), cv2.VideoWriter_fourcc(*"mp4v"), fps, (64, 48))
    for k in range(frames):
        writer.write(np.full((48, 64, 3), 10 * k % 255, np.uint8))
    writer.release()
    return commit_tree(root)


def test_copies_videos_with_ground_truth_and_sources(tmp_path: Path) -> None:
    fdv = _repo_with_video(tmp_path / "fdv", FDV.path, 30.0, 60)
    furg = _repo_with_video(tmp_path / "furg", FURG.path, 10.0, 25)
    commit = subprocess.run(["git", "--git-dir", str(furg), "rev-parse", "HEAD"], capture_output=True,
                            text=True, check=True).stdout.strip()
    records = json.loads(build({FDV: fdv, FURG: furg}, tmp_path / "set").read_text())
    assert [(r["file"], r["fps"], r["duration_s"], r["width"], r["height"]) for r in records] == [
        ("clips/visual_fire.mp4", 30.0, 2.0, 64, 48), ("clips/house6.mp4", 10.0, 2.5, 64, 48)]
    assert all(r["kind"] == "fire" and r["roi"] is None for r in records)
    assert records[1]["events"] == [{"type": "fire", "start_s": 0.0}, {"type": "smoke", "start_s": 0.0}]
    assert commit in records[1]["source"] and "CC0" in records[1]["source"] and "MIT" in records[0]["source"]
    clips = load_clips(tmp_path / "set" / "clips.json")  # the harness reads what was written
    assert [c.path.name for c in clips] == ["visual_fire.mp4", "house6.mp4"]


def test_cli_needs_a_source(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        main([str(tmp_path / "out")])
    assert exc.value.code == 2
