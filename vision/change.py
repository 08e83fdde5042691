"""Did a detected region change over the last seconds? (smoke drifts, flames flicker; a wall or a sunset does not)

The fire/smoke model calls large featureless grey or white surfaces "smoke" (a plain wall
behind a seated person scored 0.44–0.59 for a whole clip). Real smoke moves: between frames a
second or two apart a real plume changes a sizeable share of its box, a wall almost none.
Flames change shape from one detection frame to the next; the low sun, a lamp or a red sign keep
their pixels. This keeps small grey copies of one camera's recent detection frames and measures, for a
box, the share of its pixels that changed. People move in front of walls, so their boxes are left out,
where they stand now and where they stood on the frame compared against.
"""

from __future__ import annotations

from collections import deque

import cv2
import numpy as np

from vision.detect.base import Detection

SIZE = (160, 90)  # w, h of the grey copies: enough for a box's share, cheap per frame
LEVEL = 8  # grey levels that count as a change (above blur-smoothed compression noise)


def small_grey(frame: np.ndarray) -> np.ndarray:
    g = cv2.cvtColor(cv2.resize(frame, SIZE, interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2GRAY)
    return cv2.GaussianBlur(g, (3, 3), 0)


PERSON_MARGIN = 0.2  # arms, hair and shadows move outside a person's box
# A small fire's box is often its saturated core, as still as a lamp; its flames flicker round it.
FLAME_MARGIN = 0.5


def _cells(d: Detection, margin: float = 0.0) -> tuple[slice, slice]:
    w, h = SIZE
    mx, my = margin * (d.x2 - d.x1), margin * (d.y2 - d.y1)
    x1, y1, x2, y2 = max(0.0, d.x1 - mx), max(0.0, d.y1 - my), min(1.0, d.x2 + mx), min(1.0, d.y2 + my)
    return (slice(int(y1 * h), max(int(y1 * h) + 1, int(np.ceil(y2 * h)))),
            slice(int(x1 * w), max(int(x1 * w) + 1, int(np.ceil(x2 * w)))))


def _exposed_like(old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """``old`` with the whole frame's brightness brought to ``new``'s: a camera's auto exposure drifting
    a few percent moves every bright pixel (a lamp, the low sun) past LEVEL, which is not a flicker."""
    m_old, m_new = float(old.mean()), float(new.mean())
    if m_old < 1.0:
        return old
    return cv2.convertScaleAbs(old, alpha=m_new / m_old)


class ChangeHistory:
    """Recent grey copies of one camera's frames, newest last, with the people seen in each."""

    def __init__(self, baseline_s: float = 2.0):
        self.baseline_s = baseline_s
        self._frames: deque[tuple[float, np.ndarray, list[Detection]]] = deque()

    def add(self, frame: np.ndarray, t: float) -> None:
        self._frames.append((t, small_grey(frame), []))
        while len(self._frames) > 2 and t - self._frames[1][0] >= self.baseline_s:
            self._frames.popleft()

    @property
    def frames(self) -> int:
        return len(self._frames)

    def note_people(self, people: list[Detection]) -> None:
        """The people detected on the newest frame: where they stand now changes the pixels when the
        frame kept as the baseline is compared against, however far they walk in between."""
        if self._frames:
            self._frames[-1][2][:] = people

    def changed_share(self, box: Detection, since_previous: bool = False, margin: float = 0.0) -> float | None:
        """Share of ``box`` that differs between the newest frame and the oldest kept (up to ``baseline_s``
        earlier), or the one just before it with ``since_previous``, leaving out the people noted on either
        frame; ``margin`` grows the box by that share of its size on every side. None before there are two
        frames or if nothing is left."""
        if len(self._frames) < 2:
            return None
        (_, old, people_then), (_, new, people_now) = self._frames[-2 if since_previous else 0], self._frames[-1]
        diff = cv2.absdiff(new, _exposed_like(old, new)) > LEVEL
        keep = np.ones(diff.shape, bool)
        for p in [*people_then, *people_now]:
            keep[_cells(p, PERSON_MARGIN)] = False
        cells = _cells(box, margin)
        n = int(keep[cells].sum())
        return float((diff[cells] & keep[cells]).sum()) / n if n else None
