"""MPEG-PS as bytes, without decoding (pure): where a keyframe starts, so the live relay can greet a new
viewer with the picture now instead of making it wait up to a GOP for the next keyframe.

A device's PS is a run of packs (``00 00 01 BA``). A keyframe's first pack carries the stream's
parameter sets in front of the picture: an H.264 SPS (NAL type 7) or an H.265 VPS (NAL type 32) right
after a start code. Devices (and FFmpeg's muxers) repeat them before every IDR, because a decoder may
join at any keyframe; that start code is what ``is_key_pack`` looks for. A start code split across two
PES packets is missed: the cache then keeps the older keyframe a GOP longer, which costs memory, not
pictures.
"""

from __future__ import annotations

import re

PACK_START = b"\x00\x00\x01\xba"
# H.264: forbidden bit 0, any nal_ref_idc, type 7 (SPS). H.265: type 32 (VPS), layer 0, tid 1: 40 01.
_KEY_NAL = re.compile(rb"\x00\x00\x01(?:[\x07\x27\x47\x67]|\x40\x01)")
MAX_CACHE_BYTES = 8 << 20  # a GOP longer than this (tens of seconds at camera bitrates) is not kept


def is_key_pack(pack: bytes | bytearray | memoryview) -> bool:
    """Whether the pack holds the start of a keyframe (its parameter sets)."""
    return _KEY_NAL.search(pack) is not None


class KeyframeCache:
    """The PS bytes since the start of the last keyframe's pack, fed as they arrive in any cut.

    ``snapshot()`` is what a viewer joining now is sent first: it starts at a pack header, on a keyframe,
    and ends with the bytes just received (the following bytes go to the viewer live). Empty until a
    keyframe's pack has been seen whole (the next pack header ends it)."""

    def __init__(self, max_bytes: int = MAX_CACHE_BYTES):
        self.max_bytes = max_bytes
        self._buf = bytearray()
        self._pack = -1  # offset in _buf of the pack being received (-1: none seen yet)
        self._scan = 0  # where to look for the next pack header (a header may straddle two feeds)
        self._keyed = False  # _buf starts at a keyframe's pack

    def reset(self) -> None:
        """A new stream (a device's PS restarts its clocks): the old keyframe must not greet anyone."""
        self._buf.clear()
        self._pack, self._scan, self._keyed = -1, 0, False

    def add(self, data: bytes) -> None:
        buf = self._buf
        buf += data
        while (i := buf.find(PACK_START, self._scan)) >= 0:
            if self._pack >= 0 and is_key_pack(memoryview(buf)[self._pack:i]):
                del buf[:self._pack]  # this pack starts a keyframe: drop the GOP before it
                i -= self._pack
                self._keyed = True
            elif not self._keyed:
                del buf[:i]  # no keyframe yet: keep only the pack being received
                i = 0
            self._pack, self._scan = i, i + 4
        self._scan = max(self._scan, len(buf) - 3)
        if len(buf) > self.max_bytes:  # no keyframe for too long: start again at the next one
            keep = bytes(buf[self._pack:]) if 0 <= self._pack and len(buf) - self._pack <= self.max_bytes else b""
            self.reset()
            if keep:
                self.add(keep)

    def snapshot(self) -> bytes:
        return bytes(self._buf) if self._keyed else b""
