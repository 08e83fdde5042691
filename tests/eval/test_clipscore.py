"""Clip scoring: detected/missed, time-to-alarm, false alarms, off-post with threshold T (VID-1..3, VID-12)."""

from __future__ import annotations

import pytest

from vision.eval.clipscore import Alarm, aggregate, score_clip
from vision.eval.dataset import ClipRecord


def rec(kind: str, events: list[tuple[str, float]], duration: float = 30.0) -> ClipRecord:
    roi = [(0.2, 0.2), (0.8, 0.2), (0.8, 0.9)] if kind in ("off_post", "on_post") else None
    return ClipRecord(file=f"clips/{kind}.mp4", fps=10, duration_s=duration, kind=kind, roi=roi,
                      events=[{"type": t, "start_s": s} for t, s in events])


def test_fire_event_time_to_alarm_and_false_alarms() -> None:
    """VID-1/VID-12: an alarm before start_s is false; first alarm after it scores; later ones repeat."""
    r = rec("fire", [("fire", 2.0)])
    out = score_clip(r, [Alarm("fire", 1.0), Alarm("fire", 3.5), Alarm("fire", 10.0), Alarm("smoke", 4.0)],
                     absent_after_s=60)
    (ev,) = out["events"]
    assert ev["detected"] and ev["time_to_alarm_s"] == 1.5 and ev["repeats"] == 1
    assert out["false_alarms"] == [{"type": "fire", "t": 1.0}, {"type": "smoke", "t": 4.0}]


def test_missed_event() -> None:
    """VID-2: no smoke alarm at all -> missed."""
    out = score_clip(rec("smoke", [("smoke", 0.0)]), [], absent_after_s=60)
    assert out["events"][0]["detected"] is False
    assert out["false_alarms"] == []


def test_off_post_allows_for_absence_threshold() -> None:
    """VID-3: with T = 3 s, an alarm 2.5 s after the seat empties matches (grace 1 s); one at 1 s is false."""
    r = rec("off_post", [("off_post", 20.0)], duration=26)
    out = score_clip(r, [Alarm("off_post", 21.0), Alarm("off_post", 22.5)], absent_after_s=3.0, grace_s=1.0)
    (ev,) = out["events"]
    assert ev["detected"] and ev["time_to_alarm_s"] == 2.5 and ev["within_target"] is True
    assert out["false_alarms"] == [{"type": "off_post", "t": 21.0}]
    late = score_clip(r, [Alarm("off_post", 29.5)], absent_after_s=3.0)
    assert late["events"][0]["within_target"] is False  # 9.5 s > T + 5 s


def test_aggregate_recall_p95_and_negative_rate() -> None:
    """VID-12: recall over events, p95 of time-to-alarm, false alarms per hour of negative footage."""
    clips = [
        score_clip(rec("fire", [("fire", 0.0)]), [Alarm("fire", 2.0)], 60),
        score_clip(rec("fire", [("fire", 0.0)]), [Alarm("fire", 4.0)], 60),
        score_clip(rec("fire", [("fire", 0.0)]), [], 60),
        score_clip(rec("negative", [], duration=1800.0), [Alarm("smoke", 100.0)], 60),
        score_clip(rec("on_post", [], duration=1800.0), [], 60),
    ]
    agg = aggregate(clips)
    assert agg["fire"]["events"] == 3 and agg["fire"]["detected"] == 2
    assert agg["fire"]["event_recall"] == pytest.approx(0.6667)
    assert agg["fire"]["time_to_alarm_p95_s"] == pytest.approx(3.9)
    assert agg["false_alarms"] == 1
    assert agg["negative_footage_h"] == pytest.approx(1.0)
    assert agg["false_alarms_per_hour_negative"] == 1.0
    assert "smoke" not in agg  # no smoke events: no recall to report


def test_off_post_event_too_short_for_threshold_is_not_scored() -> None:
    """VID-3 / eval-format: with T = 60 s, a clip ending 5.5 s after the post empties cannot show an
    on-time alarm: the event is left out of the recall, not counted as a miss; a long clip still misses."""
    short = score_clip(rec("off_post", [("off_post", 20.0)], duration=25.5), [], absent_after_s=60.0)
    (ev,) = short["events"]
    assert ev["detected"] is False and ev["scorable"] is False
    assert "5.5 s after the post empties" in ev["reason"] and "65 s" in ev["reason"]
    long = score_clip(rec("off_post", [("off_post", 20.0)], duration=90.0), [], absent_after_s=60.0)
    assert long["events"][0]["scorable"] is True
    agg = aggregate([short, long])
    assert agg["off_post"]["events"] == 2 and agg["off_post"]["not_scorable"] == 1
    assert agg["off_post"]["event_recall"] == 0.0  # 0 of the 1 scorable event
    assert aggregate([short])["off_post"]["event_recall"] is None  # nothing measurable


def test_alarm_in_a_short_clip_still_counts() -> None:
    """An alarm that does come in a clip shorter than T + 5 s after the seat empties is scored as detected."""
    out = score_clip(rec("off_post", [("off_post", 5.0)], duration=10.0), [Alarm("off_post", 8.5)],
                     absent_after_s=3.0)
    (ev,) = out["events"]
    assert ev["detected"] and ev["scorable"] is True and ev["time_to_alarm_s"] == 3.5


def test_cli_names_the_threshold_that_fits_short_clips(capsys: pytest.CaptureFixture[str]) -> None:
    """The evaluator is told which --absent-after lets an alarm fall inside every unscored clip."""
    from vision.eval.cli import _warn_unscored

    clips = [score_clip(rec("off_post", [("off_post", 20.0)], duration=25.5), [], 60.0),
             score_clip(rec("off_post", [("off_post", 9.0)], duration=15.0), [], 60.0)]
    _warn_unscored({"clips": {"absent_after_s": 60.0, "per_clip": clips}})
    err = capsys.readouterr().err
    assert "2 off-post event(s) not scored" in err and "--absent-after 4.5 or less" in err


def test_html_report_tables_events_and_says_why_one_was_not_scored(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """VID-12: the evaluator's page shows recall/time-to-alarm per type and the reason an event was left out."""
    from vision.eval.report import write_html

    clips = [score_clip(rec("fire", [("fire", 1.0)]), [Alarm("fire", 3.0), Alarm("smoke", 4.0)], 60.0),
             score_clip(rec("off_post", [("off_post", 20.0)], duration=25.5), [], 60.0)]
    report = {"set": "s", "created_utc": "t", "schema": "watchpost.eval/1", "detectors": {}, "thresholds": {},
              "images": None, "summary": {"images": None, "clips": None},
              "clips": {"absent_after_s": 60.0, "grace_s": 1.0, "per_clip": clips, "summary": aggregate(clips)}}
    write_html(report, tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text()
    assert "<th>fire</th><td>1</td><td>1</td><td>0</td><td>1.0</td><td>2.0</td>" in page
    assert "<th>off_post</th><td>1</td><td>0</td><td>1</td><td>—</td>" in page
    assert "not scored: the clip ends 5.5 s after the post empties" in page
    assert "False alarms: 1 in 2 clips (smoke 1)" in page
