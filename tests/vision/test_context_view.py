"""The fire/smoke context pass (VID-1): the frame shrunk into a grey canvas, boxes mapped back and merged."""

from __future__ import annotations

import numpy as np
import pytest

from vision.detect.base import Detection, Detector
from vision.detect.context_view import (PAD_GREY, ContextViewDetector, canvas_scale, from_canvas, merge,
                                        shrink_into_canvas)
from watchpost.config import ConfigError, parse_config


def test_canvas_holds_the_shrunk_frame_in_its_middle() -> None:
    frame = np.zeros((100, 200, 3), np.uint8)
    frame[:] = (0, 0, 255)
    canvas, ox, oy = shrink_into_canvas(frame, 0.5)
    assert canvas.shape == frame.shape
    assert (ox, oy) == (0.25, 0.25)
    assert (canvas[25:75, 50:150] == (0, 0, 255)).all()
    assert (canvas[:25] == PAD_GREY).all() and (canvas[:, :50] == PAD_GREY).all()


def test_boxes_on_the_canvas_map_back_to_the_frame() -> None:
    # The whole content area of a 0.5 canvas is the whole frame.
    whole = from_canvas(Detection("fire", 0.8, 0.25, 0.25, 0.75, 0.75), 0.5, 0.25, 0.25)
    assert whole == Detection("fire", 0.8, 0.0, 0.0, 1.0, 1.0)
    # Reaching into the border is clipped to the frame; a box wholly on the border is nothing.
    clipped = from_canvas(Detection("fire", 0.8, 0.1, 0.5, 0.5, 0.9), 0.5, 0.25, 0.25)
    assert clipped == Detection("fire", 0.8, 0.0, pytest.approx(0.5), pytest.approx(0.5), 1.0)
    assert from_canvas(Detection("fire", 0.8, 0.0, 0.0, 0.2, 0.2), 0.5, 0.25, 0.25) is None


def test_box_overlap_known_values() -> None:
    a = Detection("fire", 0.5, 0.0, 0.0, 0.2, 0.2)
    b = Detection("fire", 0.5, 0.1, 0.1, 0.3, 0.3)
    assert a.intersection(b) == pytest.approx(0.01) and a.iou(b) == pytest.approx(0.01 / 0.07)
    assert a.intersection(Detection("fire", 0.5, 0.5, 0.5, 0.6, 0.6)) == 0.0 and a.iou(a) == pytest.approx(1.0)


def test_merge_keeps_the_higher_score_of_a_fire_found_by_both_passes() -> None:
    main_low = Detection("fire", 0.15, 0.0, 0.0, 0.5, 0.5)
    extra_high = Detection("fire", 0.8, 0.0, 0.0, 0.5, 0.52)
    other_fire = Detection("fire", 0.3, 0.6, 0.6, 0.9, 0.9)
    assert merge([main_low, other_fire], [extra_high]) == [extra_high, other_fire]
    # A repeat of a kept main box with a lower score goes; a box of another class stays.
    extra_low = Detection("fire", 0.1, 0.6, 0.6, 0.9, 0.9)
    smoke = Detection("smoke", 0.5, 0.0, 0.0, 0.5, 0.5)
    assert merge([other_fire], [extra_low, smoke]) == [smoke, other_fire]


def test_merge_never_suppresses_the_main_pass_among_itself() -> None:
    a = Detection("fire", 0.9, 0.0, 0.0, 0.5, 0.5)
    b = Detection("fire", 0.5, 0.0, 0.0, 0.5, 0.55)  # the model's own NMS kept both
    assert merge([a, b], []) == [a, b]


class Fixed(Detector):
    """Returns set boxes and records the frames it saw."""

    def __init__(self, dets: list[Detection]) -> None:
        self.dets, self.seen, self.classes, self.name = dets, [], ["fire", "smoke"], "fixed"

    def load(self) -> None:
        pass

    def detect(self, frames: list[np.ndarray]) -> list[list[Detection]]:
        self.seen += frames
        return [list(self.dets) for _ in frames]


def test_context_detector_adds_only_its_classes_from_the_shrunk_frame() -> None:
    main = Fixed([Detection("smoke", 0.4, 0.1, 0.1, 0.2, 0.2)])
    context = Fixed([Detection("fire", 0.7, 0.25, 0.25, 0.75, 0.75), Detection("smoke", 0.9, 0.3, 0.3, 0.4, 0.4)])
    det = ContextViewDetector(main, context, 0.5, ["fire"])
    frame = np.full((60, 80, 3), 200, np.uint8)
    (out,) = det.detect([frame])
    assert out == [Detection("fire", 0.7, 0.0, 0.0, 1.0, 1.0), Detection("smoke", 0.4, 0.1, 0.1, 0.2, 0.2)]
    assert main.seen[0] is frame
    assert (context.seen[0][0, 0] == PAD_GREY).all() and (context.seen[0][30, 40] == 200).all()
    assert det.detect([]) == []
    # A box under min_area of the frame is left to the main pass, which sees it at full size.
    small = ContextViewDetector(main, Fixed([Detection("fire", 0.7, 0.4, 0.4, 0.5, 0.5)]), 0.5, ["fire"], 0.1)
    assert small.detect([frame]) == [[Detection("smoke", 0.4, 0.1, 0.1, 0.2, 0.2)]]
    # So is a doubtful one: the shrunk frame shows less detail.
    doubtful = ContextViewDetector(main, Fixed([Detection("fire", 0.3, 0.25, 0.25, 0.75, 0.75)]), 0.5, ["fire"],
                                   0.1, 0.35)
    assert doubtful.detect([frame]) == [[Detection("smoke", 0.4, 0.1, 0.1, 0.2, 0.2)]]
    with pytest.raises(ValueError, match="scale"):
        ContextViewDetector(main, context, 1.0, ["fire"])


def test_config_on_by_default_and_bad_values_name_the_field() -> None:
    cv = parse_config({}, environ={}).vision.detector.fire_smoke_context_view
    assert (cv.enabled, cv.scale, cv.imgsz, cv.labels, cv.min_area, cv.min_score) == (True, 0.5, 320, ["fire"], 0.1,
                                                                                       0.35)
    for bad, field in (({"scale": 1.0}, "scale"), ({"labels": ["person"]}, "labels"), ({"labels": []}, "labels")):
        with pytest.raises(ConfigError) as exc:
            parse_config({"vision": {"detector": {"fire_smoke_context_view": bad}}}, environ={})
        assert f"vision.detector.fire_smoke_context_view.{field}" in "\n".join(exc.value.errors)


def test_a_static_graph_gets_the_frame_at_the_size_the_settings_mean() -> None:
    """Half of a 320 canvas is 160 px of frame; a 640x640 ONNX graph runs at 640 whatever it is asked, so
    the frame goes in at a quarter (measured: at half, the flame-front clip alarmed after 20.5 s, not 1 s)."""
    assert canvas_scale(0.5, 320, 320) == 0.5
    assert canvas_scale(0.5, 320, 640) == 0.25
    assert canvas_scale(0.5, 640, 320) == 0.5  # a graph smaller than asked: nothing to make up
