"""The four-level warning closed loop (ALM-1..3), pure.

Stages: raised → pushed (notifications queued) → verified (核查) → fed_back (反馈) → closed.
Deadlines come from the level's policy; a missed deadline means supervision (督办).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

LEVELS: tuple[str, ...] = ("red", "orange", "yellow", "blue")
STAGES: tuple[str, ...] = ("raised", "pushed", "verified", "fed_back", "closed")
RANK = {s: i for i, s in enumerate(STAGES)}

# Verification may come before the push is recorded (a duty officer verifies the alarm at once).
NEXT: dict[str, frozenset[str]] = {
    "raised": frozenset({"pushed", "verified"}),
    "pushed": frozenset({"verified"}),
    "verified": frozenset({"fed_back"}),
    "fed_back": frozenset({"closed"}),
    "closed": frozenset(),
}


def why_illegal(stage: str, target: str) -> str | None:
    if stage not in NEXT or target not in NEXT:
        return f"unknown stage {target if stage in NEXT else stage!r}; one of: {', '.join(STAGES)}"
    if target in NEXT[stage]:
        return None
    if RANK[target] <= RANK[stage]:
        return f"warning is already {stage}"
    needed = {"fed_back": "verified first (核查 before 反馈)", "closed": "fed back first (反馈 before closing)"}
    return f"cannot go from {stage} to {target}: {needed.get(target, 'not allowed')}"


@dataclass(frozen=True)
class Deadlines:
    verify_due_at: datetime
    feedback_due_at: datetime


def deadlines(raised_at: datetime, verify_within_s: float, feedback_within_s: float) -> Deadlines:
    return Deadlines(raised_at + timedelta(seconds=verify_within_s), raised_at + timedelta(seconds=feedback_within_s))


@dataclass(frozen=True)
class Snapshot:
    stage: str
    verify_due_at: datetime
    feedback_due_at: datetime
    verified_at: datetime | None
    fed_back_at: datetime | None
    verify_overdue_at: datetime | None = None
    feedback_overdue_at: datetime | None = None


def overdue(w: Snapshot, now: datetime) -> list[str]:
    """Deadlines missed at ``now`` and not yet supervised: a subset of ["verify", "feedback"]."""
    out = []
    if w.stage == "closed":
        return out
    if w.verified_at is None and w.verify_overdue_at is None and now >= w.verify_due_at:
        out.append("verify")
    if w.fed_back_at is None and w.feedback_overdue_at is None and now >= w.feedback_due_at:
        out.append("feedback")
    return out


def was_late(done_at: datetime | None, due_at: datetime, now: datetime) -> bool:
    """A deadline counts as overdue when it was met late or is still open past its time."""
    return (done_at or now) > due_at


def closed_loop_rate(pushed: int, fed_back: int) -> float:
    """ALM-3: feedback / pushed in percent; nothing pushed means nothing owed (100 %)."""
    return 100.0 if pushed == 0 else round(100.0 * fed_back / pushed, 2)
