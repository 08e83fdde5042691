"""Live media of GB/T 28181: SDP offers and answers, MPEG-PS over RTP in both directions, over UDP or
over TCP (RFC 4571: each RTP packet behind its 16-bit length; RFC 4145 ``a=setup`` says who connects).

- ``sdp_offer`` / ``parse_sdp``: the platform's INVITE body and the device's answer (GB/T 28181-2016
  Annex F: ``s=Play``, ``a=rtpmap:96 PS/90000``, the SSRC on the ``y=`` line).
- ``ps_of_clip``: a clip as the MPEG-2 program stream a device sends (PyAV: libx264 encoding with
  no B-frames, FFmpeg's ``vob`` muxer), cut at its pack headers with each pack's SCR as its time.
- ``RtpPsSender``: the device side, the packs paced at their SCR in RTP packets of at most 1400
  bytes, the marker set on a pack's last packet.
- ``MediaTransport``: how a stream travels, from the platform's side: ``udp``; ``tcp_passive`` (the
  platform listens and the device connects: what most NVRs call "TCP active"); ``tcp_active`` (the
  platform connects to the port the device answers with).
- ``RtpPsReceiver``: the platform side, a UDP or TCP port that takes RTP (aiortc's RTP packet parser),
  puts the packets back in sequence order and hands the PS byte stream to PyAV (FFmpeg's ``mpeg``
  demuxer), which yields decoded frames as ``vision.ingest.sources.Frame``.
"""

from __future__ import annotations

import io
import logging
import secrets
import socket
import threading
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Callable, Iterator, Literal

from aiortc.rtp import RtpPacket

log = logging.getLogger(__name__)

PS_PAYLOAD_TYPE = 96
MediaTransport = Literal["udp", "tcp_passive", "tcp_active"]
MAX_PAYLOAD = 1400
PACK_START = b"\x00\x00\x01\xba"


# -- SDP ------------------------------------------------------------------------------------------

def new_ssrc(realm: str, playback: bool = False) -> str:
    """The 10-digit SSRC of GB/T 28181-2016 Annex F: 0 live / 1 history, digits 4-8 of the realm, 4 random."""
    return f"{1 if playback else 0}{realm[3:8]}{secrets.randbelow(10000):04d}"


def _tcp_lines(setup: str) -> str:
    return f"a=setup:{setup}\r\na=connection:new\r\n"


def sdp_offer(platform_id: str, host: str, port: int, ssrc: str, session: str = "Play", uri: str = "",
              span: tuple[int, int] | None = None, transport: MediaTransport = "udp") -> bytes:
    """The INVITE's body. Live: ``s=Play``, ``t=0 0``. Playback (Annex F): ``s=Playback``, ``u=<channel>:0``
    (the recording's URI: the channel, 0 = by time) and ``t=<start> <end>`` in Unix seconds. Over TCP the
    media line is ``TCP/RTP/AVP`` with ``a=setup:passive`` (we listen at ``port``) or ``a=setup:active`` (we
    connect to the answer's port; ``port`` is then only a placeholder) and ``a=connection:new``."""
    start, end = span or (0, 0)
    tcp = transport != "udp"
    return ("v=0\r\n"
            f"o={platform_id} 0 0 IN IP4 {host}\r\n"
            f"s={session}\r\n"
            + (f"u={uri}\r\n" if uri else "")
            + f"c=IN IP4 {host}\r\n"
            f"t={start} {end}\r\n"
            f"m=video {port} {'TCP/RTP/AVP' if tcp else 'RTP/AVP'} 96 98 97\r\n"
            "a=recvonly\r\n"
            "a=rtpmap:96 PS/90000\r\n"
            "a=rtpmap:98 H264/90000\r\n"
            "a=rtpmap:97 MPEG4/90000\r\n"
            + (_tcp_lines("passive" if transport == "tcp_passive" else "active") if tcp else "")
            + f"y={ssrc}\r\n").encode()


def sdp_answer(device_id: str, host: str, port: int, ssrc: str, session: str = "Play", setup: str = "") -> bytes:
    """The device's answer; ``setup`` (``active``/``passive``) for a TCP stream, empty for UDP."""
    return ("v=0\r\n"
            f"o={device_id} 0 0 IN IP4 {host}\r\n"
            f"s={session}\r\n"
            f"c=IN IP4 {host}\r\n"
            "t=0 0\r\n"
            f"m=video {port} {'TCP/RTP/AVP' if setup else 'RTP/AVP'} 96\r\n"
            "a=sendonly\r\n"
            "a=rtpmap:96 PS/90000\r\n"
            + (_tcp_lines(setup) if setup else "")
            + f"y={ssrc}\r\n").encode()


@dataclass
class Sdp:
    host: str
    port: int
    transport: str  # RTP/AVP (UDP) or TCP/RTP/AVP
    ssrc: str
    session: str
    payloads: dict[int, str]
    direction: str
    uri: str = ""  # u=: the recording asked for (playback)
    span: tuple[int, int] = (0, 0)  # t=: start and end, Unix seconds (0 0: live)
    setup: str = ""  # a=setup: over TCP, active (this side connects) or passive (it listens)

    @property
    def tcp(self) -> bool:
        return self.transport.upper().startswith("TCP")


def parse_sdp(body: bytes) -> Sdp:
    host, port, transport, ssrc, session, direction, uri, setup = "", 0, "", "", "", "", "", ""
    span = (0, 0)
    payloads: dict[int, str] = {}
    for line in body.decode("utf-8", errors="replace").splitlines():
        k, _, v = line.strip().partition("=")
        if k == "c":
            host = v.split()[-1]
        elif k == "m" and v.startswith("video"):
            bits = v.split()
            port, transport = int(bits[1]), bits[2]
        elif k == "y":
            ssrc = v.strip()
        elif k == "s":
            session = v.strip()
        elif k == "u":
            uri = v.strip()
        elif k == "t":
            bits = v.split()
            if len(bits) == 2 and all(b.isdigit() for b in bits):
                span = (int(bits[0]), int(bits[1]))
        elif k == "a" and v.startswith("rtpmap:"):
            pt, _, enc = v[7:].partition(" ")
            payloads[int(pt)] = enc.strip()
        elif k == "a" and v in ("sendonly", "recvonly", "sendrecv", "inactive"):
            direction = v
        elif k == "a" and v.startswith("setup:"):
            setup = v[6:].strip().lower()
    if not host or not port:
        raise ValueError("SDP without a video address")
    return Sdp(host, port, transport, ssrc, session, payloads, direction, uri, span, setup)


# -- the device side: a clip as PS, sent over RTP -----------------------------------------------

def ps_of_clip(clip: Path, loops: int = 1, max_s: float | None = None) -> list[tuple[float, bytes]]:
    """The clip (``loops`` times over) as MPEG-2 PS packs: (SCR in seconds, pack bytes)."""
    import av

    out = io.BytesIO()
    with av.open(str(clip)) as src, av.open(out, "w", format="vob") as dst:
        sin = src.streams.video[0]
        rate = sin.average_rate or 25
        # As an IP camera encodes: no B-frames, a keyframe every second.
        enc = dst.add_stream("libx264", rate=rate, options={"bf": "0", "g": str(max(1, int(round(float(rate))))),
                                                            "preset": "veryfast", "tune": "zerolatency"})
        enc.width, enc.height = sin.codec_context.width, sin.codec_context.height
        enc.pix_fmt = "yuv420p"
        tb = Fraction(1) / Fraction(rate)
        enc.codec_context.time_base = tb
        n = 0
        for _ in range(loops):
            src.seek(0)
            for frame in src.decode(sin):
                if max_s is not None and n / float(rate) >= max_s:
                    break
                f = frame.reformat(format="yuv420p")
                f.pts = n
                f.time_base = tb
                n += 1
                for pkt in enc.encode(f):
                    dst.mux(pkt)
        for pkt in enc.encode(None):
            dst.mux(pkt)
    return split_packs(out.getvalue())


def _scr(pack: bytes) -> float:
    """The system clock reference of an MPEG-2 pack header, in seconds."""
    b = pack[4:10]
    if len(b) < 6 or (b[0] & 0xC0) != 0x40:  # MPEG-1 pack: 4-bit marker 0010
        base = ((b[0] >> 1) & 0x07) << 30 | b[1] << 22 | (b[2] >> 1) << 15 | b[3] << 7 | b[4] >> 1
        return base / 90000.0
    base = (((b[0] >> 3) & 0x07) << 30 | (b[0] & 0x03) << 28 | b[1] << 20 | ((b[2] >> 3) & 0x1F) << 15
            | (b[2] & 0x03) << 13 | b[3] << 5 | (b[4] >> 3))
    return base / 90000.0


def split_packs(ps: bytes) -> list[tuple[float, bytes]]:
    starts = []
    i = ps.find(PACK_START)
    while i >= 0:
        starts.append(i)
        i = ps.find(PACK_START, i + 4)
    starts.append(len(ps))
    return [(_scr(ps[a:b]), ps[a:b]) for a, b in zip(starts, starts[1:])]


class RtpPsSender:
    """Sends PS packs to ``dest`` over RTP at their own pace (a device's live stream): as datagrams, or,
    given a TCP ``sock``, each packet behind its 16-bit length (RFC 4571), after connecting to ``dest``
    (``tcp_setup="active"``) or taking the platform's connection on the listening ``sock`` (``"passive"``)."""

    def __init__(self, packs: list[tuple[float, bytes]], dest: tuple[str, int], ssrc: int, loop: bool = True,
                 sock: socket.socket | None = None, on_done: Callable[[], None] | None = None,
                 tcp_setup: str = "", connect_timeout_s: float = 10.0):
        self.packs, self.dest, self.ssrc, self.loop = packs, dest, ssrc, loop
        self.on_done = on_done  # called when a stream that does not loop has sent its last pack
        self.sock = sock or socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.tcp = self.sock.type == socket.SOCK_STREAM
        self.tcp_setup = tcp_setup
        self.connect_timeout_s = connect_timeout_s
        self.sent = 0
        self._stop = threading.Event()
        # Playback control (a device playing a recording back: MANSRTSP pause, resume, seek, scale).
        self._ctl = threading.Condition()
        self._paused = False
        self._scale = 1.0
        self._seek_to: float | None = None
        self._reanchor = False
        self._thread = threading.Thread(target=self._run, name=f"gb28181-rtp-{ssrc}", daemon=True)

    def pause(self) -> None:
        with self._ctl:
            self._paused = True
            self._ctl.notify_all()

    def resume(self) -> None:
        with self._ctl:
            self._paused, self._reanchor = False, True
            self._ctl.notify_all()

    def set_scale(self, scale: float) -> None:
        """Send ``scale`` times faster (or slower) than the recording's own pace."""
        with self._ctl:
            self._scale, self._reanchor = scale, True
            self._ctl.notify_all()

    def seek(self, media_s: float) -> None:
        """Go on from ``media_s`` seconds into the packs (and play, if paused)."""
        with self._ctl:
            self._seek_to, self._paused = max(0.0, media_s), False
            self._ctl.notify_all()

    def start(self) -> "RtpPsSender":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self.tcp:  # wakes a thread blocked in accept, connect or send
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread.is_alive():
            self._thread.join(5)

    def _open_tcp(self) -> socket.socket:
        self.sock.settimeout(self.connect_timeout_s)
        if self.tcp_setup == "passive":
            conn, _ = self.sock.accept()
            self.sock.close()
            self.sock = conn
        else:
            self.sock.connect(self.dest)
        self.sock.settimeout(None)
        return self.sock

    def _next(self, i: int, first: float, anchor: list[float]) -> int | None:
        """Wait until pack ``i`` is due, honouring the controls; the index to send now (a seek moves it), or
        None when stopped. ``anchor`` is (wall time, media time) the pace counts from."""
        while not self._stop.is_set():
            with self._ctl:
                if self._paused:
                    self._ctl.wait(0.2)
                    continue
                if self._seek_to is not None:
                    target, self._seek_to = self._seek_to, None
                    i = next((k for k, (scr, _) in enumerate(self.packs) if scr - first >= target), len(self.packs))
                    self._reanchor = True
                if i >= len(self.packs):
                    return i
                media = self.packs[i][0] - first
                if self._reanchor:
                    anchor[0], anchor[1], self._reanchor = time.monotonic(), media, False
                wait = anchor[0] + (media - anchor[1]) / self._scale - time.monotonic()
                if wait <= 0:
                    return i
                self._ctl.wait(min(wait, 0.2))
        return None

    def _run(self) -> None:
        sock = self.sock
        seq = secrets.randbelow(65536)
        ts0 = secrets.randbelow(1 << 31)
        offset = 0.0
        try:
            if self.tcp:
                sock = self._open_tcp()
            while not self._stop.is_set():
                first = self.packs[0][0] if self.packs else 0.0
                anchor = [time.monotonic(), 0.0]
                i = 0
                while True:
                    got = self._next(i, first, anchor)
                    if got is None:
                        return
                    if got >= len(self.packs):
                        break
                    i = got
                    scr, pack = self.packs[i]
                    i += 1
                    ts = (ts0 + int((offset + scr - first) * 90000)) & 0xFFFFFFFF
                    chunks = [pack[i:i + MAX_PAYLOAD] for i in range(0, len(pack), MAX_PAYLOAD)]
                    for k, chunk in enumerate(chunks):
                        pkt = RtpPacket(payload_type=PS_PAYLOAD_TYPE, marker=int(k == len(chunks) - 1),
                                        sequence_number=seq, timestamp=ts, ssrc=self.ssrc, payload=chunk)
                        data = pkt.serialize()
                        if self.tcp:
                            sock.sendall(len(data).to_bytes(2, "big") + data)
                        else:
                            sock.sendto(data, self.dest)
                        seq = (seq + 1) & 0xFFFF
                        self.sent += 1
                offset += (self.packs[-1][0] - first + 0.1) if self.packs else 0.0
                if not self.loop:
                    if self.on_done is not None:
                        self.on_done()
                    return
        except OSError as exc:  # over TCP: the platform closed its end
            log.info("GB28181 RTP sender %d: %s", self.ssrc, exc)
        finally:
            self.sock.close()


# -- the platform side: RTP in, frames out ------------------------------------------------------

class _Stream:
    """The reassembled PS byte stream, read by FFmpeg as a file (``read`` only: not seekable);
    blocks until data or close."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._cv = threading.Condition()
        self._closed = False

    def feed(self, data: bytes) -> None:
        with self._cv:
            self._buf += data
            self._cv.notify_all()

    def finish(self) -> None:
        with self._cv:
            self._closed = True
            self._cv.notify_all()

    @property
    def finished(self) -> bool:
        return self._closed

    def read(self, n: int = -1) -> bytes:
        with self._cv:
            while not self._buf and not self._closed:
                self._cv.wait(0.5)
            if n is None or n < 0:
                n = len(self._buf)
            data = bytes(self._buf[:n])
            del self._buf[:n]
            return data


class RtpPsReceiver:
    """A port (opened now; put it in the INVITE's SDP) that takes a device's PS-over-RTP stream: a UDP port;
    over TCP (``tcp_passive``) a port the device connects to; or (``tcp_active``) none, and ``connect``
    once the device has answered with its own.

    ``frames()`` yields decoded frames until ``close()``, the device closing its TCP connection, or
    ``timeout_s`` without any packet. Packets are reordered in a small window (``reorder`` packets); a lost
    one is skipped (FFmpeg resyncs on the next pack header). Packets from any other SSRC than the one
    negotiated are dropped."""

    def __init__(self, host: str = "0.0.0.0", port: int = 0, ssrc: int | None = None, reorder: int = 32,
                 timeout_s: float = 10.0, decode: bool = True, transport: MediaTransport = "udp"):
        self.transport = transport
        self.sock: socket.socket | None = None
        if transport == "udp":
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
            self.sock.bind((host, port))
        elif transport == "tcp_passive":
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.sock.bind((host, port))
            self.sock.listen(1)
        elif transport != "tcp_active":
            raise ValueError(f"unknown media transport {transport!r}")
        if self.sock is not None:
            self.sock.settimeout(0.5)
        # tcp_active: the offer's port is a placeholder (RFC 4145: 9, discard); we connect to the answer's.
        self.port = self.sock.getsockname()[1] if self.sock is not None else 9
        self.ssrc = ssrc
        self.reorder = reorder
        self.timeout_s = timeout_s
        self.packets = 0
        self.lost = 0
        self.foreign = 0
        # Also given the PS bytes, in order, as they are handed to FFmpeg (the live relay, relay.py); called
        # on the receiving thread, so it must not block.
        self.on_data: Callable[[bytes], None] | None = None
        # False: only ``on_data`` gets the bytes (a playback passed through the relay): nobody reads ``frames()``,
        # and the buffer FFmpeg would read from would otherwise hold the whole file.
        self.decode = decode
        self._conn: socket.socket | None = None
        self._connected = threading.Event()
        self._last = time.monotonic()
        self._stream = _Stream()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"gb28181-rtp-in-{self.port}", daemon=True)
        self._thread.start()

    def connect(self, host: str, port: int, timeout_s: float = 5.0) -> None:
        """``tcp_active``: connect to the port the device answered with, and read the stream from it."""
        if self.transport != "tcp_active":
            raise ValueError(f"connect is for tcp_active, not {self.transport}")
        conn = socket.create_connection((host, port), timeout_s)
        conn.settimeout(0.5)
        self._conn = conn
        self._connected.set()

    def _idle(self) -> bool:
        """Nothing for ``timeout_s``: the stream has stopped."""
        if time.monotonic() - self._last > self.timeout_s:
            log.info("GB28181 RTP %s port %d: nothing for %.0f s", self.transport, self.port, self.timeout_s)
            return True
        return False

    def _reads(self, read: Callable[[], bytes]) -> Iterator[bytes]:
        """What ``read`` returns, until closed, a socket error, or ``timeout_s`` of nothing."""
        while not self._stop.is_set():
            try:
                data = read()
            except socket.timeout:
                if self._idle():
                    return
                continue
            except OSError:
                return
            yield data

    def _datagrams(self) -> Iterator[bytes]:
        sock = self.sock
        assert sock is not None
        return self._reads(lambda: sock.recvfrom(65536)[0])

    def _framed(self) -> Iterator[bytes]:
        """RTP packets off a TCP connection, each behind its 16-bit length (RFC 4571)."""
        while self._conn is None and not self._stop.is_set():
            if self.transport == "tcp_passive":
                assert self.sock is not None
                try:
                    conn, addr = self.sock.accept()
                except socket.timeout:
                    conn = None
                except OSError:
                    return
                if conn is not None:
                    conn.settimeout(0.5)
                    self._conn = conn
                    log.info("GB28181 RTP/TCP port %d: device connected from %s:%d", self.port, *addr)
                    break
            elif self._connected.wait(0.5):
                break
            if self._idle():
                return
        conn = self._conn
        if conn is None:
            return
        buf = bytearray()
        for chunk in self._reads(lambda: conn.recv(65536)):
            if not chunk:
                log.info("GB28181 RTP/TCP port %d: the device closed the connection", self.port)
                return
            buf += chunk
            while len(buf) >= 2:
                n = int.from_bytes(buf[:2], "big")
                if len(buf) < 2 + n:
                    break
                yield bytes(buf[2:2 + n])
                del buf[:2 + n]

    def _run(self) -> None:
        pending: dict[int, bytes] = {}
        expect: int | None = None
        try:
            for data in (self._datagrams() if self.transport == "udp" else self._framed()):
                try:
                    pkt = RtpPacket.parse(data)
                except ValueError:
                    continue
                if self.ssrc is not None and pkt.ssrc != self.ssrc:
                    self.foreign += 1
                    continue
                self._last = time.monotonic()
                self.packets += 1
                if expect is None:
                    expect = pkt.sequence_number
                if ((pkt.sequence_number - expect) & 0xFFFF) >= 0x8000:
                    continue  # late: already skipped past
                pending[pkt.sequence_number] = pkt.payload
                while expect in pending or len(pending) > self.reorder:
                    if expect not in pending:  # lost: skip to the oldest we hold
                        nxt = min(pending, key=lambda s: (s - expect) & 0xFFFF)
                        self.lost += (nxt - expect) & 0xFFFF
                        expect = nxt
                    payload = pending.pop(expect)
                    if self.decode:
                        self._stream.feed(payload)
                    if self.on_data is not None:
                        self.on_data(payload)
                    expect = (expect + 1) & 0xFFFF
        finally:
            self._stream.finish()

    @property
    def ended(self) -> bool:
        """Its thread is done: closed, or nothing came for ``timeout_s``."""
        return self._stream.finished

    def frames(self) -> Iterator:
        """Decoded frames (``vision.ingest.sources.Frame``) of the stream, as they come."""
        import av

        from vision.ingest.sources import Frame

        container = av.open(self._stream, format="mpeg", options={"probesize": "262144", "analyzeduration": "1000000"})
        try:
            stream = container.streams.video[0]
            last_t, step = None, 0.04
            for frame in container.decode(stream):
                if frame.pts is not None and frame.time_base:
                    t = float(frame.pts * frame.time_base)
                    if last_t is not None and 0 < t - last_t < 1:
                        step = t - last_t
                else:  # FFmpeg leaves a few frames of a live PS without a time: one frame on from the last
                    t = (last_t or 0.0) + step
                last_t = t
                yield Frame(None, t, time.time(), av_frame=frame)
        except av.error.EOFError:
            return
        except av.error.FFmpegError:
            if self._stream.finished:
                return  # the stream was cut (closed, or nothing came for timeout_s) mid-picture: that is its end
            raise
        finally:
            container.close()

    def close(self) -> None:
        self._stop.set()
        for sock in (self.sock, self._conn):
            if sock is not None:
                try:
                    sock.close()
                except OSError:
                    pass
        self._thread.join(2)
        self._stream.finish()

