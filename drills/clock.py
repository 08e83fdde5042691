"""The drill clock: drill seconds as a function of wall time, at a speed, paused or running.

Kept as its segments (from this wall instant on, this many drill seconds had passed, at this
speed, or paused), so it survives a service restart (the drill goes on where it was, and a pause
lasts across it) and any past wall time maps to its drill second exactly: a verification stamped
before a speed change counts at the speed it happened under. Pure: wall times are passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class Segment:
    wall: datetime
    drill_s: float
    speed: float
    paused: bool

    def at(self, wall: datetime) -> float:
        if self.paused:
            return self.drill_s
        return self.drill_s + (wall - self.wall).total_seconds() * self.speed


@dataclass(frozen=True)
class DrillClock:
    segments: tuple[Segment, ...]

    @classmethod
    def start(cls, at: datetime, speed: float) -> "DrillClock":
        if speed <= 0:
            raise ValueError("speed must be positive")
        return cls((Segment(at, 0.0, speed, False),))

    @property
    def current(self) -> Segment:
        return self.segments[-1]

    @property
    def speed(self) -> float:
        return self.current.speed

    @property
    def paused(self) -> bool:
        return self.current.paused

    @property
    def started_at(self) -> datetime:
        return self.segments[0].wall

    def drill_s(self, wall: datetime) -> float:
        """The drill second at ``wall`` (before the start: negative, at the starting speed)."""
        seg = self.segments[0]
        for s in self.segments[1:]:
            if s.wall > wall:
                break
            seg = s
        return seg.at(wall)

    def wall_at(self, drill_s: float) -> datetime | None:
        """When the clock reaches ``drill_s`` from now on (None while paused short of it)."""
        cur = self.current
        if drill_s <= cur.drill_s:
            return cur.wall
        if cur.paused:
            return None
        return cur.wall + timedelta(seconds=(drill_s - cur.drill_s) / cur.speed)

    def _then(self, now: datetime, speed: float, paused: bool) -> "DrillClock":
        return DrillClock(self.segments + (Segment(now, self.drill_s(now), speed, paused),))

    def pause(self, now: datetime) -> "DrillClock":
        return self if self.paused else self._then(now, self.speed, True)

    def resume(self, now: datetime) -> "DrillClock":
        return self._then(now, self.speed, False) if self.paused else self

    def with_speed(self, now: datetime, speed: float) -> "DrillClock":
        if speed <= 0:
            raise ValueError("speed must be positive")
        return self._then(now, speed, self.paused)

    def to_json(self) -> list[dict[str, Any]]:
        return [{"wall": s.wall.isoformat(), "drill_s": s.drill_s, "speed": s.speed, "paused": s.paused}
                for s in self.segments]

    @classmethod
    def from_json(cls, data: list[dict[str, Any]]) -> "DrillClock":
        return cls(tuple(Segment(datetime.fromisoformat(d["wall"]), float(d["drill_s"]), float(d["speed"]),
                                 bool(d["paused"])) for d in data))
