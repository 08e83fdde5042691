"""Hard-negative stills (sunsets, lamps) filmed by a fixed camera: the rules must not alarm (VID-1, VID-2)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from vision.datasets import still_negatives
from vision.eval.clips import replay_alarms
from vision.eval.dataset import load_clips
from watchpost.config import parse_config


def test_frames_hold_still_with_noise():
    still = np.full((90, 160, 3), 128, np.uint8)
    frames = still_negatives.frames(still, 1.0, np.random.default_rng(0))
    assert len(frames) == 10
    diff = np.abs(frames[0].astype(int) - frames[1].astype(int))
    assert 0 < diff.mean() < 8  # noise, not a new picture


def test_a_sunset_still_alarms_only_without_the_temporal_checks(shared_dir: Path, tmp_path: Path):
    """cn_0add0ae6da56 (a dev val negative, lamps in a room) draws fire boxes at 0.6 frame after frame;
    held still, its box never flickers, so the shipped rules raise nothing, and with the checks off they do."""
    src = shared_dir / "data" / "firesmoke"
    name = "cn_0add0ae6da56"
    tiny = tmp_path / "set"
    for sub in ("images/val", "labels/val"):
        (tiny / sub).mkdir(parents=True)
    (tiny / "images/val" / f"{name}.jpg").write_bytes((src / "images/val" / f"{name}.jpg").read_bytes())
    (tiny / "labels/val" / f"{name}.txt").write_text("")
    (tiny / "data.yaml").write_text("path: .\nval: images/val\nnames:\n  0: fire\n  1: smoke\n")
    index = still_negatives.build(tiny, "val", tmp_path / "clips", seconds=4.0)
    assert json.loads(index.read_text())[0]["kind"] == "negative"
    (clip,) = load_clips(index)
    shipped = parse_config({}, environ={})
    assert replay_alarms(clip, shipped) == []
    off = parse_config({"vision": {"rules": {"fire_smoke": {"fire_min_flicker": 0, "smoke_min_drift": 0,
                                                             "needs_history": False}}}}, environ={})
    assert [a.type for a in replay_alarms(clip, off)] == ["fire"]
