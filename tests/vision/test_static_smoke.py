"""A smoke box whose pixels do not change is a wall, not smoke (VID-2; the issue's "person asleep
at a desk called smoke" case): the change check on synthetic frames and in the camera processor."""

from __future__ import annotations

import numpy as np

from vision.change import ChangeHistory
from vision.detect.base import Detection, Detector
from vision.processor import CameraProcessor
from watchpost.config import Camera, parse_config

BOX = Detection("smoke", 0.6, 0.5, 0.0, 1.0, 1.0)  # the right half of the frame


def wall() -> np.ndarray:
    return np.full((360, 640, 3), 200, np.uint8)


def drifting(t: float) -> np.ndarray:
    """A grey plume in the right half that moves a little every frame."""
    f = wall()
    x = 360 + int(40 * t)
    f[60:300, x:x + 160] = 120
    return f


def test_changed_share_of_a_static_and_a_drifting_box():
    static, moving = ChangeHistory(2.0), ChangeHistory(2.0)
    assert static.changed_share(BOX) is None  # nothing to compare with yet
    for i in range(5):
        static.add(wall(), i * 0.5)
        moving.add(drifting(i * 0.5), i * 0.5)
    assert static.changed_share(BOX) == 0.0
    assert moving.changed_share(BOX) > 0.1


def test_people_and_their_margin_are_left_out():
    hist = ChangeHistory(2.0)
    for i in range(3):
        f = wall()
        f[100:300, 420 + 10 * i:520 + 10 * i] = 40  # a person swaying in front of the wall
        hist.add(f, i * 0.5)
    assert hist.changed_share(BOX) > 0.02
    hist.note_people([Detection("person", 0.9, 420 / 640, 100 / 360, 540 / 640, 300 / 360)])
    assert hist.changed_share(BOX) == 0.0


def test_a_person_who_walked_on_leaves_no_change_where_they_stood():
    """The frame compared against still shows them where they were: that spot changed too."""
    hist = ChangeHistory(2.0)
    then = wall()
    then[100:300, 340:420] = 40
    hist.add(then, 0.0)
    hist.note_people([Detection("person", 0.9, 340 / 640, 100 / 360, 420 / 640, 300 / 360)])
    now = wall()
    now[100:300, 520:600] = 40
    hist.add(now, 1.0)
    hist.note_people([Detection("person", 0.9, 520 / 640, 100 / 360, 600 / 640, 300 / 360)])
    assert hist.changed_share(BOX) == 0.0
    # Where they stood then, unnoted, counts as change (the check before people were kept per frame).
    hist._frames[0][2].clear()
    assert hist.changed_share(BOX) > 0.02


def test_history_keeps_only_the_baseline_window():
    hist = ChangeHistory(1.0)
    for i in range(10):
        hist.add(wall(), i * 0.5)
    assert len(hist._frames) <= 3


class AlwaysSmoke(Detector):
    name, classes = "always-smoke", ["smoke"]

    def load(self) -> None:
        pass

    def detect(self, frames):
        return [[BOX] for _ in frames]


def _alarms(frames) -> list[str]:
    cfg = parse_config({}, environ={})
    proc = CameraProcessor(Camera(id="c", url="x", motion_gating=False), cfg, {"firesmoke": AlwaysSmoke()})
    return [e.type for e in proc.process([(f, i * 0.5) for i, f in enumerate(frames)]) if e.kind == "raised"]


def test_processor_alarms_on_drifting_smoke_but_not_on_a_static_wall():
    assert _alarms([wall() for _ in range(10)]) == []
    assert _alarms([drifting(i * 0.5) for i in range(10)]) == ["smoke"]
    off = parse_config({"vision": {"rules": {"fire_smoke": {"smoke_min_change": 0}}}}, environ={})
    proc = CameraProcessor(Camera(id="c", url="x", motion_gating=False), off, {"firesmoke": AlwaysSmoke()})
    assert [e.type for e in proc.process([(wall(), i * 0.5) for i in range(10)]) if e.kind == "raised"] == ["smoke"]
