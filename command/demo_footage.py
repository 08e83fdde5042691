"""The demo's footage as an IP camera sends it: the bundled clips are MPEG-4 Part 2, which no
browser decodes, so each is encoded once to H.264 (constrained baseline, no B-frames, a keyframe
every second). The live view then passes the stream through untouched, as it does for a real
camera, instead of encoding it again for every viewer."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av


def h264_copy(src: Path, out_dir: Path) -> Path:
    """``src`` as H.264 under ``out_dir`` (made once; kept while newer than the source)."""
    dst = out_dir / f"{src.stem}.h264.mp4"
    if dst.exists() and dst.stat().st_mtime >= src.stat().st_mtime:
        return dst
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_suffix(".part.mp4")
    with av.open(str(src)) as inp:
        vin = inp.streams.video[0]
        fps = vin.average_rate or Fraction(10)
        out = av.open(str(tmp), mode="w", options={"movflags": "+faststart"})
        try:
            vout = out.add_stream("libx264", rate=fps)
            vout.width, vout.height = vin.codec_context.width - vin.codec_context.width % 2, \
                vin.codec_context.height - vin.codec_context.height % 2
            vout.pix_fmt = "yuv420p"
            vout.options = {"preset": "veryfast", "crf": "23", "profile": "baseline", "bf": "0",
                            "g": str(max(1, round(float(fps))))}
            vout.codec_context.time_base = 1 / Fraction(fps)
            for i, frame in enumerate(inp.decode(vin)):
                frame = frame.reformat(width=vout.width, height=vout.height, format="yuv420p")
                frame.pts, frame.time_base = i, vout.codec_context.time_base
                for pkt in vout.encode(frame):
                    out.mux(pkt)
            for pkt in vout.encode():
                out.mux(pkt)
        finally:
            out.close()
    tmp.replace(dst)
    return dst
