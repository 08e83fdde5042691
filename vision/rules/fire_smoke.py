"""Fire and smoke confirmation (VID-1, VID-2).

One detector hit is not an alarm: a class must be seen in ``hits`` of the last ``window``
detection frames, above its threshold and minimum area, inside detect zones and outside masks,
in a region that overlaps the earlier hits (a flicker jumping around the frame is glare, not a
fire). After an alarm the class re-arms only after ``clear_after`` frames without it, and never
within ``cooldown_s`` of the last alarm.

Where the camera also runs the person detector (control rooms), a smoke box lying mostly inside a
detected person is dropped: grey or white clothing and dark hair seen from above are the detector's
commonest false smoke on dev footage, and a seated or sleeping duty officer must not raise a smoke
alarm. A real plume rarely fits inside one person's box; fire is never vetoed.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from vision.detect.base import Detection
from vision.rules.events import RuleEvent
from vision.rules.zones import ZoneSet
from watchpost.config import FireSmokeRule as FireSmokeConfig
from watchpost.config import Zone

CLASSES = ("fire", "smoke")


def _overlaps(a: Detection, b: Detection, grow: float = 0.05) -> bool:
    return not (a.x2 + grow < b.x1 or b.x2 + grow < a.x1 or a.y2 + grow < b.y1 or b.y2 + grow < a.y1)


@dataclass
class _ClassState:
    history: deque = field(default_factory=deque)  # per frame: list of qualifying detections
    armed: bool = True
    empty_run: int = 0
    last_alarm_t: float | None = None


def _inside_fraction(a: Detection, b: Detection) -> float:
    """Share of ``a``'s area that lies inside ``b``."""
    return a.intersection(b) / a.area if a.area > 0 else 0.0


def confident_people(detections: list[Detection], cfg: FireSmokeConfig) -> list[Detection]:
    """The person boxes sure enough to speak for a smoke box (veto, static-smoke check)."""
    return [p for p in detections if p.cls == "person" and p.score >= cfg.person_veto_score]


def on_a_person(d: Detection, detections: list[Detection], cfg: FireSmokeConfig) -> bool:
    """Whether smoke box ``d`` lies mostly inside a confidently detected person (the veto)."""
    return cfg.person_veto > 0 and any(_inside_fraction(d, p) >= cfg.person_veto
                                       for p in confident_people(detections, cfg))


class FireSmokeRule:
    def __init__(self, cfg: FireSmokeConfig, zones: list[Zone] | None = None):
        self.cfg = cfg
        self.zones = ZoneSet(zones or [])
        self.state = {c: _ClassState(history=deque(maxlen=cfg.window)) for c in CLASSES}

    def threshold(self, cls: str) -> float:
        return self.cfg.fire_threshold if cls == "fire" else self.cfg.smoke_threshold

    def hits(self, cls: str) -> int:
        return self.cfg.smoke_hits if cls == "smoke" and self.cfg.smoke_hits else self.cfg.hits

    def update(self, t: float, detections: list[Detection]) -> list[RuleEvent]:
        events: list[RuleEvent] = []
        for cls in CLASSES:
            st = self.state[cls]
            hits = [d for d in detections if d.cls == cls and d.score >= self.threshold(cls)
                    and d.area >= self.cfg.min_area and self.zones.admits(d)]
            if cls == "smoke":
                hits = [d for d in hits if not on_a_person(d, detections, self.cfg)]
            st.history.append(hits)
            if hits:
                st.empty_run = 0
            else:
                st.empty_run += 1
                if not st.armed and st.empty_run >= self.cfg.clear_after:
                    st.armed = True
                    events.append(RuleEvent(cls, "cleared", t, 0.0, message=f"no {cls} for {st.empty_run} frames"))
            if not hits or not st.armed:
                continue
            if st.last_alarm_t is not None and t - st.last_alarm_t < self.cfg.cooldown_s:
                continue
            # Frames whose hits overlap the current region: the same thing seen again.
            confirming = [frame for frame in st.history if any(_overlaps(h, c) for h in frame for c in hits)]
            if len(confirming) >= self.hits(cls):
                best = max(hits, key=lambda d: d.score)
                st.armed = False
                st.last_alarm_t = t
                events.append(RuleEvent(cls, "raised", t, best.score, boxes=sorted(hits, key=lambda d: -d.score),
                                        message=f"{cls} in {len(confirming)} of the last {len(st.history)} detection frames"))
        return events
