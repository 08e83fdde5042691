"""Control-room personnel off post (VID-3).

The post is a polygon; during on-duty hours it must hold ``required_people``. Only a continuous
absence of ``absent_after_s`` raises the alarm, so a missed detection or a person briefly
hidden behind a colleague does not. Presence needs no motion: a still, seated or sleeping
person at the post is on post and never alarms. The alarm clears as soon as the post is
staffed again; outside duty hours the timer is reset and nothing is raised.
"""

from __future__ import annotations

from datetime import datetime

from shapely.geometry import Polygon

from vision.detect.base import Detection
from vision.rules.events import RuleEvent
from vision.rules.schedule import on_duty
from vision.rules.zones import in_post
from watchpost.config import DutySchedule, Zone
from watchpost.config import OffPostRule as OffPostConfig


class OffPostRule:
    def __init__(self, cfg: OffPostConfig, post: Zone, schedule: DutySchedule | None = None, tz: str = "Asia/Shanghai"):
        self.cfg = cfg
        self.post = post
        self.polygon = Polygon(post.polygon)
        self.schedule = schedule
        self.tz = tz
        self.absent_since: float | None = None
        self.alarmed = False

    def people(self, detections: list[Detection]) -> list[Detection]:
        return [d for d in detections if d.cls == "person" and d.score >= self.cfg.person_threshold
                and in_post(d, self.polygon, self.cfg.min_overlap)]

    def update(self, t: float, detections: list[Detection], wall: datetime | None = None) -> list[RuleEvent]:
        if wall is not None and self.schedule is not None and not on_duty(self.schedule, wall, self.tz):
            self.absent_since = None  # off-duty hours: nobody is expected, nothing accumulates
            if self.alarmed:
                self.alarmed = False
                return [RuleEvent("off_post", "cleared", t, 0.0, zone=self.post.name, message="duty hours ended")]
            return []
        present = self.people(detections)
        if len(present) >= self.post.required_people:
            self.absent_since = None
            if self.alarmed:
                self.alarmed = False
                return [RuleEvent("off_post", "cleared", t, 0.0, boxes=present, zone=self.post.name,
                                  message=f"{len(present)} at the post again")]
            return []
        if self.absent_since is None:
            self.absent_since = t
        if not self.alarmed and t - self.absent_since >= self.cfg.absent_after_s:
            self.alarmed = True
            return [RuleEvent("off_post", "raised", t, 1.0, boxes=present, zone=self.post.name,
                              message=f"{len(present)} of {self.post.required_people} required at {self.post.name!r} "
                                      f"for {t - self.absent_since:.0f} s")]
        return []
