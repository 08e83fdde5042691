"""Replay clips through the real worker pipeline (simulated time) and score the alarms."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from watchpost.config import Camera, Config, Zone
from vision.eval.clipscore import Alarm, aggregate, score_clip
from vision.eval.dataset import Clip

log = logging.getLogger(__name__)


def camera_for(clip: Clip, detect_fps: float | None = None) -> Camera:
    """A camera config like a site would write for this footage (duty post = the clip's roi)."""
    rec = clip.record
    zones = []
    if rec.roi:
        zones.append(Zone(name="duty_post", polygon=rec.roi, kind="duty_post"))
    kw: dict[str, Any] = {}
    if detect_fps:
        kw["detect_fps"] = detect_fps
    profile = "control_room" if rec.kind in ("off_post", "on_post") or rec.roi else "major_hazard"
    stem = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in Path(rec.file).stem)
    return Camera(id=f"eval-{stem}"[:64], url=str(clip.path), loop=False, profile=profile, zones=zones, **kw)


def _alarm_type(ev: Any) -> str:
    t = ev.get("type") if isinstance(ev, dict) else getattr(ev, "type", None)
    t = getattr(t, "value", t)
    return str(t)


def _alarm_t(ev: Any) -> float:
    return float(ev.get("t") if isinstance(ev, dict) else getattr(ev, "t"))


def replay_alarms(clip: Clip, config: Config, detectors: Any = None, detect_fps: float | None = None) -> list[Alarm]:
    """Alarms the worker raises on this clip: ``vision.pipeline.replay_file`` in simulated time."""
    from vision.pipeline import replay_file  # the worker's own pipeline, not a shortcut

    cam = camera_for(clip, detect_fps)
    kwargs: dict[str, Any] = {}
    if detectors is not None:
        kwargs["detectors"] = detectors
    events = replay_file(clip.path, cam, config, **kwargs)
    return [Alarm(_alarm_type(e), _alarm_t(e)) for e in events]


def evaluate_clips(
    clips: list[Clip],
    config: Config,
    detectors: Any = None,
    detect_fps: float | None = None,
    grace_s: float = 1.0,
) -> dict[str, object]:
    absent = config.vision.rules.off_post.absent_after_s
    if detectors is None:
        # Load once for all clips, the way the worker does at start-up.
        from vision.pipeline import load_detectors
        from vision.processor import detectors_needed

        needs: set[str] = set()
        for clip in clips:
            needs |= detectors_needed(camera_for(clip, detect_fps))
        detectors = load_detectors(config, needs)
    per_clip = []
    for clip in clips:
        alarms = replay_alarms(clip, config, detectors, detect_fps)
        scored = score_clip(clip.record, alarms, absent_after_s=absent, grace_s=grace_s)
        scored["path"] = str(clip.path)
        log.info("clip %s: %d alarms", clip.record.file, len(alarms))
        per_clip.append(scored)
    agg = aggregate(per_clip)
    return {
        "absent_after_s": absent,
        "grace_s": grace_s,
        "summary": agg,
        "per_clip": per_clip,
    }
