"""The GB/T 28181 platform side: a SIP registrar and MANSCDP client on UDP and TCP (asyncio).

Devices (IPCs, NVRs, lower platforms) REGISTER to it with HTTP-digest (MD5) authentication; it
tracks each one's registration, keepalives (MESSAGE Keepalive) and address, marks it offline when
its keepalives stop or its registration runs out, and asks it for its channels (Catalog),
DeviceInfo, DeviceStatus and recordings (RecordInfo); it moves cameras (DeviceControl PTZCmd) and
asks for live or recorded video (INVITE, s=Play or s=Playback). Everything it learns is kept in
memory (``Platform.devices``) and told to ``on_event`` as it happens (registered, moved, online,
offline, unregistered, auth_failed, catalog); a session the device ends (BYE, or MediaStatus 121 at
the end of a played-back file) is told to ``on_session_end``.

One transaction layer, by hand and small: a request we send is matched to its response by the
Via branch, and retransmitted over UDP with RFC 3261's timer E doubling from 0.5 s until
``request_timeout_s``; requests we receive are answered at once (no provisional responses), and a
retransmitted REGISTER or MESSAGE is answered again as new, which both methods tolerate.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Callable
from zoneinfo import ZoneInfo

from aiosipua import SipRequest as Request, SipResponse as Response

from vision.gb28181 import manscdp, mansrtsp, ptz, sip
from vision.gb28181.manscdp import Channel
from watchpost.config import Gb28181

if TYPE_CHECKING:
    from vision.gb28181.media import MediaTransport

log = logging.getLogger(__name__)

NONCE_TTL_S = 300.0  # a challenge's nonce must be answered within this long
# Queries whose answer is a list a device may split over several MESSAGEs (same SN, up to SumNum items).
LISTS = {"Catalog": manscdp.catalog_items, "RecordInfo": manscdp.record_items}


@dataclass
class Device:
    id: str
    name: str = ""
    transport: str = "UDP"
    addr: tuple[str, int] | None = None
    contact: str = ""
    registered: bool = False
    online: bool = False
    registered_at: float | None = None
    expires_at: float | None = None
    last_seen: float | None = None
    keepalives: int = 0
    channels: dict[str, Channel] = field(default_factory=dict)
    info: dict[str, str] = field(default_factory=dict)
    user_agent: str = ""


@dataclass(frozen=True)
class DeviceEvent:
    at: float
    kind: str  # registered | moved | online | offline | unregistered | auth_failed | catalog
    device_id: str
    addr: tuple[str, int] | None
    detail: str = ""


@dataclass
class Session:
    """A live video dialog with one channel."""

    device_id: str
    channel_id: str
    call_id: str
    from_tag: str
    to_tag: str
    cseq: int
    ssrc: str
    remote: "object"  # media.Sdp: where the device sends from
    target: str  # the device's Contact: where in-dialog requests (BYE) go
    closed: bool = False
    playback: bool = False
    end_reason: str = ""  # why the device ended it: "device BYE", "end of file" (MediaStatus 121)
    info_cseq: int = 0  # the MANSRTSP CSeq of its playback controls


class RequestTimeout(Exception):
    pass


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, platform: "Platform"):
        self.platform = platform
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport) -> None:  # noqa: ANN001
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:  # noqa: ANN001
        self.platform._on_data(data, (addr[0], addr[1]), "UDP")


class Platform:
    def __init__(self, cfg: Gb28181, on_event: Callable[[DeviceEvent], None] | None = None,
                 clock: Callable[[], float] = time.time, timezone: str = "Asia/Shanghai",
                 on_session_end: Callable[[Session], None] | None = None):
        self.cfg = cfg
        self.on_session_end = on_session_end  # the device ended a session (BYE, or a playback's file ended)
        self.tz = ZoneInfo(timezone)  # of the Date in a 200 to REGISTER, from which devices set their clocks
        self.realm = cfg.realm
        self.clock = clock
        self.on_event = on_event
        self.devices: dict[str, Device] = {}
        self.events: deque[DeviceEvent] = deque(maxlen=1000)
        self.passwords = {d.id: (d.password or cfg.password) for d in cfg.devices}
        self.names = {d.id: d.name for d in cfg.devices}
        self.host = cfg.public_host or (cfg.listen_host if cfg.listen_host not in ("0.0.0.0", "::", "") else "127.0.0.1")
        self.port = cfg.port
        self.uri = f"sip:{cfg.platform_id}@{self.realm}"
        self._udp: _Udp | None = None
        self._tcp_server: asyncio.Server | None = None
        self._tcp: dict[tuple[str, int], asyncio.StreamWriter] = {}
        self._nonces: dict[str, float] = {}
        self._pending: dict[str, asyncio.Future] = {}  # Via branch -> final response
        self._provisional: set[str] = set()  # branches a 1xx has come for
        self._queries: dict[int, tuple[str, asyncio.Future, list]] = {}  # SN -> (CmdType, done, items)
        self._tasks: set[asyncio.Task] = set()
        self.sessions: dict[str, Session] = {}  # Call-ID -> live session
        self._cseq = 0
        self._tag = sip.new_tag()

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> "Platform":
        loop = asyncio.get_running_loop()
        if "udp" in self.cfg.transports:
            _, self._udp = await loop.create_datagram_endpoint(lambda: _Udp(self), local_addr=(self.cfg.listen_host,
                                                                                           self.cfg.port))
        if "tcp" in self.cfg.transports:
            self._tcp_server = await asyncio.start_server(self._tcp_client, self.cfg.listen_host, self.cfg.port)
        self._spawn(self._watch())
        log.info("GB28181 platform %s (realm %s) on %s:%d %s", self.cfg.platform_id, self.realm, self.cfg.listen_host,
                 self.cfg.port, "+".join(t.upper() for t in self.cfg.transports))
        return self

    async def stop(self) -> None:
        for t in list(self._tasks):
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._udp and self._udp.transport:
            self._udp.transport.close()
        for w in list(self._tcp.values()):
            w.close()
        if self._tcp_server:
            self._tcp_server.close()
            await self._tcp_server.wait_closed()

    def _spawn(self, coro) -> asyncio.Task:  # noqa: ANN001
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # -- transport -----------------------------------------------------------------------------
    async def _tcp_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        addr = (peer[0], peer[1])
        self._tcp[addr] = writer
        buf = bytearray()
        try:
            while data := await reader.read(65536):
                buf += data
                while (msg := sip.frame(buf)) is not None:
                    self._on_data(msg, addr, "TCP")
        except (ConnectionError, ValueError) as exc:
            log.info("GB28181 TCP %s:%d closed: %s", *addr, exc)
        finally:
            self._tcp.pop(addr, None)
            writer.close()

    def _send(self, msg: Request | Response, addr: tuple[str, int], transport: str) -> None:
        data = bytes(msg)
        if transport == "TCP":
            w = self._tcp.get(addr)
            if w is None:
                log.warning("GB28181: no TCP connection to %s:%d any more", *addr)
                return
            w.write(data)
        elif self._udp and self._udp.transport:
            self._udp.transport.sendto(data, addr)

    # -- incoming --------------------------------------------------------------------------------
    def _on_data(self, data: bytes, addr: tuple[str, int], transport: str) -> None:
        if not data.strip():
            return  # CRLF keep-alive
        try:
            msg = sip.parse(data)
        except (ValueError, KeyError, UnicodeDecodeError) as exc:
            log.warning("GB28181: unreadable message from %s:%d: %s", addr[0], addr[1], exc)
            return
        try:
            if isinstance(msg, Response):
                self._on_response(msg)
            elif msg.method == "REGISTER":
                self._on_register(msg, addr, transport)
            elif msg.method == "MESSAGE":
                self._on_message(msg, addr, transport)
            elif msg.method == "BYE":
                session = self.sessions.pop(sip.need(msg, "Call-ID"), None)
                self._send(sip.response_to(msg, 200 if session else 481, received=addr), addr, transport)
                if session is not None:
                    session.closed = True
                    self._session_ended(session, "device BYE")
            elif msg.method in ("OPTIONS",):
                self._send(sip.response_to(msg, 200, received=addr, to_tag=self._tag), addr, transport)
            elif msg.method != "ACK":
                self._send(sip.response_to(msg, 405, received=addr, to_tag=self._tag,
                                           extra={"Allow": "REGISTER, MESSAGE, BYE, ACK, OPTIONS"}), addr, transport)
        except (KeyError, ValueError) as exc:
            log.warning("GB28181: bad %s from %s:%d: %s", getattr(msg, "method", "response"), addr[0], addr[1], exc)
            if isinstance(msg, Request) and msg.method != "ACK":
                try:
                    self._send(sip.response_to(msg, 400, received=addr, to_tag=self._tag), addr, transport)
                except KeyError:
                    pass

    def _event(self, kind: str, dev_id: str, addr: tuple[str, int] | None, detail: str = "") -> None:
        ev = DeviceEvent(self.clock(), kind, dev_id, addr, detail)
        self.events.append(ev)
        level = logging.WARNING if kind in ("auth_failed", "offline") else logging.INFO
        log.log(level, "GB28181 device %s %s%s%s", dev_id, kind, f" from {addr[0]}:{addr[1]}" if addr else "",
                f": {detail}" if detail else "")
        if self.on_event is not None:
            try:
                self.on_event(ev)
            except Exception:  # a listener's failure must not take the registrar down
                log.exception("GB28181 event listener failed")

    def _challenge(self, req: Request, addr: tuple[str, int], transport: str, stale: bool = False) -> None:
        nonce = sip.new_nonce()
        now = self.clock()
        self._nonces = {n: t for n, t in self._nonces.items() if now - t < NONCE_TTL_S}
        self._nonces[nonce] = now
        www = f'Digest realm="{self.realm}", nonce="{nonce}", algorithm=MD5' + (", stale=TRUE" if stale else "")
        self._send(sip.response_to(req, 401, received=addr, to_tag=self._tag, extra={"WWW-Authenticate": www}),
                   addr, transport)

    def _on_register(self, req: Request, addr: tuple[str, int], transport: str) -> None:
        dev_id = sip.uri_user(sip.need(req, "From"))
        password = self.passwords.get(dev_id)
        if password is None and self.cfg.accept_unlisted and self.cfg.password:
            password = self.cfg.password
        if not password:
            self._event("auth_failed", dev_id, addr, "not a listed device" if password is None else "no password set")
            self._send(sip.response_to(req, 403, received=addr, to_tag=self._tag), addr, transport)
            return
        header = req.get_header("Authorization")
        if not header:
            self._challenge(req, addr, transport)
            return
        auth = sip.parse_auth(header)
        # Each nonce is good once: a REGISTER overheard on the wire cannot be replayed (from elsewhere, to move
        # the device there); devices answer a 401 on every refresh anyway.
        issued = self._nonces.pop(auth.get("nonce", ""), None)
        if issued is None or self.clock() - issued > NONCE_TTL_S:
            self._challenge(req, addr, transport, stale=True)  # not ours, or old: ask again, no failure yet
            return
        if auth.get("username") != dev_id or auth.get("realm") != self.realm or not sip.check_digest(auth, "REGISTER",
                                                                                                       password):
            why = "wrong password" if auth.get("username") == dev_id else f"username {auth.get('username')!r}"
            self._event("auth_failed", dev_id, addr, why)
            self._challenge(req, addr, transport)
            return
        expires = self._expires(req)
        dev = self.devices.get(dev_id)
        now = self.clock()
        if expires == 0:
            self._send(sip.response_to(req, 200, received=addr, to_tag=self._tag, extra={"Expires": "0"}),
                       addr, transport)
            if dev is not None and dev.registered:
                dev.registered = dev.online = False
                dev.expires_at = now
                self._event("unregistered", dev_id, addr)
            return
        if dev is None:
            dev = self.devices[dev_id] = Device(dev_id, name=self.names.get(dev_id, ""))
        moved_from = dev.addr if dev.registered and dev.addr not in (None, addr) else None
        was_online = dev.online
        contact = (req.get_header("Contact") or "").split(";expires")[0]
        dev.addr, dev.transport, dev.contact = addr, transport, contact
        dev.user_agent = req.get_header("User-Agent") or ""
        dev.registered = dev.online = True
        dev.registered_at = dev.registered_at if was_online and moved_from is None else now
        dev.expires_at = now + expires
        dev.last_seen = now
        self._send(sip.response_to(req, 200, received=addr, to_tag=self._tag,
                                   extra={"Date": sip.gb_date(datetime.now(self.tz)), "Expires": str(expires),
                                          **({"Contact": sip.need(req, "Contact")} if req.get_header("Contact") else {})}),
                   addr, transport)
        if moved_from is not None:
            self._event("moved", dev_id, addr, f"was {moved_from[0]}:{moved_from[1]}")
        if not was_online:
            self._event("registered", dev_id, addr, f"{transport}, expires {expires} s")
        if self.cfg.catalog_on_register and (not was_online or moved_from is not None):
            self._spawn(self._catalog_quietly(dev_id))

    def _expires(self, req: Request) -> int:
        value = req.get_header("Expires")
        if value is None:
            value = sip.header_param(req.get_header("Contact") or "", "expires")
        try:
            expires = int(value) if value is not None else 3600
        except ValueError:
            expires = 3600
        return max(0, min(expires, self.cfg.register_expires_max))

    def _on_message(self, req: Request, addr: tuple[str, int], transport: str) -> None:
        dev_id = sip.uri_user(sip.need(req, "From"))
        try:
            body = manscdp.parse(req.body)
        except ValueError as exc:
            log.warning("GB28181: MESSAGE from %s without MANSCDP: %s", dev_id, exc)
            self._send(sip.response_to(req, 400, received=addr, to_tag=self._tag), addr, transport)
            return
        session = self.sessions.get(req.get_header("Call-ID") or "")
        if body.cmd == "MediaStatus" and session is not None:
            # Sent with the session's Call-ID (an id we made), From the device or from the channel as in-dialog
            # requests are: the Call-ID, not the From, says which session.
            self._send(sip.response_to(req, 200, received=addr, to_tag=self._tag), addr, transport)
            if body.text("NotifyType") == manscdp.MEDIA_FILE_END:
                self._session_ended(session, "end of file")
            return
        dev = self.devices.get(dev_id)
        if dev is None or not dev.registered:
            # Not registered (or its registration ran out): a device answered 403 registers again.
            self._send(sip.response_to(req, 403, received=addr, to_tag=self._tag), addr, transport)
            return
        self._send(sip.response_to(req, 200, received=addr, to_tag=self._tag), addr, transport)
        now = self.clock()
        dev.last_seen = now
        if addr != dev.addr:
            # Unauthenticated, so it does not move the device: only a REGISTER (digest-checked) does.
            log.info("GB28181 device %s sent %s from %s:%d, registered at %s", dev_id, body.cmd, *addr, dev.addr)
        if body.cmd == "Keepalive":
            dev.keepalives += 1
            if not dev.online:
                dev.online = True
                self._event("online", dev_id, addr, "keepalive")
            return
        if body.kind == "Response":
            pending = self._queries.get(body.sn)
            if pending is not None and pending[0] == body.cmd:
                self._collect(body, pending)
            return
        log.info("GB28181 device %s: %s %s (not handled yet)", dev_id, body.kind, body.cmd)

    def _collect(self, body: manscdp.Manscdp, pending: tuple[str, asyncio.Future, list]) -> None:
        cmd, done, items = pending
        if done.done():
            return
        if cmd in LISTS:
            total, found = LISTS[cmd](body)
            items.extend(found)
            if len(items) >= total:
                done.set_result(items)
        else:
            done.set_result(body)

    def _session_ended(self, session: Session, reason: str) -> None:
        session.end_reason = reason
        log.info("GB28181 device %s ended %s %s: %s", session.device_id, "playback" if session.playback else "live",
                 session.channel_id, reason)
        if self.on_session_end is not None:
            try:
                self.on_session_end(session)
            except Exception:  # a listener's failure must not take the registrar down
                log.exception("GB28181 session listener failed")

    def _on_response(self, resp: Response) -> None:
        vias = resp.get_header_values("Via")
        branch = sip.header_param(vias[0], "branch") if vias else None
        fut = self._pending.get(branch or "")
        if fut is None or fut.done():
            return
        if resp.status_code >= 200:
            fut.set_result(resp)
        else:
            self._provisional.add(branch)

    # -- outgoing --------------------------------------------------------------------------------
    async def send_request(self, dev_id: str, method: str, body: bytes = b"", content_type: str | None = None,
                           extra: dict[str, str] | None = None, *, target: str | None = None,
                           to_uri: str | None = None, call_id: str | None = None, from_tag: str | None = None,
                           to_tag: str | None = None, cseq: int | None = None, contact: str | None = None) -> Response:
        """Send ``method`` to a registered device and wait for its final response. ``target`` (the
        Request-URI, default the device at its address), ``to_uri`` and the dialog's ids default
        to those of a new out-of-dialog request."""
        dev = self.devices.get(dev_id)
        if dev is None or not dev.registered or dev.addr is None:
            raise LookupError(f"device {dev_id} is not registered")
        if cseq is None:
            self._cseq += 1
            cseq = self._cseq
        branch = sip.new_branch()
        host, port = dev.addr
        req = sip.request(method, target or f"sip:{dev_id}@{host}:{port}", via_host=self.host, via_port=self.port,
                          transport=dev.transport, from_uri=self.uri, from_tag=from_tag or sip.new_tag(),
                          to_uri=to_uri or f"sip:{dev_id}@{self.realm}", to_tag=to_tag,
                          call_id=call_id or sip.new_call_id(self.host), cseq=cseq, body=body,
                          content_type=content_type, extra=extra, branch=branch, contact=contact)
        fut = asyncio.get_running_loop().create_future()
        self._pending[branch] = fut
        deadline = time.monotonic() + self.cfg.request_timeout_s
        interval = 0.5
        try:
            while True:
                if branch in self._provisional:
                    # A 1xx came: the device has it, stop resending and give it timer B (64 x T1) to finish.
                    left = deadline - time.monotonic() + 32.0 - self.cfg.request_timeout_s
                    try:
                        return await asyncio.wait_for(asyncio.shield(fut), max(left, 0.01))
                    except asyncio.TimeoutError:
                        raise RequestTimeout(f"{method} to {dev_id}: no final answer after a provisional") from None
                self._send(req, dev.addr, dev.transport)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise RequestTimeout(f"{method} to {dev_id}: no answer in {self.cfg.request_timeout_s} s")
                try:
                    return await asyncio.wait_for(asyncio.shield(fut), min(interval, left)
                                                  if dev.transport == "UDP" else left)
                except asyncio.TimeoutError:
                    interval = min(interval * 2, 4.0)  # timer E, capped at T2
        finally:
            self._pending.pop(branch, None)
            self._provisional.discard(branch)

    # -- live video (INVITE / ACK / BYE) -------------------------------------------------------------
    async def invite(self, dev_id: str, channel_id: str, media_host: str, media_port: int,
                     ssrc: str | None = None, playback: tuple[datetime, datetime] | None = None,
                     transport: MediaTransport = "udp") -> "Session":
        """Ask ``channel_id`` of a device for live video, or with ``playback`` (start, end) for its recording
        of that span, PS over RTP to ``media_host:media_port`` (a port the caller has open:
        media.RtpPsReceiver), over UDP or TCP (``transport``; with ``tcp_active`` the caller connects to the
        answer's address, ``session.answer``). The session stays up until ``bye``; a playback's device says
        when its file ends (MediaStatus 121, ``on_session_end``) and the caller then ends it."""
        from vision.gb28181 import media

        ssrc = ssrc or media.new_ssrc(self.realm, playback=playback is not None)
        if playback is None:
            offer = media.sdp_offer(self.cfg.platform_id, media_host, media_port, ssrc, transport=transport)
        else:
            start, end = (int(t.timestamp()) for t in playback)
            if end <= start:
                raise ValueError("a playback's end must come after its start")
            offer = media.sdp_offer(self.cfg.platform_id, media_host, media_port, ssrc, session="Playback",
                                    uri=f"{channel_id}:0", span=(start, end), transport=transport)
        call_id, from_tag = sip.new_call_id(self.host), sip.new_tag()
        self._cseq += 1
        cseq = self._cseq
        dev = self.devices.get(dev_id)
        if dev is None or dev.addr is None:
            raise LookupError(f"device {dev_id} is not registered")
        target = f"sip:{channel_id}@{dev.addr[0]}:{dev.addr[1]}"
        resp = await self.send_request(
            dev_id, "INVITE", offer, "APPLICATION/SDP",
            {"Subject": f"{channel_id}:{ssrc},{self.cfg.platform_id}:0"}, target=target,
            to_uri=f"sip:{channel_id}@{self.realm}", call_id=call_id, from_tag=from_tag, cseq=cseq,
            contact=f"sip:{self.cfg.platform_id}@{self.host}:{self.port}")
        if resp.status_code != 200:
            raise RequestTimeout(f"INVITE {channel_id}: {resp.status_code} {resp.reason_phrase}")
        to_tag = sip.header_param(sip.need(resp, "To"), "tag") or ""
        contact = resp.get_header("Contact")
        remote_target = sip.address_uri(contact) if contact else target
        answer = media.parse_sdp(resp.body)
        session = Session(dev_id, channel_id, call_id, from_tag, to_tag, cseq, answer.ssrc or ssrc, answer,
                          remote_target, playback=playback is not None)
        # The ACK of a 2xx is a transaction of its own (RFC 3261 §13.2.2.4): new branch, same CSeq number.
        ack = sip.request("ACK", remote_target, via_host=self.host, via_port=self.port, transport=dev.transport,
                          from_uri=self.uri, from_tag=from_tag, to_uri=f"sip:{channel_id}@{self.realm}", to_tag=to_tag,
                          call_id=call_id, cseq=cseq)
        self._send(ack, dev.addr, dev.transport)
        self.sessions[call_id] = session
        if answer.tcp != (transport != "udp"):  # the stream would never arrive where we wait for it
            await self.bye(session)
            raise RequestTimeout(f"INVITE {channel_id}: asked for {transport} media, the device answered "
                                 f"{answer.transport or '?'}")
        log.info("GB28181 %s %s/%s: ssrc %s, from %s:%d", "playback" if playback else "live", dev_id, channel_id,
                 session.ssrc, answer.host, answer.port)
        return session

    async def bye(self, session: "Session") -> None:
        """End a live session (no one needs the stream any more)."""
        if session.closed:
            return
        session.closed = True
        self.sessions.pop(session.call_id, None)
        self._cseq += 1
        try:
            await self.send_request(session.device_id, "BYE", target=session.target,
                                    to_uri=f"sip:{session.channel_id}@{self.realm}", call_id=session.call_id,
                                    from_tag=session.from_tag, to_tag=session.to_tag, cseq=session.cseq + 1)
        except (RequestTimeout, LookupError) as exc:
            log.info("GB28181 BYE %s/%s: %s", session.device_id, session.channel_id, exc)

    async def playback_control(self, session: "Session", action: mansrtsp.Action, scale: float | None = None,
                               seek_s: float | None = None) -> None:
        """Pause, resume, seek or change the speed of a playback session: an in-dialog INFO carrying MANSRTSP
        (Annex B). RequestTimeout when the device refuses or does not answer; ValueError for a bad control."""
        if session.closed or not session.playback:
            raise ValueError("not a playback session that is still up")
        session.cseq += 1  # in-dialog requests number on from the INVITE's CSeq
        session.info_cseq += 1
        body = mansrtsp.request(action, session.info_cseq, scale=scale, seek_s=seek_s)
        resp = await self.send_request(session.device_id, "INFO", body, mansrtsp.CONTENT_TYPE, target=session.target,
                                       to_uri=f"sip:{session.channel_id}@{self.realm}", call_id=session.call_id,
                                       from_tag=session.from_tag, to_tag=session.to_tag, cseq=session.cseq)
        if not 200 <= resp.status_code < 300:
            raise RequestTimeout(f"{action} on {session.device_id}/{session.channel_id}: {resp.status_code} "
                                 f"{resp.reason_phrase}")

    async def _query(self, dev_id: str, cmd: str, body: bytes | None = None, sn: int | None = None):  # noqa: ANN202
        """Send a Query (``body``, default the bare one about the device) and wait for its answer, gathered
        over several MESSAGEs for the list queries."""
        if body is None or sn is None:
            sn, body = manscdp.query(cmd, dev_id)
        done = asyncio.get_running_loop().create_future()
        self._queries[sn] = (cmd, done, [])
        try:
            resp = await self.send_request(dev_id, "MESSAGE", body)
            if resp.status_code != 200:
                raise RequestTimeout(f"{cmd} query to {dev_id}: {resp.status_code} {resp.reason_phrase}")
            try:
                return await asyncio.wait_for(done, self.cfg.request_timeout_s)
            except asyncio.TimeoutError:
                if cmd in LISTS and self._queries[sn][2]:
                    return self._queries[sn][2]  # fewer items than SumNum said: keep what came
                raise RequestTimeout(f"{cmd} query to {dev_id}: no answer in {self.cfg.request_timeout_s} s") from None
        finally:
            self._queries.pop(sn, None)

    async def query_catalog(self, dev_id: str) -> list[Channel]:
        """Ask a device for its channels (Catalog); they replace what ``devices[dev_id].channels`` held."""
        channels: list[Channel] = await self._query(dev_id, "Catalog")
        dev = self.devices[dev_id]
        dev.channels = {c.device_id: c for c in channels}
        self._event("catalog", dev_id, dev.addr, f"{len(channels)} channel(s)")
        return channels

    async def device_info(self, dev_id: str) -> dict[str, str]:
        """DeviceInfo (A.2.4.7 / A.2.6.7): DeviceName, Manufacturer, Model, Firmware, Channel..."""
        info = (await self._query(dev_id, "DeviceInfo")).fields()
        self.devices[dev_id].info = info
        return info

    async def device_status(self, dev_id: str) -> dict[str, str]:
        """DeviceStatus (A.2.4.6 / A.2.6.6): Online, Status, Encode, Record, DeviceTime..."""
        return (await self._query(dev_id, "DeviceStatus")).fields()

    async def record_info(self, dev_id: str, channel_id: str, start: datetime, end: datetime) -> list[manscdp.Record]:
        """RecordInfo (A.2.4.5 / A.2.6.5): the recordings ``channel_id`` holds between ``start`` and ``end``
        (aware times; devices keep local time, so they are asked in the platform's zone and their answers
        read in it). Each record's start and end come back aware."""
        if end <= start:
            raise ValueError("a record query's end must come after its start")
        local = [t.astimezone(self.tz).replace(tzinfo=None) for t in (start, end)]
        sn = manscdp.next_sn()
        records: list[manscdp.Record] = await self._query(dev_id, "RecordInfo", manscdp.record_query(
            channel_id, sn, *local), sn)
        for r in records:
            r.start, r.end = r.start.replace(tzinfo=self.tz), r.end.replace(tzinfo=self.tz)
        return sorted(records, key=lambda r: r.start)

    async def ptz(self, dev_id: str, channel_id: str, cmd: ptz.Command) -> None:
        """DeviceControl with a PTZCmd (A.2.3.1, A.3): move, zoom, focus, iris or presets of ``channel_id``. The
        device answers the MESSAGE with 200 and acts; GB/T 28181-2016 has no other answer to PTZ. A move runs
        until a stop (``ptz.Move()``)."""
        body = manscdp.device_control(channel_id, manscdp.next_sn(), ptz.encode(cmd))
        resp = await self.send_request(dev_id, "MESSAGE", body)
        if resp.status_code != 200:
            raise RequestTimeout(f"PTZ to {dev_id}/{channel_id}: {resp.status_code} {resp.reason_phrase}")

    async def _catalog_quietly(self, dev_id: str) -> None:
        try:
            await self.query_catalog(dev_id)
        except (RequestTimeout, LookupError) as exc:
            log.warning("GB28181: catalog of %s: %s", dev_id, exc)

    # -- health ----------------------------------------------------------------------------------
    async def _watch(self) -> None:
        every = max(0.05, min(1.0, self.cfg.keepalive_timeout_s / 4))
        while True:
            await asyncio.sleep(every)
            self.check_health()

    def check_health(self) -> None:
        now = self.clock()
        for dev in self.devices.values():
            if dev.registered and dev.expires_at is not None and now >= dev.expires_at:
                dev.registered = False
                if dev.online:
                    dev.online = False
                    self._event("offline", dev.id, dev.addr, "registration expired")
            elif dev.online and dev.last_seen is not None and now - dev.last_seen > self.cfg.keepalive_timeout_s:
                dev.online = False
                self._event("offline", dev.id, dev.addr, f"no keepalive for {now - dev.last_seen:.0f} s")
