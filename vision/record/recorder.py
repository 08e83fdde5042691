"""Continuous recording: the reader's frames cut into fixed-length MP4 segments, indexed.

Frames come from the reader's JPEG ring feed (its ``ring_fps``), so recording costs one small
encode per segment rather than a full-rate re-encode of every stream on a 2-core box."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timezone

from vision.evidence.clip import write_clip
from vision.ingest.reader import CameraReader, RingItem
from vision.record.index import SegmentIndex
from vision.record.sweeper import segment_path

log = logging.getLogger(__name__)


class SegmentRecorder:
    def __init__(self, reader: CameraReader, index: SegmentIndex, segment_s: float):
        self.reader = reader
        self.index = index
        self.segment_s = segment_s
        self.enabled = True
        self._items: list[RingItem] = []
        self._lock = threading.Lock()
        reader.add_listener(self._on_item)

    def start(self) -> None:
        """Nothing to start: the reader's ring feeds it."""

    def _on_item(self, item: RingItem) -> None:
        if not self.enabled:
            return
        with self._lock:
            self._items.append(item)
            full = item.wall - self._items[0].wall >= self.segment_s
            batch = self._items if full else None
            if full:
                self._items = []
        if batch:
            threading.Thread(target=self._write, args=(batch,), daemon=True).start()

    def _write(self, items: list[RingItem]) -> None:
        cam = self.reader.camera.id
        start = datetime.fromtimestamp(items[0].wall, timezone.utc)
        end = datetime.fromtimestamp(items[-1].wall, timezone.utc)
        rel = segment_path(cam, start)
        path = self.index.root / rel
        try:
            write_clip(path, items)
            self.index.add(cam, start, end, rel.as_posix(), path.stat().st_size)
        except Exception:
            log.exception("camera %s: segment %s failed", cam, rel)

    def flush(self) -> None:
        with self._lock:
            batch, self._items = self._items, []
        if len(batch) > 1:
            self._write(batch)
