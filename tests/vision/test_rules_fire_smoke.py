"""Fire/smoke confirmation on synthetic detection sequences (VID-1, VID-2)."""

from __future__ import annotations

from functools import partial

from vision.detect.base import Detection
from vision.rules.fire_smoke import FireSmokeRule
from watchpost.config import FireSmokeRule as RuleConfig
from watchpost.config import Zone

# The k-of-n mechanics, one k for both classes (the shipped smoke_hits is tested in test_static_smoke.py).
Cfg = partial(RuleConfig, smoke_hits=None)


def fire(score=0.8, x=0.4, cls="fire", size=0.1, y=0.4):
    return Detection(cls, score, x, y, x + size, y + size)


def run(rule, frames, dt=0.5):
    out = []
    for i, dets in enumerate(frames):
        out += [(e.type, e.kind, i) for e in rule.update(i * dt, dets)]
    return out


def test_k_of_n_confirmation_then_single_alarm():
    rule = FireSmokeRule(Cfg(window=5, hits=3, cooldown_s=0))
    events = run(rule, [[fire()], [], [fire()], [fire()], [fire()], [fire()]])
    assert events == [("fire", "raised", 3)]  # third hit within the window, raised once


def test_below_threshold_small_or_scattered_hits_do_not_alarm():
    rule = FireSmokeRule(Cfg(window=5, hits=3, fire_threshold=0.5, min_area=0.005))
    frames = [[fire(score=0.4)]] * 5 + [[fire(size=0.02)]] * 5  # weak, then tiny (area 0.0004)
    assert run(rule, frames) == []
    rule = FireSmokeRule(Cfg(window=5, hits=3))
    # glare jumping around the frame: never the same region twice
    scattered = [[fire(x=0.0)], [fire(x=0.45)], [fire(x=0.85)], [fire(x=0.25)], [fire(x=0.65)]]
    assert run(rule, scattered) == []


def test_rearm_after_clear_and_cooldown():
    rule = FireSmokeRule(Cfg(window=3, hits=2, clear_after=2, cooldown_s=10))
    frames = [[fire()], [fire()], [], [], [fire()], [fire()]]  # t = 0 .. 2.5 s
    assert run(rule, frames) == [("fire", "raised", 1), ("fire", "cleared", 3)]  # cooldown blocks the re-raise
    rule = FireSmokeRule(Cfg(window=3, hits=2, clear_after=2, cooldown_s=1))
    assert run(rule, frames) == [("fire", "raised", 1), ("fire", "cleared", 3), ("fire", "raised", 5)]


def test_per_class_thresholds_and_independent_state():
    rule = FireSmokeRule(Cfg(window=3, hits=2, fire_threshold=0.9, smoke_threshold=0.3))
    frames = [[fire(0.5), fire(0.5, cls="smoke")]] * 3
    assert run(rule, frames) == [("smoke", "raised", 1)]


def test_masks_and_detect_zones():
    mask = Zone(name="flare stack", kind="mask", polygon=[(0.3, 0.3), (0.6, 0.3), (0.6, 0.6), (0.3, 0.6)])
    rule = FireSmokeRule(Cfg(window=3, hits=2), [mask])
    assert run(rule, [[fire()]] * 3) == []  # the box lies under the mask
    area = Zone(name="tanks", kind="detect", polygon=[(0.0, 0.0), (0.2, 0.0), (0.2, 0.2), (0.0, 0.2)])
    rule = FireSmokeRule(Cfg(window=3, hits=2), [area])
    assert run(rule, [[fire()]] * 3) == []  # outside the detect zone
    assert run(rule, [[fire(x=0.05, y=0.05)]] * 3)[0][:2] == ("fire", "raised")


def test_smoke_inside_a_detected_person_is_vetoed_fire_is_not():
    """VID-2, VID-3: grey clothing called smoke on a duty officer raises no smoke alarm."""
    person = Detection("person", 0.8, 0.50, 0.0, 0.70, 0.9)
    on_person = Detection("smoke", 0.45, 0.50, 0.0, 0.72, 0.6)  # ~91 % of its area inside the person
    frames = [[person, on_person, fire(0.8, x=0.52, y=0.2)]] * 4
    assert run(FireSmokeRule(Cfg(window=5, hits=3)), frames) == [("fire", "raised", 2)]
    # a plume reaching well beyond the person still alarms
    plume = Detection("smoke", 0.45, 0.30, 0.0, 0.90, 0.5)
    assert run(FireSmokeRule(Cfg(window=5, hits=3)), [[person, plume]] * 3) == [("smoke", "raised", 2)]
    # a weak person detection cannot veto, and the veto can be switched off
    weak = Detection("person", 0.2, 0.50, 0.0, 0.70, 0.9)
    assert run(FireSmokeRule(Cfg(window=5, hits=3)), [[weak, on_person]] * 3) == [("smoke", "raised", 2)]
    assert run(FireSmokeRule(Cfg(window=5, hits=3, person_veto=0)), [[person, on_person]] * 3) == [("smoke", "raised", 2)]
