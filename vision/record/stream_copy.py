"""Continuous recording of a camera's main stream by stream copy: packets in, MP4 segments out, nothing decoded.

Used when a camera names a low-resolution ``detect_url`` (issue #23, Frigate's practice): the reader decodes only the
substream, for detection and the evidence ring, and the main stream is recorded at its own resolution for the cost
of reading packets. Segments are cut at the first keyframe after ``segment_s`` (a segment must open on one to
play), written to a ``.part`` file, renamed, then indexed like the ring recorder's segments.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import av

from vision.ingest.sources import kind_of, open_options
from vision.record.index import SegmentIndex
from vision.record.sweeper import segment_path
from watchpost.config import Camera

log = logging.getLogger(__name__)


class _Segment:
    def __init__(self, root: Path, camera_id: str, template: av.video.stream.VideoStream, wall: float) -> None:
        self.start_wall = self.last_wall = wall
        self.rel = segment_path(camera_id, datetime.fromtimestamp(wall, timezone.utc))
        self.path = root / self.rel
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = self.path.with_name(self.path.stem + ".part.mp4")
        self.out = av.open(str(self.tmp), mode="w", format="mp4")
        self.stream = self.out.add_stream_from_template(template)
        self.origin: int | None = None  # the first packet's dts: timestamps restart at 0 in each segment
        self.packets = 0

    def write(self, packet: av.Packet, wall: float) -> None:
        if self.origin is None:
            self.origin = packet.dts
        packet.dts -= self.origin
        if packet.pts is not None:
            packet.pts -= self.origin
        packet.stream = self.stream
        self.out.mux(packet)
        self.packets += 1
        self.last_wall = wall

    def close(self) -> tuple[Path, int] | None:
        self.out.close()
        if self.packets == 0:
            self.tmp.unlink(missing_ok=True)
            return None
        self.tmp.replace(self.path)
        return self.path, self.path.stat().st_size


class StreamCopyRecorder(threading.Thread):
    def __init__(self, camera: Camera, index: SegmentIndex, segment_s: float, realtime: bool = True,
                 max_backoff_s: float = 10.0, timeout_s: float = 10.0) -> None:
        super().__init__(name=f"rec-{camera.id}", daemon=True)
        self.camera = camera
        self.index = index
        self.segment_s = segment_s
        self.realtime = realtime
        self.max_backoff_s = max_backoff_s
        self.timeout_s = timeout_s
        self.enabled = True
        self.segments = 0
        self._halt = threading.Event()
        self._seg: _Segment | None = None
        self._lock = threading.Lock()

    def run(self) -> None:
        backoff = 0.5
        while not self._halt.is_set():
            try:
                self._record_until_it_ends()
                backoff = 0.5
                if kind_of(self.camera.url) == "file" and not self.camera.loop:
                    return
                continue  # a looped file starts again (in a new segment)
            except Exception as exc:  # av raises many types; all mean the stream is gone for now
                log.warning("camera %s: main-stream recording stopped: %s (retry in %.1fs)", self.camera.id, exc,
                            backoff)
            finally:
                self._finish()
            self._halt.wait(backoff)
            backoff = min(backoff * 2, self.max_backoff_s)

    def _record_until_it_ends(self) -> None:
        url = self.camera.url
        options = open_options(url, self.camera.rtsp_transport, self.timeout_s)
        with av.open(url, options=options, timeout=self.timeout_s) as container:
            stream = container.streams.video[0]
            paced = kind_of(url) == "file" and self.realtime
            started, first_t = time.time(), None
            for packet in container.demux(stream):
                if self._halt.is_set():
                    return
                if packet.dts is None or packet.size == 0:
                    continue
                if paced and packet.pts is not None:  # a file plays at its own pace, like a camera
                    t = float(packet.pts * packet.time_base)
                    first_t = t if first_t is None else first_t
                    ahead = (t - first_t) - (time.time() - started)
                    if ahead > 0:
                        self._halt.wait(min(ahead, 1.0))
                self._on_packet(packet, stream, time.time())

    def _on_packet(self, packet: av.Packet, stream: av.video.stream.VideoStream, wall: float) -> None:
        if not self.enabled:
            self._finish()
            return
        with self._lock:
            seg = self._seg
            if packet.is_keyframe and (seg is None or wall - seg.start_wall >= self.segment_s):
                self._close(seg)
                seg = self._seg = _Segment(self.index.root, self.camera.id, stream, wall)
            if seg is not None:  # before the first keyframe there is nothing a player could start from
                seg.write(packet, wall)

    def _close(self, seg: _Segment | None) -> None:
        if seg is None:
            return
        try:
            done = seg.close()
        except Exception:
            log.exception("camera %s: segment %s failed", self.camera.id, seg.rel)
            return
        if done is not None:
            start = datetime.fromtimestamp(seg.start_wall, timezone.utc)
            end = datetime.fromtimestamp(seg.last_wall, timezone.utc)
            self.index.add(self.camera.id, start, end, seg.rel.as_posix(), done[1])
            self.segments += 1

    def _finish(self) -> None:
        with self._lock:
            seg, self._seg = self._seg, None
            self._close(seg)

    def flush(self) -> None:
        """Stop and close the segment being written (the worker's shutdown)."""
        self._halt.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(2.0)  # a live stream brings a packet (and the halt check) many times a second
        self._finish()
