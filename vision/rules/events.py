from __future__ import annotations

from dataclasses import dataclass, field

from vision.detect.base import Detection


@dataclass
class RuleEvent:
    type: str  # fire | smoke | off_post
    kind: str  # raised | cleared
    t: float  # seconds in camera / clip time
    score: float
    boxes: list[Detection] = field(default_factory=list)
    message: str = ""
    zone: str | None = None
