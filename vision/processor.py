"""One camera's path from frames to rule events: motion gate → detectors → rules.

The live worker and the evaluation replay (``vision.pipeline``) both use this class, so what
is evaluated is what runs. Rules are chosen by the camera's site profile (VID-4)."""

from __future__ import annotations

from datetime import datetime

import numpy as np

from vision.change import FLAME_MARGIN, ChangeHistory
from vision.detect import seat_view
from vision.detect.base import Detection, Detector
from vision.motion import MotionGate
from vision.rules.events import RuleEvent
from vision.rules.fire_smoke import FireSmokeRule, confident_people
from vision.rules.off_post import OffPostRule
from watchpost.config import Camera, Config

# Which detectors a profile needs; off-post also runs wherever a duty post is drawn.
PROFILE_RULES = {"warehouse": {"fire_smoke"}, "major_hazard": {"fire_smoke"}, "control_room": {"off_post", "fire_smoke"}}


def rules_for(camera: Camera) -> set[str]:
    rules = set(PROFILE_RULES[camera.profile])
    if any(z.kind == "duty_post" for z in camera.zones):
        rules.add("off_post")
    elif camera.profile == "control_room":
        rules.discard("off_post")  # no post drawn: nothing to watch
    return rules


def detectors_needed(camera: Camera) -> set[str]:
    return {"firesmoke" if r == "fire_smoke" else "person" for r in rules_for(camera)}


class CameraProcessor:
    def __init__(self, camera: Camera, config: Config, detectors: dict[str, Detector]):
        self.camera = camera
        rules_cfg = config.vision.rules
        self.rules = rules_for(camera)
        missing = detectors_needed(camera) - set(detectors)
        if missing:
            raise ValueError(f"camera {camera.id}: no detector loaded for {', '.join(sorted(missing))}")
        self.detectors = {k: detectors[k] for k in detectors_needed(camera)}
        self.fire_smoke = FireSmokeRule(rules_cfg.fire_smoke, camera.zones) if "fire_smoke" in self.rules else None
        self.off_post = [OffPostRule(rules_cfg.off_post, z, camera.duty_schedule, config.timezone)
                         for z in camera.zones if z.kind == "duty_post"] if "off_post" in self.rules else []
        self.gate = MotionGate() if camera.motion_gating else None
        self.fs_cfg = rules_cfg.fire_smoke
        fs = self.fs_cfg
        temporal = fs.smoke_min_change > 0 or fs.smoke_min_drift > 0 or fs.fire_min_flicker > 0 or fs.needs_history
        self.history = ChangeHistory(fs.change_baseline_s) if self.fire_smoke is not None and temporal else None
        self.last_detections: list[Detection] = []
        self._off_post_cfg = rules_cfg.off_post
        self._posts = [rule.post.polygon for rule in self.off_post] if self._off_post_cfg.seat_view else []
        self._regions: dict[tuple[int, int], list[seat_view.Region]] = {}  # by frame size

    def process(self, frames_with_t: list[tuple[np.ndarray, float]], wall: datetime | None = None) -> list[RuleEvent]:
        """Detect (where the motion gate lets a frame through) and apply the rules, frame by frame."""
        events: list[RuleEvent] = []
        for frame, t in frames_with_t:
            dets = None
            if self.wants_detection(frame, t):
                dets = []
                for det in self.detectors.values():
                    dets.extend(det.detect([frame])[0])
                views = self.seat_views(frame)
                if views:
                    found = self.detectors["person"].detect([crop for _, crop in views])
                    dets = self.with_seat_detections(dets, views, found)
            events.extend(self.apply(t, dets, wall))
        return events

    def seat_views(self, frame: np.ndarray) -> list[tuple[seat_view.Region, np.ndarray]]:
        """The duty posts' regions cut out of ``frame`` for a second person pass (none where the posts
        are large in the frame already, or the camera has no post)."""
        if not self._posts:
            return []
        h, w = frame.shape[:2]
        if (w, h) not in self._regions:
            op = self._off_post_cfg
            self._regions[(w, h)] = seat_view.regions_for(self._posts, op.seat_margin, op.seat_view_below, w / h)
        return [(r, seat_view.cut(frame, r)) for r in self._regions[(w, h)]]

    @staticmethod
    def with_seat_detections(dets: list[Detection], views: list[tuple[seat_view.Region, np.ndarray]],
                             found: list[list[Detection]]) -> list[Detection]:
        """The full pass's detections with the seat views' people merged in (frame coordinates)."""
        seat = [seat_view.from_region(d, region) for (region, _), ds in zip(views, found) for d in ds
                if d.cls == "person"]
        people = [d for d in dets if d.cls == "person"]
        return [d for d in dets if d.cls != "person"] + seat_view.merge(people, seat)

    def wants_detection(self, frame: np.ndarray, t: float) -> bool:
        """False when nothing moved since the last pass (the scene is as last seen)."""
        wanted = self.gate is None or self.gate.changed(frame, t)
        if wanted and self.history is not None:
            self.history.add(frame, t)  # the frame these detections will come from
        return wanted

    def _keep_moving(self, d: Detection) -> bool:
        """Whether a fire or smoke box behaves like fire or smoke over time: flames change between detection
        frames; smoke keeps drifting now and has drifted over the baseline. Other classes pass."""
        fs, history = self.fs_cfg, self.history
        assert history is not None
        if d.cls not in ("fire", "smoke"):
            return True
        now = history.changed_share(d, since_previous=True, margin=FLAME_MARGIN if d.cls == "fire" else 0.0)
        if now is None:  # the first frame (nothing to compare with), or a box lying wholly on people
            return not fs.needs_history if history.frames < 2 else True
        if d.cls == "fire":
            return now >= fs.fire_min_flicker
        if now < fs.smoke_min_drift:
            return False
        over = history.changed_share(d)
        return over is None or over >= fs.smoke_min_change

    def _drop_static(self, dets: list[Detection]) -> list[Detection]:
        self.history.note_people(confident_people(dets, self.fs_cfg))  # type: ignore[union-attr]
        return [d for d in dets if self._keep_moving(d)]

    def apply(self, t: float, dets: list[Detection] | None, wall: datetime | None = None) -> list[RuleEvent]:
        """Feed the rules; ``None`` means the frame was gated out, so the last detections stand."""
        if dets is None:
            dets = self.last_detections
        else:
            if self.history is not None:
                dets = self._drop_static(dets)
            self.last_detections = dets
        return self._apply(t, dets, wall)

    def _apply(self, t: float, dets: list[Detection], wall: datetime | None) -> list[RuleEvent]:
        out: list[RuleEvent] = []
        if self.fire_smoke is not None:
            out.extend(self.fire_smoke.update(t, dets))
        for rule in self.off_post:
            out.extend(rule.update(t, dets, wall))
        return out
