"""Validity, completeness and availability of resources, and checking a plan's needs (RES-2, CMD-5).

Pure: resources come in as ``Stock`` rows already reduced by active reservations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta


@dataclass
class Stock:
    id: int
    kind: str
    category: str
    name: str
    quantity: float
    status: str = "available"
    reserved: float = 0.0
    required_quantity: float | None = None
    expires_on: date | None = None
    inspection_due_on: date | None = None

    @property
    def free(self) -> float:
        return max(0.0, self.quantity - self.reserved)


@dataclass
class Evaluation:
    valid: bool
    inspected: bool
    complete: bool
    available: bool
    problems: list[str] = field(default_factory=list)


def evaluate(s: Stock, today: date) -> Evaluation:
    problems = []
    valid = s.expires_on is None or s.expires_on >= today
    if not valid:
        problems.append(f"expired on {s.expires_on}")
    inspected = s.inspection_due_on is None or s.inspection_due_on >= today
    if not inspected:
        problems.append(f"inspection overdue since {s.inspection_due_on}")
    complete = s.required_quantity is None or s.quantity >= s.required_quantity
    if not complete:
        problems.append(f"quantity {s.quantity:g} below the norm {s.required_quantity:g}")
    available = s.status == "available" and s.free > 0
    if not available:
        problems.append("unavailable" if s.status != "available" else "fully reserved")
    return Evaluation(valid, inspected, complete, available, problems)


def expiring(s: Stock, today: date, within_days: int) -> bool:
    return s.expires_on is not None and today <= s.expires_on <= today + timedelta(days=within_days)


@dataclass
class Need:
    kind: str
    category: str
    quantity: float


@dataclass
class Allocation:
    need: Need
    picks: list[tuple[int, float]]  # (resource id, quantity)
    shortfall: float
    flags: list[str]


def allocate(needs: list[Need], stock: list[Stock], today: date) -> list[Allocation]:
    """Greedy: per need, take usable resources with the most free quantity first. Expired or
    uninspected resources are never picked; they are flagged so the commander sees why."""
    taken: dict[int, float] = {}
    out = []
    for need in needs:
        pool = [s for s in stock if s.kind == need.kind and s.category == need.category]
        flags = []
        usable = []
        for s in pool:
            ev = evaluate(s, today)
            if not ev.valid or not ev.inspected:
                flags.append(f"{s.name} (#{s.id}): {'; '.join(p for p in ev.problems if 'expired' in p or 'inspection' in p)}")
            elif ev.available:
                usable.append(s)
        usable.sort(key=lambda s: (-(s.free - taken.get(s.id, 0)), s.id))
        left, picks = need.quantity, []
        for s in usable:
            if left <= 0:
                break
            free = s.free - taken.get(s.id, 0)
            if free <= 0:
                continue
            q = min(free, left)
            picks.append((s.id, q))
            taken[s.id] = taken.get(s.id, 0) + q
            left -= q
        if left > 0:
            flags.append(f"missing {left:g} of {need.kind} {need.category}")
        out.append(Allocation(need, picks, max(0.0, left), flags))
    return out
