"""Which segments to delete (pure): normal footage ages out first and goes first when the quota
is hit; alarm evidence is never deleted before its retention. If only evidence is left and the
quota is still exceeded, recording stops and a storage alarm is raised instead."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Segment:
    id: int
    camera_id: str
    start: datetime
    end: datetime
    path: str
    size: int
    category: str = "normal"  # normal | evidence
    pinned_until: datetime | None = None

    def protected(self, now: datetime, evidence_days: float) -> bool:
        if self.pinned_until is not None and self.pinned_until > now:
            return True
        return self.category == "evidence" and self.end > now - timedelta(days=evidence_days)


@dataclass
class RetentionPlan:
    delete: list[Segment] = field(default_factory=list)
    total_after: int = 0
    over_quota: bool = False
    stop_cameras: set[str] = field(default_factory=set)
    reasons: dict[int, str] = field(default_factory=dict)


def plan_retention(segments: list[Segment], now: datetime, *, normal_days: float, evidence_days: float,
                   quota_bytes: int) -> RetentionPlan:
    plan = RetentionPlan()
    keep: list[Segment] = []
    for s in segments:
        if s.protected(now, evidence_days):
            keep.append(s)
        elif s.category == "normal" and s.end <= now - timedelta(days=normal_days):
            plan.delete.append(s)
            plan.reasons[s.id] = f"normal footage older than {normal_days:g} days"
        elif s.category == "evidence":
            plan.delete.append(s)
            plan.reasons[s.id] = f"evidence older than {evidence_days:g} days"
        else:
            keep.append(s)
    total = sum(s.size for s in keep)
    if total > quota_bytes:
        for s in sorted((s for s in keep if not s.protected(now, evidence_days)), key=lambda s: s.start):
            if total <= quota_bytes:
                break
            plan.delete.append(s)
            plan.reasons[s.id] = "quota reached: oldest normal footage first"
            total -= s.size
        deleted = {s.id for s in plan.delete}
        keep = [s for s in keep if s.id not in deleted]
    plan.total_after = total
    if total > quota_bytes:
        plan.over_quota = True
        plan.stop_cameras = {s.camera_id for s in keep}
    return plan
