"""Apply the retention plan to disk and index; report what happened."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from vision.record.index import SegmentIndex
from vision.record.retention import RetentionPlan, plan_retention
from watchpost.config import Recording

log = logging.getLogger(__name__)


def sweep(index: SegmentIndex, cfg: Recording, now: datetime) -> RetentionPlan:
    plan = plan_retention(index.query(), now, normal_days=cfg.normal_retention_days,
                          evidence_days=cfg.evidence_retention_days, quota_bytes=int(cfg.quota_gb * 1024**3))
    for seg in plan.delete:
        try:
            (index.root / seg.path).unlink(missing_ok=True)
        except OSError as exc:  # keep the row: the file is still there and still counted
            log.error("cannot delete %s: %s", seg.path, exc)
            continue
        index.delete([seg.id])
    if plan.delete:
        log.info("retention: deleted %d segment(s)", len(plan.delete))
    return plan


def segment_path(camera_id: str, start: datetime) -> Path:
    return Path("recordings") / camera_id / start.strftime("%Y/%m/%d") / f"{start.strftime('%H%M%S')}.mp4"
