"""Independent fire/smoke test set (VID-1, VID-2, VID-12): burnt-in and non-commercial images left
out, nothing the developer set holds scored again, polygons turned into boxes."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml

from tests.git_repo import commit_tree
from vision.eval.dataset import load_image_set
from vision.datasets.independent_images import SPLIT_DIR, build, near, thumbnail, to_boxes


def scene(seed: int) -> np.ndarray:
    return cv2.resize(np.random.default_rng(seed).integers(0, 255, (8, 8, 3), np.uint8), (320, 240),
                      interpolation=cv2.INTER_NEAREST)


def test_thumbnail_matches_a_resized_reencoded_copy_not_another_image() -> None:
    a = scene(1)
    copy = cv2.imdecode(cv2.imencode(".jpg", cv2.resize(a, (416, 416)), [cv2.IMWRITE_JPEG_QUALITY, 70])[1], 1)
    known = np.stack([thumbnail(scene(2)), thumbnail(a)])
    assert near(known, thumbnail(copy), 0.95)
    assert not near(known[:1], thumbnail(copy), 0.95)
    assert not near(np.zeros((0, 1024), np.float32), thumbnail(a), 0.95)


def test_to_boxes_keeps_boxes_and_bounds_polygons() -> None:
    assert to_boxes("0 0.5 0.5 0.2 0.4\n\n1 0.1 0.2 0.3 0.2 0.3 0.6") == [
        "0 0.500000 0.500000 0.200000 0.400000", "1 0.200000 0.400000 0.200000 0.400000"]
    with pytest.raises(ValueError, match="coordinates"):
        to_boxes("0 0.5 0.5 0.2")
    with pytest.raises(ValueError, match="class id 3"):
        to_boxes("3 0.5 0.5 0.2 0.2")


def test_build_leaves_out_burnt_in_non_commercial_and_known_images(tmp_path: Path) -> None:
    dev = tmp_path / "dev"
    for split in ("train", "val"):
        (dev / "images" / split).mkdir(parents=True)
        (dev / "labels" / split).mkdir(parents=True)
    cv2.imwrite(str(dev / "images" / "train" / "known.jpg"), scene(10))
    (dev / "labels" / "train" / "known.txt").write_text("0 0.5 0.5 0.5 0.5\n")
    (dev / "data.yaml").write_text("path: .\ntrain: images/train\nval: images/val\nnames:\n  0: fire\n  1: smoke\n")

    repo = tmp_path / "repo"
    split = repo / SPLIT_DIR
    (split / "images").mkdir(parents=True)
    (split / "labels").mkdir(parents=True)
    sources = {"frame_001_jpg.rf.a": (scene(20), "0 0.5 0.5 0.4 0.4"),            # kept
               "frame_002_jpg.rf.b": (scene(20), "0 0.5 0.5 0.4 0.4"),            # same frame again
               "pic-1-_jpg.rf.c": (scene(21), "1 0.2 0.2 0.4 0.2 0.4 0.5"),       # kept, polygon
               "middle_-7-_jpg.rf.d": (scene(22), "0 0.5 0.5 0.4 0.4"),           # DFS: burnt-in boxes
               "ck_0001_jpg.rf.e": (scene(23), "0 0.5 0.5 0.4 0.4"),              # non-commercial
               "web_jpg.rf.f": (cv2.resize(scene(10), (640, 640)), "0 0.5 0.5 0.5 0.5")}  # a dev image
    for stem, (img, label) in sources.items():
        cv2.imwrite(str(split / "images" / f"{stem}.jpg"), img)
        (split / "labels" / f"{stem}.txt").write_text(label)  # no trailing newline, as in the export

    tally = build(commit_tree(repo), dev, tmp_path / "out")
    assert tally["kept"] == 2 and tally["boxes"] == {"fire": 1, "smoke": 1}
    assert tally["dropped"] == {"near-duplicate within the split": 1, "DFS, boxes burnt into the pixels": 1,
                                "non-commercial upstream": 1, "near-duplicate of a developer image": 1}
    got = load_image_set(tmp_path / "out", "test")
    assert got.names == {0: "fire", 1: "smoke"}
    assert sorted((i.path.name, i.boxes) for i in got.images) == [
        ("frame_001_jpg.rf.a.jpg", (("fire", 0.5, 0.5, 0.4, 0.4),)),
        ("pic-1-_jpg.rf.c.jpg", (("smoke", 0.3, 0.35, 0.2, 0.3),))]
    assert yaml.safe_load((tmp_path / "out" / "data.yaml").read_text())["test"] == "images/test"
    assert "@ " in json.loads((tmp_path / "out" / "source.json").read_text())["source"]
