"""One camera's path from frames to rule events: motion gate → detectors → rules.

The live worker and the evaluation replay (``vision.pipeline``) both use this class, so what
is evaluated is what runs. Rules are chosen by the camera's site profile (VID-4)."""

from __future__ import annotations

from datetime import datetime

import numpy as np

from vision.change import ChangeHistory
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
        self.history = (ChangeHistory(self.fs_cfg.change_baseline_s)
                        if self.fire_smoke is not None and self.fs_cfg.smoke_min_change > 0 else None)
        self.last_detections: list[Detection] = []

    def process(self, frames_with_t: list[tuple[np.ndarray, float]], wall: datetime | None = None) -> list[RuleEvent]:
        """Detect (where the motion gate lets a frame through) and apply the rules, frame by frame."""
        events: list[RuleEvent] = []
        for frame, t in frames_with_t:
            dets = None
            if self.wants_detection(frame, t):
                dets = []
                for det in self.detectors.values():
                    dets.extend(det.detect([frame])[0])
            events.extend(self.apply(t, dets, wall))
        return events

    def wants_detection(self, frame: np.ndarray, t: float) -> bool:
        """False when nothing moved since the last pass (the scene is as last seen)."""
        wanted = self.gate is None or self.gate.changed(frame, t)
        if wanted and self.history is not None:
            self.history.add(frame, t)  # the frame these detections will come from
        return wanted

    def _drop_static_smoke(self, dets: list[Detection]) -> list[Detection]:
        self.history.note_people(confident_people(dets, self.fs_cfg))  # type: ignore[union-attr]
        out = []
        for d in dets:
            if d.cls == "smoke":
                share = self.history.changed_share(d)  # type: ignore[union-attr]
                if share is not None and share < self.fs_cfg.smoke_min_change:
                    continue
            out.append(d)
        return out

    def apply(self, t: float, dets: list[Detection] | None, wall: datetime | None = None) -> list[RuleEvent]:
        """Feed the rules; ``None`` means the frame was gated out, so the last detections stand."""
        if dets is None:
            dets = self.last_detections
        else:
            if self.history is not None:
                dets = self._drop_static_smoke(dets)
            self.last_detections = dets
        return self._apply(t, dets, wall)

    def _apply(self, t: float, dets: list[Detection], wall: datetime | None) -> list[RuleEvent]:
        out: list[RuleEvent] = []
        if self.fire_smoke is not None:
            out.extend(self.fire_smoke.update(t, dets))
        for rule in self.off_post:
            out.extend(rule.update(t, dets, wall))
        return out
