"""Close-up recall (VID-1, VID-2): crops where the fire or smoke fills the frame or runs past its
edges, scored with a detector whose answers are known."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from vision.eval.close_ups import PAD_GREY, analyse, found, main, zoom_crop
from vision.eval.detectors import Det


def test_zoom_crop_whole_box_in_view() -> None:
    img = np.zeros((100, 200, 3), np.uint8)
    crop, box = zoom_crop(img, (80.0, 40.0, 120.0, 60.0), fill=0.5)  # longer side 40 -> 80 px crop
    assert crop.shape[:2] == (80, 80)
    assert box == (20.0, 30.0, 60.0, 50.0)


def test_zoom_crop_pads_outside_the_image_with_grey() -> None:
    img = np.zeros((100, 100, 3), np.uint8)
    crop, box = zoom_crop(img, (0.0, 0.0, 20.0, 20.0), fill=0.5)  # crop spans -10..30
    assert crop.shape[:2] == (40, 40)
    assert tuple(crop[0, 0]) == PAD_GREY and tuple(crop[20, 20]) == (0, 0, 0)
    assert box == (10.0, 10.0, 30.0, 30.0)


def test_zoom_crop_past_the_edges_clips_the_box() -> None:
    img = np.zeros((100, 100, 3), np.uint8)
    crop, box = zoom_crop(img, (20.0, 20.0, 80.0, 80.0), fill=2.0)  # the middle 30 px of a 60 px box
    assert crop.shape[:2] == (30, 30)
    assert box == (0.0, 0.0, 30.0, 30.0)
    with pytest.raises(ValueError, match="fill"):
        zoom_crop(img, (20.0, 20.0, 80.0, 80.0), fill=0.0)


def test_found_needs_class_threshold_and_overlap() -> None:
    box = (0.0, 0.0, 10.0, 10.0)
    assert found([Det("fire", 0.5, (1, 1, 10, 10))], "fire", box, 0.2)
    assert not found([Det("fire", 0.1, (1, 1, 10, 10))], "fire", box, 0.2)
    assert not found([Det("smoke", 0.9, (1, 1, 10, 10))], "fire", box, 0.2)
    assert not found([Det("fire", 0.9, (8, 8, 30, 30))], "fire", box, 0.2)  # IoU < 0.3


class _BrightFire:
    """Calls 'fire' on the bounding box of bright pixels, but only if they do not touch the frame's
    edge: a detector that needs to see the fire's outline."""

    labels = ("fire", "smoke")

    def detect(self, image: np.ndarray, source: Path | None = None) -> list[Det]:
        ys, xs = np.nonzero(image[:, :, 2] > 200)
        h, w = image.shape[:2]
        if len(xs) == 0 or xs.min() == 0 or ys.min() == 0 or xs.max() == w - 1 or ys.max() == h - 1:
            return []
        return [Det("fire", 0.9, (float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1)))]


def test_analyse_counts_full_and_crops(tmp_path: Path) -> None:
    for sub in ("images/val", "labels/val"):
        (tmp_path / sub).mkdir(parents=True)
    (tmp_path / "data.yaml").write_text("names: {0: fire, 1: smoke}\n")
    img = np.zeros((200, 200, 3), np.uint8)
    img[60:140, 60:140] = (0, 0, 255)  # an 80 px "fire" in the middle
    cv2.imwrite(str(tmp_path / "images/val/a.png"), img)
    (tmp_path / "labels/val/a.txt").write_text("0 0.5 0.5 0.4 0.4\n")
    cv2.imwrite(str(tmp_path / "images/val/b.png"), np.zeros((200, 200, 3), np.uint8))
    (tmp_path / "labels/val/b.txt").write_text("1 0.5 0.5 0.05 0.05\n")  # too small to count
    res = analyse(tmp_path, "val", _BrightFire(), {"fire": 0.2, "smoke": 0.25}, [0.5, 2.0])
    assert res["counts"] == {"fire": {"boxes": 1, "full": 1, "fill_0.5": 1, "fill_2": 0},
                             "smoke": {"boxes": 0, "full": 0, "fill_0.5": 0, "fill_2": 0}}
    assert res["recall"] == {"fire": {"full": 1.0, "fill_0.5": 1.0, "fill_2": 0.0}, "smoke": {}}


def test_cli_rejects_a_bad_fill(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main([str(tmp_path), "--fill", "5"])
    assert "--fill" in capsys.readouterr().err
