"""Retention with a small quota and a fake clock: normal footage goes first, evidence is never
deleted before its retention, and a full disk of evidence stops recording (VID-6, VID-7)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from vision.record.index import SegmentIndex
from vision.record.retention import Segment, plan_retention
from vision.record.sweeper import sweep
from watchpost.clock import FakeClock
from watchpost.config import Recording

NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)


def seg(i, age_days, size=100, category="normal", cam="c1", pinned=None):
    start = NOW - timedelta(days=age_days)
    return Segment(i, cam, start, start + timedelta(minutes=1), f"s{i}.mp4", size, category, pinned)


def test_age_limits_per_category():
    segs = [seg(1, 31), seg(2, 29), seg(3, 200, category="evidence"), seg(4, 400, category="evidence")]
    plan = plan_retention(segs, NOW, normal_days=30, evidence_days=366, quota_bytes=10_000)
    assert {s.id for s in plan.delete} == {1, 4}
    assert not plan.over_quota


def test_quota_deletes_oldest_normal_first_never_evidence():
    segs = [seg(1, 5), seg(2, 4), seg(3, 6, category="evidence"), seg(4, 3), seg(5, 1)]
    plan = plan_retention(segs, NOW, normal_days=30, evidence_days=366, quota_bytes=300)
    assert [s.id for s in plan.delete] == [1, 2]  # oldest normal first; evidence 3 kept though older
    assert plan.total_after == 300 and not plan.over_quota


def test_pinned_normal_footage_is_protected():
    segs = [seg(1, 40, pinned=NOW + timedelta(days=10)), seg(2, 40)]
    plan = plan_retention(segs, NOW, normal_days=30, evidence_days=366, quota_bytes=10_000)
    assert [s.id for s in plan.delete] == [2]


def test_only_evidence_left_stops_recording_and_alarms():
    segs = [seg(1, 2, category="evidence", cam="a"), seg(2, 1, category="evidence", cam="b"), seg(3, 1, cam="b")]
    plan = plan_retention(segs, NOW, normal_days=30, evidence_days=366, quota_bytes=150)
    assert [s.id for s in plan.delete] == [3]
    assert plan.over_quota and plan.stop_cameras == {"a", "b"}


def test_sweep_deletes_files_and_index_rows_over_time(tmp_path):
    clock = FakeClock(NOW)
    idx = SegmentIndex(tmp_path)
    for i in range(4):
        rel = f"recordings/c1/{i}.mp4"
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"x" * 1000)
        start = clock.now() - timedelta(days=10 - i)
        idx.add("c1", start, start + timedelta(minutes=1), rel, 1000, category="evidence" if i == 0 else "normal")
    cfg = Recording(normal_retention_days=30, evidence_retention_days=366, quota_gb=2500 / 1024**3)
    plan = sweep(idx, cfg, clock.now())
    assert [s.path for s in plan.delete] == ["recordings/c1/1.mp4", "recordings/c1/2.mp4"]
    assert not (tmp_path / "recordings/c1/1.mp4").exists() and (tmp_path / "recordings/c1/0.mp4").exists()
    assert len(idx.query()) == 2
    clock.advance(25 * 86400)  # the remaining normal segment is now past 30 days
    plan = sweep(idx, cfg, clock.now())
    assert [s.path for s in plan.delete] == ["recordings/c1/3.mp4"]
    assert [s.path for s in idx.query()] == ["recordings/c1/0.mp4"]  # evidence stays
    assert idx.pin("c1", NOW - timedelta(days=11), NOW, NOW + timedelta(days=999)) == 1
    idx.close()
