"""Playback control of GB/T 28181 (2016 Annex B, "MANSRTSP"): RTSP-style requests the platform sends to a
device in the body of an in-dialog SIP INFO (``Content-Type: Application/MANSRTSP``) while it plays a
recording back. Pure: building and reading the bodies.

- pause:  ``PAUSE MANSRTSP/1.0`` with ``PauseTime: now``
- play:   ``PLAY MANSRTSP/1.0`` with ``Range: npt=now-`` (resume where it paused)
- seek:   ``PLAY MANSRTSP/1.0`` with ``Range: npt=<s>-`` (seconds from the start of the span played)
- scale:  ``PLAY MANSRTSP/1.0`` with ``Scale: <x>`` (0.25-8; 1 is normal speed)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CONTENT_TYPE = "Application/MANSRTSP"
Action = Literal["pause", "play", "seek", "scale"]
SCALES = (0.25, 8.0)  # the speeds devices commonly offer: 1/4 to 8x


@dataclass(frozen=True)
class Control:
    """One playback control, as the device reads it."""

    action: Action
    cseq: int
    scale: float | None = None  # scale: the new speed
    npt: float | None = None  # seek: seconds from the span's start


def request(action: Action, cseq: int, scale: float | None = None, seek_s: float | None = None) -> bytes:
    """The INFO body for ``action``; ValueError for a control without its value or outside its range."""
    if action == "pause":
        lines = ["PAUSE MANSRTSP/1.0", f"CSeq: {cseq}", "PauseTime: now"]
    elif action == "play":
        lines = ["PLAY MANSRTSP/1.0", f"CSeq: {cseq}", "Range: npt=now-"]
    elif action == "seek":
        if seek_s is None or seek_s < 0:
            raise ValueError("seek needs seek_s, seconds from the start of the span (≥ 0)")
        lines = ["PLAY MANSRTSP/1.0", f"CSeq: {cseq}", f"Range: npt={seek_s:g}-"]
    elif action == "scale":
        if scale is None or not SCALES[0] <= scale <= SCALES[1]:
            raise ValueError(f"scale needs a speed from {SCALES[0]:g} to {SCALES[1]:g}")
        lines = ["PLAY MANSRTSP/1.0", f"CSeq: {cseq}", f"Scale: {scale:g}"]
    else:
        raise ValueError(f"unknown playback control {action!r}")
    return ("\r\n".join(lines) + "\r\n").encode()


def parse(body: bytes) -> Control:
    """A MANSRTSP request as a device reads it; ValueError when it is not one it can act on."""
    lines = [ln.strip() for ln in body.decode("utf-8", errors="replace").splitlines() if ln.strip()]
    if not lines:
        raise ValueError("empty MANSRTSP body")
    method, _, version = lines[0].partition(" ")
    if version.strip().upper() not in ("MANSRTSP/1.0", "RTSP/1.0"):
        raise ValueError(f"not a MANSRTSP request line: {lines[0]!r}")
    headers = {}
    for ln in lines[1:]:
        k, sep, v = ln.partition(":")
        if sep:
            headers[k.strip().lower()] = v.strip()
    try:
        cseq = int(headers.get("cseq", "0"))
    except ValueError:
        raise ValueError(f"bad CSeq {headers.get('cseq')!r}") from None
    method = method.upper()
    if method == "PAUSE":
        return Control("pause", cseq)
    if method != "PLAY":
        raise ValueError(f"unsupported MANSRTSP method {method!r}")
    if "scale" in headers:
        try:
            return Control("scale", cseq, scale=float(headers["scale"]))
        except ValueError:
            raise ValueError(f"bad Scale {headers['scale']!r}") from None
    rng = headers.get("range", "npt=now-")
    if not rng.lower().startswith("npt="):
        raise ValueError(f"unsupported Range {rng!r}")
    start = rng[4:].split("-", 1)[0].strip().lower()
    if start in ("", "now"):
        return Control("play", cseq)
    try:
        return Control("seek", cseq, npt=float(start))
    except ValueError:
        raise ValueError(f"bad Range {rng!r}") from None
