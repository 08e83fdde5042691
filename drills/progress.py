"""Where each role's expected actions stand (DRL-4): pure rules over drill seconds.

A task is done when its action was done by its deadline, late when after it, missed when the
drill ended without it; while the drill runs an undone task is pending, then overdue.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, Protocol

Status = Literal["pending", "overdue", "done", "late", "missed"]
STATUSES: tuple[str, ...] = Status.__args__  # type: ignore[attr-defined]


def status(due_s: float, done_s: float | None, now_s: float, finished: bool) -> Status:
    if done_s is not None:
        return "done" if done_s <= due_s else "late"
    if finished:
        return "missed"
    return "overdue" if now_s > due_s else "pending"


class HasRoleStatus(Protocol):
    role: str
    status: str


def by_role(tasks: Iterable[HasRoleStatus]) -> dict[str, dict[str, int]]:
    """Per role: how many tasks in each status, and in all."""
    out: dict[str, dict[str, int]] = {}
    for t in tasks:
        counts = out.setdefault(t.role, {s: 0 for s in STATUSES} | {"total": 0})
        counts[t.status] += 1
        counts["total"] += 1
    return out
