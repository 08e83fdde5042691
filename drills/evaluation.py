"""The figures of a drill, computed from what the live system recorded (DRL-3, DRL-4; HSEEP).

The service gathers a ``DrillRecord`` from its tables (injects as fired, the alarms, incidents,
activations, messages, dispatches and reports they led to, each seat's tasks); everything here
is pure arithmetic on it, so a report's numbers can be checked against the timeline by hand.
Times are drill seconds unless named ``*_wall``: recognition (inject → alarm) is real time,
since a clip plays at its own pace whatever the drill's speed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from statistics import median
from typing import Literal

from drills import progress

Rating = Literal["P", "S", "M", "U"]
RATING_TEXT = {
    "P": ("完成，无问题", "Performed without challenges"),
    "S": ("完成，有少量问题", "Performed with some challenges"),
    "M": ("完成，有较大问题", "Performed with major challenges"),
    "U": ("未能完成", "Unable to be performed"),
}
# What each milestone is, in the order a response reaches them (inject → ...).
MILESTONES: tuple[tuple[str, str, str], ...] = (
    ("alarm", "报警", "alarm"), ("verified", "核查", "verification"), ("incident", "创建事件", "incident"),
    ("activated", "启动预案", "plan activation"), ("notified", "首次通知", "first notification"),
    ("dispatched", "调派", "dispatch"), ("reported", "首次上报", "first report"),
)


@dataclass
class InjectRecord:
    id: str
    kind: str
    title: str
    title_en: str = ""
    at_s: float = 0.0
    fired_s: float | None = None
    fired_wall: datetime | None = None
    camera: str | None = None
    # drill seconds since the start at which the response reached each milestone (None: never)
    milestones: dict[str, float | None] = field(default_factory=dict)
    alarm_wall: datetime | None = None
    alarm_type: str | None = None
    alarm_ids: list[int] = field(default_factory=list)

    def after_inject(self, milestone: str) -> float | None:
        at = self.milestones.get(milestone)
        return None if at is None or self.fired_s is None else max(0.0, at - self.fired_s)

    @property
    def time_to_alarm_wall_s(self) -> float | None:
        if self.alarm_wall is None or self.fired_wall is None:
            return None
        return max(0.0, (self.alarm_wall - self.fired_wall).total_seconds())


@dataclass
class TaskRecord:
    id: int
    inject_id: str
    role: str
    action: str
    title: str
    title_en: str
    due_s: float
    done_s: float | None
    status: str
    objective: str | None = None
    done_by: str | None = None
    how: str = ""  # "record" (read from the system's records) | "seat" (marked by the seat) | ""
    note: str = ""

    @property
    def delay_s(self) -> float | None:
        """Seconds past the deadline (negative: that much early); None if never done."""
        return None if self.done_s is None else self.done_s - self.due_s


@dataclass
class ObjectiveRecord:
    id: str
    title: str
    title_en: str = ""
    capabilities: list[str] = field(default_factory=list)


@dataclass
class Deliveries:
    """The drill's messages by their final state (drill sink or a named test group)."""

    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def delivered(self) -> int:
        return self.by_status.get("delivered", 0)

    @property
    def rate(self) -> float | None:
        return None if not self.total else self.delivered / self.total


@dataclass
class DrillRecord:
    drill_id: int
    title: str
    title_en: str
    enterprise: str
    description: str
    organizer: str
    status: str
    started_at: datetime
    ended_at: datetime | None
    speeds: list[float]
    duration_s: float
    seats: dict[str, list[str]]
    injects: list[InjectRecord]
    tasks: list[TaskRecord]
    objectives: list[ObjectiveRecord]
    deliveries: Deliveries
    test_group: list[str] = field(default_factory=list)


@dataclass
class Rated:
    objective: ObjectiveRecord
    rating: Rating | None  # None: no task evaluates it
    evidence: list[TaskRecord]


def rate(tasks: list[TaskRecord]) -> Rating | None:
    """HSEEP-style rating of an objective from its tasks: P all on time; S all done, some late;
    M some missed but at least half done; U less than half done."""
    if not tasks:
        return None
    done = sum(t.status in ("done", "late") for t in tasks)
    if all(t.status == "done" for t in tasks):
        return "P"
    if done == len(tasks):
        return "S"
    return "M" if done * 2 >= len(tasks) else "U"


def ratings(record: DrillRecord) -> list[Rated]:
    return [Rated(o, rate(ts := [t for t in record.tasks if t.objective == o.id]), ts) for o in record.objectives]


def role_summary(record: DrillRecord) -> dict[str, dict[str, int]]:
    return progress.by_role(record.tasks)


def on_time_rate(tasks: list[TaskRecord]) -> float | None:
    return None if not tasks else sum(t.status == "done" for t in tasks) / len(tasks)


def milestone_stats(record: DrillRecord) -> dict[str, dict[str, float | int | None]]:
    """Per milestone over the injects that reached it: how many, and the median and worst seconds."""
    out: dict[str, dict[str, float | int | None]] = {}
    for key, _, _ in MILESTONES:
        values = [v for i in record.injects if (v := i.after_inject(key)) is not None]
        out[key] = {"reached": len(values), "median_s": median(values) if values else None,
                    "max_s": max(values) if values else None}
    return out


def recognition(record: DrillRecord) -> list[InjectRecord]:
    """The video injects: did the vision worker alarm on the clip, and how soon (real seconds)."""
    return [i for i in record.injects if i.kind == "video"]


def strengths(record: DrillRecord) -> list[TaskRecord]:
    """Tasks done in under half the time allowed: what went well."""
    out = []
    for t in record.tasks:
        inj = next((i for i in record.injects if i.id == t.inject_id), None)
        if t.status == "done" and inj is not None and inj.fired_s is not None and t.done_s is not None:
            allowed = t.due_s - inj.fired_s
            if allowed > 0 and (t.done_s - inj.fired_s) <= allowed / 2:
                out.append(t)
    return out


def problems(record: DrillRecord) -> list[TaskRecord]:
    return [t for t in record.tasks if t.status in ("late", "missed", "overdue")]
