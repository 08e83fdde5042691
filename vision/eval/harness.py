"""The evaluation run: images and clips of one set with the configured detectors (VID-12)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from watchpost.config import Config
from vision.eval import report as rpt
from vision.eval.clips import evaluate_clips
from vision.eval.dataset import EvalSetError, find_clip_indexes, load_clips, load_image_set
from vision.eval.detectors import (FIRESMOKE_LABELS, PERSON_LABELS, ImageDetector, MultiDetector, PredictionsDetector,
                                   configured_detector)
from vision.eval.images import ImageOutcome, evaluate_images, source_of

log = logging.getLogger(__name__)


@dataclass
class EvalOptions:
    set_dir: Path
    split: str | None = "val"
    weights_firesmoke: Path | None = None
    weights_person: Path | None = None
    imgsz: int | None = None
    conf: float | None = None  # one alarm threshold for every class, overriding the config's
    clips: list[Path] = field(default_factory=list)
    images: bool = True
    run_clips: bool = True
    detect_fps: float | None = None
    grace_s: float = 1.0
    predictions: Path | None = None  # precomputed detections instead of running models (images only)
    by_source: bool = False  # also score each file-name prefix (developer sets: f8_, fa_, cn_) on its own


def alarm_thresholds(config: Config, conf: float | None) -> dict[str, float]:
    r = config.vision.rules
    if conf is not None:
        return {"fire": conf, "smoke": conf, "person": conf}
    return {"fire": r.fire_smoke.fire_threshold, "smoke": r.fire_smoke.smoke_threshold,
            "person": r.off_post.person_threshold}


def run(config: Config, opts: EvalOptions) -> tuple[dict[str, Any], list[ImageOutcome]]:
    det_cfg = config.vision.detector
    fs_imgsz = opts.imgsz or det_cfg.fire_smoke_imgsz
    p_imgsz = opts.imgsz or det_cfg.imgsz
    fs = Path(opts.weights_firesmoke or det_cfg.fire_smoke_weights)
    person = Path(opts.weights_person or det_cfg.person_weights)
    # The pipeline builds its detectors from the config, so point it at the same weights.
    vcfg = config.vision.model_copy(update={"detector": det_cfg.model_copy(update={
        "fire_smoke_weights": str(fs), "person_weights": str(person), "imgsz": p_imgsz,
        "fire_smoke_imgsz": fs_imgsz})})
    config = config.model_copy(update={"vision": vcfg})
    thresholds = alarm_thresholds(config, opts.conf)
    cv = config.vision.detector.fire_smoke_context_view

    def fs_entry() -> dict[str, Any]:  # hashed only when the fire/smoke detector takes part
        return {"weights": str(fs), "sha256": rpt.sha256(fs), "imgsz": fs_imgsz,
                "context_view": cv.model_dump() if cv.enabled else None}

    detectors: dict[str, dict[str, Any]] = {}
    images_report = None
    outcomes: list[ImageOutcome] = []
    has_images = (opts.set_dir / "data.yaml").is_file()
    if opts.images and has_images:
        image_set = load_image_set(opts.set_dir, opts.split)
        if not image_set.images:
            raise EvalSetError(f"{image_set.folder}: no image has a label file (an image without one is not "
                               "part of the set; a negative image needs an empty one)")
        wanted = set(image_set.names.values())
        parts: list[ImageDetector] = []
        if opts.predictions is not None:
            parts.append(PredictionsDetector(opts.predictions))
            detectors["predictions"] = {"weights": str(opts.predictions), "sha256": rpt.sha256(opts.predictions)}
        else:
            if wanted & set(FIRESMOKE_LABELS):
                parts.append(configured_detector(config.vision.detector, FIRESMOKE_LABELS))
                detectors["firesmoke"] = fs_entry()
            if wanted & set(PERSON_LABELS):
                parts.append(configured_detector(config.vision.detector, PERSON_LABELS))
                detectors["person"] = {"weights": str(person), "sha256": rpt.sha256(person), "imgsz": p_imgsz}
        if not parts:
            raise EvalSetError(f"{opts.set_dir}: data.yaml names {sorted(wanted)} include none of fire/smoke/person")
        ev = evaluate_images(image_set, MultiDetector(parts), thresholds,
                             group_of=source_of if opts.by_source else None)
        images_report, outcomes = ev.report, ev.outcomes

    clips_report = None
    clips_error = None
    indexes = list(opts.clips) or (find_clip_indexes(opts.set_dir) if opts.run_clips else [])
    if opts.run_clips and indexes:
        all_clips = [c for idx in indexes for c in load_clips(idx)]
        try:
            clips_report = evaluate_clips(all_clips, config, detect_fps=opts.detect_fps, grace_s=opts.grace_s)
            if fs.is_file() and "firesmoke" not in detectors:
                detectors["firesmoke"] = fs_entry()
            if person.is_file():
                detectors.setdefault("person", {"weights": str(person), "sha256": rpt.sha256(person),
                                                "imgsz": p_imgsz})
        except ImportError as exc:
            clips_error = f"the worker pipeline is not available ({exc})"
            log.warning("clips skipped: %s", clips_error)
        clips_report = clips_report and {**clips_report, "indexes": [str(p) for p in indexes]}

    if images_report is None and clips_report is None and clips_error is None:
        raise EvalSetError(f"{opts.set_dir}: neither data.yaml (images) nor clips.json found")
    fsr, opr = config.vision.rules.fire_smoke, config.vision.rules.off_post
    thr = {"alarm": thresholds, "fire_smoke_rule": fsr.model_dump(), "off_post_rule": opr.model_dump()}
    report = rpt.build_report(str(opts.set_dir), detectors, thr, images_report, clips_report, clips_error)
    return rpt.finite(report), outcomes
