"""Off-post rule on synthetic detection sequences: leave, return, flicker, occlusion, schedule
edges, head-count; a still or sleeping person is on post (VID-3)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from vision.detect.base import Detection
from vision.rules.off_post import OffPostRule
from vision.rules.schedule import on_duty
from watchpost.config import DutySchedule, Zone
from watchpost.config import OffPostRule as Cfg

POST = Zone(name="console seat", kind="duty_post", polygon=[(0.4, 0.2), (0.7, 0.2), (0.7, 0.9), (0.4, 0.9)])
AT_POST = Detection("person", 0.8, 0.45, 0.3, 0.6, 0.85)
ELSEWHERE = Detection("person", 0.8, 0.05, 0.3, 0.2, 0.85)
SLEEPING = Detection("person", 0.5, 0.42, 0.55, 0.68, 0.8)  # slumped over the desk: low, wide box


def run(rule, seq, dt=0.5, wall0=None):
    out = []
    for i, dets in enumerate(seq):
        wall = wall0 + timedelta(seconds=i * dt) if wall0 else None
        out += [(e.kind, i * dt) for e in rule.update(i * dt, dets, wall)]
    return out


def test_leave_alarm_after_t_then_clear_on_return():
    rule = OffPostRule(Cfg(absent_after_s=5), POST)
    seq = [[AT_POST]] * 4 + [[ELSEWHERE]] * 12 + [[AT_POST]] * 2
    assert run(rule, seq) == [("raised", 7.0), ("cleared", 8.0)]  # empty from 2.0 s, raised at 2.0 + 5


def test_flicker_and_short_occlusion_never_alarm():
    rule = OffPostRule(Cfg(absent_after_s=5), POST)
    seq = ([[AT_POST], [], [AT_POST], [], []] * 6) + [[]] * 6 + [[AT_POST]] * 4  # 3 s occlusion
    assert run(rule, seq) == []


def test_still_seated_or_sleeping_person_is_on_post():
    rule = OffPostRule(Cfg(absent_after_s=5), POST)
    assert run(rule, [[SLEEPING]] * 600) == []  # five minutes motionless at the desk


def test_head_count_two():
    post = POST.model_copy(update={"required_people": 2})
    rule = OffPostRule(Cfg(absent_after_s=2), post)
    second = Detection("person", 0.8, 0.55, 0.3, 0.68, 0.85)
    seq = [[AT_POST, second]] * 2 + [[AT_POST]] * 6 + [[AT_POST, second]]
    assert run(rule, seq) == [("raised", 3.0), ("cleared", 4.0)]


def test_low_confidence_person_does_not_count():
    rule = OffPostRule(Cfg(absent_after_s=1, person_threshold=0.6), POST)
    weak = Detection("person", 0.3, 0.45, 0.3, 0.6, 0.85)
    assert run(rule, [[weak]] * 4)[0] == ("raised", 1.0)


def test_schedule_edges_and_midnight_wrap():
    night = DutySchedule(windows=["22:00-06:00"], weekdays=[0])  # Monday night shift
    tz = "UTC"
    mon = datetime(2026, 11, 23, tzinfo=timezone.utc)  # a Monday
    assert not on_duty(night, mon.replace(hour=21, minute=59), tz)
    assert on_duty(night, mon.replace(hour=22), tz)
    assert on_duty(night, mon.replace(hour=5, minute=59) + timedelta(days=1), tz)  # Tuesday morning, Monday's shift
    assert not on_duty(night, mon.replace(hour=6) + timedelta(days=1), tz)
    assert not on_duty(night, mon.replace(hour=23) + timedelta(days=1), tz)  # Tuesday night: not scheduled
    day = DutySchedule(windows=["08:00-24:00"])
    assert on_duty(day, mon.replace(hour=23, minute=59), tz) and not on_duty(day, mon.replace(hour=7), tz)


def test_empty_post_outside_duty_hours_is_not_an_alarm_and_shift_start_resets():
    sched = DutySchedule(windows=["08:00-20:00"])
    rule = OffPostRule(Cfg(absent_after_s=5), POST, sched, tz="UTC")
    start = datetime(2026, 11, 24, 7, 59, 50, tzinfo=timezone.utc)
    events = run(rule, [[]] * 40, wall0=start)  # empty from 07:59:50 to 08:00:09.5
    assert events == [("raised", 15.0)]  # 5 s after the shift began at 08:00:00 (t = 10 s)
    end = datetime(2026, 11, 24, 19, 59, 58, tzinfo=timezone.utc)
    rule = OffPostRule(Cfg(absent_after_s=1), POST, sched, tz="UTC")
    assert run(rule, [[]] * 8, wall0=end) == [("raised", 1.0), ("cleared", 2.0)]  # duty ended at 20:00
