"""Statutory report clock (CMD-2 上报续报), pure: when is the next report due?

The first report is due ``report_due_s`` after receipt; after it, a follow-up every
``followup_every_s`` counted from the last report, while the incident is still running
(not terminated or final).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# Once the emergency is over, follow-ups stop; an initial report is still owed until closed.
NO_FOLLOWUPS: frozenset[str] = frozenset({"terminated", "closed", "false_alarm", "cancelled"})
NO_REPORTS: frozenset[str] = frozenset({"closed", "false_alarm", "cancelled"})


@dataclass(frozen=True)
class Due:
    kind: str  # "initial" | "followup"
    at: datetime


def next_due(status: str, received_at: datetime, first_reported_at: datetime | None,
             last_report_at: datetime | None, report_due_s: float, followup_every_s: float) -> Due | None:
    """The report owed next, or None when nothing is owed."""
    if status in NO_REPORTS:
        return None
    if first_reported_at is None:
        return Due("initial", received_at + timedelta(seconds=report_due_s))
    if status in NO_FOLLOWUPS:
        return None
    base = last_report_at or first_reported_at
    return Due("followup", base + timedelta(seconds=followup_every_s))


def is_overdue(due: Due | None, now: datetime) -> bool:
    return due is not None and now >= due.at
