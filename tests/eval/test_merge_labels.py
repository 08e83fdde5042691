"""Smoke labels merged per image for training: one box per plume, not one per puff (VID-2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from vision.train.data_prep import prepare
from vision.train.merge_labels import merge_boxes, merge_label_text


def test_touching_and_near_boxes_merge_far_ones_stay():
    puffs = [(0.10, 0.10, 0.20, 0.20), (0.19, 0.12, 0.30, 0.25), (0.31, 0.10, 0.40, 0.20), (0.80, 0.80, 0.90, 0.90)]
    assert merge_boxes(puffs, 0.0) == [(0.10, 0.10, 0.30, 0.25), (0.31, 0.10, 0.40, 0.20), (0.80, 0.80, 0.90, 0.90)]
    assert merge_boxes(puffs, 0.02) == [(0.10, 0.10, 0.40, 0.25), (0.80, 0.80, 0.90, 0.90)]


def test_a_union_that_reaches_a_box_takes_it_in():
    # c touches neither a nor b, but their union
    a, b, c = (0.0, 0.0, 0.1, 0.1), (0.3, 0.0, 0.4, 0.1), (0.15, 0.05, 0.25, 0.3)
    assert merge_boxes([a, b, (0.09, 0.0, 0.31, 0.02), c], 0.0) == [(0.0, 0.0, 0.4, 0.3)]


def test_label_text_merges_only_the_class_asked():
    text = "1 0.15 0.15 0.1 0.1\n0 0.5 0.5 0.1 0.1\n1 0.245 0.185 0.11 0.13\n"
    lines = merge_label_text(text, 1, 0.0).splitlines()
    assert lines[0] == "0 0.5 0.5 0.1 0.1"
    assert len(lines) == 2 and lines[1].startswith("1 ")
    cx, cy, w, h = map(float, lines[1].split()[1:])
    assert (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2) == pytest.approx((0.10, 0.10, 0.30, 0.25))
    assert merge_label_text("", 1, 0.0) == ""  # a negative image stays one


def test_training_copy_merges_smoke_and_leaves_the_source(tmp_path: Path):
    src = tmp_path / "set"
    for sub in ("images/train", "labels/train", "images/val", "labels/val"):
        (src / sub).mkdir(parents=True)
    for split in ("train", "val"):
        (src / f"images/{split}/a.jpg").write_bytes(b"x")
        (src / f"labels/{split}/a.txt").write_text("1 0.15 0.15 0.1 0.1\n1 0.25 0.15 0.1 0.1\n")
    (src / "data.yaml").write_text("train: images/train\nval: images/val\nnames:\n  0: fire\n  1: smoke\n")
    prepare(src, tmp_path / "scratch", merge_smoke=0.0)
    assert len((tmp_path / "scratch/labels/train/a.txt").read_text().splitlines()) == 1
    assert len((src / "labels/train/a.txt").read_text().splitlines()) == 2
