"""Pure domain logic: incident FSM (CMD-2, exhaustive), warning policy (ALM-1..3), merge, report clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from command.domain import alarm_merge, incident_fsm, report_clock
from command.domain import warning_policy as wp

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)

# The legal table, written out independently of the module so a change to either shows up here.
LEGAL = {
    ("received", "verified"), ("received", "false_alarm"), ("received", "cancelled"),
    ("verified", "reported"), ("verified", "activated"), ("verified", "false_alarm"), ("verified", "cancelled"),
    ("reported", "activated"), ("reported", "terminated"), ("reported", "false_alarm"), ("reported", "cancelled"),
    ("activated", "dispatching"), ("activated", "terminated"),
    ("dispatching", "deployed"), ("dispatching", "terminated"),
    ("deployed", "dispatching"), ("deployed", "terminated"),
    ("terminated", "closed"),
}
ALL_PAIRS = [(a, b) for a in incident_fsm.STATES for b in incident_fsm.STATES]


@pytest.mark.parametrize("current,target", ALL_PAIRS)
def test_every_incident_transition(current, target):
    """CMD-2: every (state, target) pair, with the arguments a legal move needs."""
    reason = incident_fsm.why_illegal(current, target, note="review done", response_level="II")
    if (current, target) in LEGAL:
        assert reason is None
    else:
        assert reason and isinstance(reason, str)
        if current == target:
            assert "already" in reason
        elif current in incident_fsm.FINAL:
            assert "no further" in reason
        else:
            assert f"from {current} to {target}" in reason


def test_guards_on_legal_moves():
    assert "response_level" in incident_fsm.why_illegal("verified", "activated")
    assert "response_level" in incident_fsm.why_illegal("reported", "activated", response_level="V")
    assert "review" in incident_fsm.why_illegal("terminated", "closed", note="  ")
    assert "note" in incident_fsm.why_illegal("received", "false_alarm")
    assert "unknown target" in incident_fsm.why_illegal("received", "bogus")
    assert "unknown current" in incident_fsm.why_illegal("bogus", "received")


def test_reports_allowed_while_open():
    for s in incident_fsm.STATES:
        assert incident_fsm.can_report(s) == (s not in {"closed", "false_alarm", "cancelled"})


def test_warning_stage_transitions_exhaustive():
    """ALM-2: raised → pushed → verified → fed_back → closed; no skipping verify or feedback."""
    legal = {("raised", "pushed"), ("raised", "verified"), ("pushed", "verified"), ("verified", "fed_back"),
             ("fed_back", "closed")}
    for a in wp.STAGES:
        for b in wp.STAGES:
            reason = wp.why_illegal(a, b)
            assert (reason is None) == ((a, b) in legal), (a, b, reason)
    assert "核查" in wp.why_illegal("pushed", "fed_back")
    assert "already" in wp.why_illegal("verified", "pushed")


def test_warning_deadlines_and_overdue():
    d = wp.deadlines(T0, 300, 1800)
    assert d.verify_due_at == T0 + timedelta(seconds=300) and d.feedback_due_at == T0 + timedelta(seconds=1800)
    snap = wp.Snapshot("pushed", d.verify_due_at, d.feedback_due_at, None, None)
    assert wp.overdue(snap, T0 + timedelta(seconds=299)) == []
    assert wp.overdue(snap, T0 + timedelta(seconds=300)) == ["verify"]
    assert wp.overdue(snap, T0 + timedelta(seconds=1800)) == ["verify", "feedback"]
    flagged = wp.Snapshot("pushed", d.verify_due_at, d.feedback_due_at, None, None, verify_overdue_at=T0)
    assert wp.overdue(flagged, T0 + timedelta(seconds=1800)) == ["feedback"]  # supervised once per deadline
    done = wp.Snapshot("verified", d.verify_due_at, d.feedback_due_at, T0, None)
    assert wp.overdue(done, T0 + timedelta(seconds=400)) == []
    closed = wp.Snapshot("closed", d.verify_due_at, d.feedback_due_at, None, None)
    assert wp.overdue(closed, T0 + timedelta(days=9)) == []


def test_closed_loop_rate():
    """ALM-3: feedback = pushed is 100 %."""
    assert wp.closed_loop_rate(0, 0) == 100.0
    assert wp.closed_loop_rate(4, 4) == 100.0
    assert wp.closed_loop_rate(4, 3) == 75.0


def test_merge_rules():
    k1 = alarm_merge.merge_key("video", "fire", "cam1", "s1", "Tank A")
    assert k1 == alarm_merge.merge_key("video", "fire", "cam1", "other", "x")  # camera wins over place
    assert k1 != alarm_merge.merge_key("video", "smoke", "cam1", None, "")
    assert alarm_merge.merge_key("sensor", "gas", None, "S1", " Tank A ") == \
        alarm_merge.merge_key("sensor", "gas", None, "s1", "tank a")
    later = T0 + timedelta(seconds=120)
    assert alarm_merge.folds_into(120, "new", T0, False, later, False)
    assert not alarm_merge.folds_into(120, "new", T0, False, later + timedelta(seconds=1), False)
    assert not alarm_merge.folds_into(120, "false_alarm", T0, False, later, False)
    assert not alarm_merge.folds_into(120, "new", T0, True, later, False)  # drills never fold into real alarms
    assert not alarm_merge.folds_into(0, "new", T0, False, T0, False)
    assert alarm_merge.level_for(None, "fire", {"fire": "red"}) == "red"
    assert alarm_merge.level_for("blue", "fire", {"fire": "red"}) == "blue"
    assert alarm_merge.level_for(None, "odd", {}) == "yellow"


def test_report_clock():
    """CMD-2 上报续报: first report due after receipt, then follow-ups from the last report."""
    due = report_clock.next_due("received", T0, None, None, 3600, 7200)
    assert due == report_clock.Due("initial", T0 + timedelta(hours=1))
    assert not report_clock.is_overdue(due, T0 + timedelta(minutes=59))
    assert report_clock.is_overdue(due, T0 + timedelta(hours=1))
    r1 = T0 + timedelta(minutes=30)
    assert report_clock.next_due("reported", T0, r1, r1, 3600, 7200) == report_clock.Due("followup", r1 + timedelta(hours=2))
    r2 = r1 + timedelta(hours=1)
    assert report_clock.next_due("deployed", T0, r1, r2, 3600, 7200).at == r2 + timedelta(hours=2)
    assert report_clock.next_due("terminated", T0, r1, r2, 3600, 7200) is None
    assert report_clock.next_due("terminated", T0, None, None, 3600, 7200).kind == "initial"
    assert report_clock.next_due("cancelled", T0, None, None, 3600, 7200) is None
