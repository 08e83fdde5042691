"""One MP4 from the recorded segments of a time range, for playback's download (VID-5, VID-10).

Segments of one camera share their encoder settings, so they are joined without re-encoding:
packets are copied with their times moved to where each segment sits on the wall clock (a gap
in the recording stays a gap). The cut falls on segment boundaries, because a segment can only
be entered at a keyframe. When a segment was encoded differently (the camera's size changed),
the whole range is decoded and encoded again instead, which is slower but always plays.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Sequence

import av

from vision.record.retention import Segment


class ExportError(ValueError):
    pass


def export_segments(root: Path, segments: Sequence[Segment], out: Path) -> int:
    """Write ``segments`` (one camera's, oldest first) to ``out``; the number of frames written."""
    if not segments:
        raise ExportError("no recording in that range")
    files = [root / s.path for s in segments]
    missing = [s.path for s, f in zip(segments, files) if not f.is_file()]
    if missing:
        raise ExportError(f"recorded segment files are gone (retention?): {', '.join(missing[:3])}")
    out.parent.mkdir(parents=True, exist_ok=True)
    if _same_format(files):
        return _remux(segments, files, out)
    return _transcode(segments, files, out)


def _same_format(files: Sequence[Path]) -> bool:
    seen = None
    for f in files:
        with av.open(str(f)) as c:
            cc = c.streams.video[0].codec_context
            key = (cc.name, cc.width, cc.height, bytes(cc.extradata or b""))
        if seen is not None and key != seen:
            return False
        seen = key
    return True


def _remux(segments: Sequence[Segment], files: Sequence[Path], out: Path) -> int:
    t0 = segments[0].start
    n = 0
    with av.open(str(files[0])) as first:
        template = first.streams.video[0]
        dst = av.open(str(out), mode="w", format="mp4", options={"movflags": "+faststart"})
        try:
            ostream = dst.add_stream_from_template(template)
            last_dts = None
            for seg, f in zip(segments, files):
                with av.open(str(f)) as src:
                    stream = src.streams.video[0]
                    shift = int((seg.start - t0).total_seconds() / stream.time_base)
                    for pkt in src.demux(stream):
                        if pkt.dts is None:
                            continue
                        pkt.pts = None if pkt.pts is None else pkt.pts + shift
                        pkt.dts += shift
                        if last_dts is not None and pkt.dts <= last_dts:  # overlapping clocks: keep order
                            bump = last_dts + 1 - pkt.dts
                            pkt.dts += bump
                            pkt.pts = None if pkt.pts is None else pkt.pts + bump
                        last_dts = pkt.dts
                        pkt.stream = ostream
                        dst.mux(pkt)
                        n += 1
        finally:
            dst.close()
    return n


def _transcode(segments: Sequence[Segment], files: Sequence[Path], out: Path) -> int:
    t0 = segments[0].start
    size = None
    n = 0
    dst = av.open(str(out), mode="w", format="mp4", options={"movflags": "+faststart"})
    try:
        ostream = None
        last = -1
        for seg, f in zip(segments, files):
            with av.open(str(f)) as src:
                for frame in src.decode(video=0):
                    if ostream is None:
                        size = (frame.width - frame.width % 2, frame.height - frame.height % 2)
                        ostream = dst.add_stream("libx264", rate=5)
                        ostream.width, ostream.height, ostream.pix_fmt = size[0], size[1], "yuv420p"
                        ostream.options = {"preset": "veryfast", "crf": "26"}
                        ostream.codec_context.time_base = Fraction(1, 1000)
                    at = (seg.start - t0).total_seconds() + float(frame.time or 0)
                    pts = max(int(at * 1000), last + 1)
                    last = pts
                    img = frame.reformat(width=size[0], height=size[1], format="yuv420p")
                    img.pts, img.time_base = pts, Fraction(1, 1000)
                    for pkt in ostream.encode(img):
                        dst.mux(pkt)
                    n += 1
        if ostream is not None:
            for pkt in ostream.encode():
                dst.mux(pkt)
    finally:
        dst.close()
    return n
