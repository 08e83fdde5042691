"""A simulated GB/T 28181 device (an IPC or a small NVR) for tests: a SIP user agent that registers to
a platform (answering its digest challenge), sends keepalives, and answers Catalog, DeviceInfo,
DeviceStatus and RecordInfo queries, over UDP or TCP. It streams its clip as PS over RTP (UDP, or TCP
connecting or listening as the offer's a=setup asks) on a live INVITE, and the asked span of it on a Playback INVITE (then says MediaStatus 121, end of file); it
keeps the PTZ commands it is sent, decoded, and honours playback control (MANSRTSP over INFO: pause,
resume, seek, scale). It can stop its keepalives (a device that hangs) and move
to another port (a device behind NAT, or re-plugged, registering again from a new address).
"""

from __future__ import annotations

import asyncio
import logging
import socket
from pathlib import Path

from aiosipua import SipRequest as Request, SipResponse as Response

from vision.gb28181 import manscdp, mansrtsp, ptz, sip
from vision.gb28181.manscdp import Channel, Record
from vision.gb28181.media import RtpPsSender, Sdp, parse_sdp, ps_of_clip, sdp_answer

log = logging.getLogger(__name__)


def _answer_setup(offer: Sdp) -> str:
    """Our side of a TCP stream (RFC 4145): the platform listens (passive) → we connect (active), and the
    other way round; empty for UDP or an offer without a usable a=setup."""
    if not offer.tcp:
        return ""
    return {"passive": "active", "active": "passive", "actpass": "active"}.get(offer.setup, "")


def default_channels(device_id: str, n: int = 2) -> list[Channel]:
    """``n`` camera channels under a device: ids share its first 10 digits, type 131 (camera)."""
    prefix = device_id[:10]
    return [Channel(device_id=f"{prefix}131{i:07d}", name=f"模拟通道 Sim channel {i}", manufacturer="Watchpost",
                    model="SimIPC", status="ON", ptz_type=1 if i == 1 else 3, parent_id=device_id)
            for i in range(1, n + 1)]


class SimDevice:
    def __init__(self, device_id: str, password: str, platform_addr: tuple[str, int], platform_id: str,
                 realm: str | None = None, channels: list[Channel] | None = None, transport: str = "udp",
                 keepalive_s: float = 60.0, expires: int = 3600, host: str = "127.0.0.1", clip: Path | None = None,
                 records: list[Record] | None = None, tcp_media: bool = True):
        self.id = device_id
        self.tcp_media = tcp_media  # False: an older device that answers any offer with RTP over UDP
        self.password = password
        self.platform_addr = platform_addr
        self.platform_id = platform_id
        self.realm = realm or platform_id[:10]
        self.channels = channels if channels is not None else default_channels(device_id)
        self.transport = transport.upper()
        self.keepalive_s = keepalive_s
        self.expires = expires
        self.host = host
        self.port = 0
        self.call_id = sip.new_call_id(host)
        self.tag = sip.new_tag()
        self.cseq = 0
        self.sn = 0
        self.queries: list[str] = []  # CmdTypes asked of it
        self.clip = clip  # streamed as PS over RTP on INVITE
        self.records = records or []  # what RecordInfo answers (device-local naive times); played back from clip
        self.ptz: list[tuple[str, ptz.Command]] = []  # (channel, command) of each DeviceControl PTZCmd
        self.playbacks: list[tuple[str, tuple[int, int]]] = []  # (channel, t= span) of each Playback INVITE
        self.controls: list[mansrtsp.Control] = []  # the playback controls it was sent (INFO), as it read them
        self._packs: list | None = None
        self.streams: dict[str, RtpPsSender] = {}  # Call-ID -> sender (started on ACK)
        # Call-ID -> (offer, SSRC, socket, our a=setup over TCP) until ACK
        self._offers: dict[str, tuple[Sdp, int, socket.socket, str]] = {}
        self._udp: asyncio.DatagramTransport | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._pending: dict[str, asyncio.Future] = {}
        self._tasks: set[asyncio.Task] = set()
        self._keepalive: asyncio.Task | None = None

    # -- transport -----------------------------------------------------------------------------
    async def _open(self, port: int = 0) -> None:
        loop = asyncio.get_running_loop()
        if self.transport == "UDP":
            dev = self

            class _P(asyncio.DatagramProtocol):
                def datagram_received(self, data: bytes, addr) -> None:  # noqa: ANN001
                    dev._on_data(data)

            self._udp, _ = await loop.create_datagram_endpoint(_P, local_addr=(self.host, port))
            self.port = self._udp.get_extra_info("sockname")[1]
        else:
            reader, self._writer = await asyncio.open_connection(*self.platform_addr, local_addr=(self.host, port))
            self.port = self._writer.get_extra_info("sockname")[1]
            self._spawn(self._read_tcp(reader))

    async def _read_tcp(self, reader: asyncio.StreamReader) -> None:
        buf = bytearray()
        while data := await reader.read(65536):
            buf += data
            while (msg := sip.frame(buf)) is not None:
                self._on_data(msg)

    def _close_transport(self) -> None:
        if self._udp is not None:
            self._udp.close()
            self._udp = None
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def _send(self, msg: Request | Response) -> None:
        data = bytes(msg)
        if self._udp is not None:
            self._udp.sendto(data, self.platform_addr)
        elif self._writer is not None:
            self._writer.write(data)

    def _spawn(self, coro) -> asyncio.Task:  # noqa: ANN001
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # -- requests it sends -----------------------------------------------------------------------
    async def _request(self, method: str, body: bytes = b"", extra: dict[str, str] | None = None,
                       call_id: str | None = None, timeout_s: float = 5.0) -> Response:
        self.cseq += 1
        branch = sip.new_branch()
        me = f"sip:{self.id}@{self.realm}"
        to = me if method == "REGISTER" else f"sip:{self.platform_id}@{self.realm}"
        req = sip.request(method, f"sip:{self.platform_id}@{self.realm}", via_host=self.host, via_port=self.port,
                          transport=self.transport, from_uri=me, from_tag=self.tag, to_uri=to,
                          call_id=call_id or sip.new_call_id(self.host), cseq=self.cseq, body=body,
                          contact=f"sip:{self.id}@{self.host}:{self.port}", extra=extra, branch=branch)
        fut = asyncio.get_running_loop().create_future()
        self._pending[branch] = fut
        try:
            self._send(req)
            return await asyncio.wait_for(fut, timeout_s)
        finally:
            self._pending.pop(branch, None)

    async def register(self, password: str | None = None, expires: int | None = None) -> int:
        """REGISTER, answering a 401 once; the final status code."""
        password = self.password if password is None else password
        extra = {"Expires": str(self.expires if expires is None else expires)}
        resp = await self._request("REGISTER", extra=extra, call_id=self.call_id)
        if resp.status_code == 401:
            chal = sip.parse_auth(resp.get_header("WWW-Authenticate") or "")
            uri = f"sip:{self.platform_id}@{self.realm}"
            auth = sip.authorization(chal, self.id, password, "REGISTER", uri)
            resp = await self._request("REGISTER", extra={**extra, "Authorization": auth}, call_id=self.call_id)
        return resp.status_code

    async def keepalive(self) -> int:
        self.sn += 1
        return (await self._request("MESSAGE", manscdp.keepalive(self.id, self.sn))).status_code

    async def _file_ended(self, call_id: str) -> None:
        """A playback has sent its span: MediaStatus 121 with the session's Call-ID (the platform then sends BYE)."""
        self.sn += 1
        await self._request("MESSAGE", manscdp.media_status(self.id, self.sn), call_id=call_id)

    async def _keepalive_loop(self) -> None:
        while True:
            try:
                code = await self.keepalive()
                if code == 403:
                    await self.register()
            except asyncio.TimeoutError:
                log.info("sim device %s: keepalive not answered", self.id)
            await asyncio.sleep(self.keepalive_s)

    # -- lifecycle -------------------------------------------------------------------------------
    async def start(self, register: bool = True, keepalives: bool = True) -> "SimDevice":
        if self.clip is not None and self._packs is None:  # encoded once, before any INVITE can come
            clip = self.clip
            self._packs = await asyncio.get_running_loop().run_in_executor(None, lambda: ps_of_clip(clip))
        await self._open()
        if register:
            code = await self.register()
            if code != 200:
                raise RuntimeError(f"sim device {self.id}: REGISTER answered {code}")
        if keepalives:
            self.start_keepalives()
        return self

    def start_keepalives(self) -> None:
        if self._keepalive is None or self._keepalive.done():
            self._keepalive = self._spawn(self._keepalive_loop())

    def stop_keepalives(self) -> None:
        """The device hangs: it stays registered but says nothing more."""
        if self._keepalive is not None:
            self._keepalive.cancel()
            self._keepalive = None

    async def move(self, port: int = 0) -> int:
        """Come back from another local port (a new address) and register again there."""
        self._close_transport()
        await self._open(port)
        return await self.register()

    async def close(self, unregister: bool = True) -> None:
        self.stop_keepalives()
        for sender in self.streams.values():
            sender.stop()
        self.streams.clear()
        if unregister:
            try:
                await self.register(expires=0)
            except (asyncio.TimeoutError, ConnectionError):
                pass
        for t in list(self._tasks):
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._close_transport()

    # -- what arrives ----------------------------------------------------------------------------
    def _on_data(self, data: bytes) -> None:
        if not data.strip():
            return
        try:
            msg = sip.parse(data)
        except ValueError:
            return
        if isinstance(msg, Response):
            vias = msg.get_header_values("Via")
            fut = self._pending.get(sip.header_param(vias[0], "branch") or "") if vias else None
            if fut is not None and msg.status_code >= 200 and not fut.done():
                fut.set_result(msg)
            return
        if msg.method == "MESSAGE":
            self._on_message(msg)
        elif msg.method == "INVITE":
            self._spawn(self._on_invite(msg))
        elif msg.method == "ACK":
            call_id = sip.need(msg, "Call-ID")
            offer = self._offers.pop(call_id, None)
            if offer is not None and self._packs:
                sdp, ssrc, sock, setup = offer
                if sdp.session == "Playback":  # the asked span of the clip, once, then "end of file"
                    first = self._packs[0][0]
                    packs = [p for p in self._packs if p[0] - first <= sdp.span[1] - sdp.span[0]]
                    loop = asyncio.get_running_loop()

                    def ended() -> None:  # on the sender's thread
                        loop.call_soon_threadsafe(lambda: self._spawn(self._file_ended(call_id)))

                    sender = RtpPsSender(packs, (sdp.host, sdp.port), ssrc, loop=False, sock=sock, on_done=ended,
                                         tcp_setup=setup)
                else:
                    sender = RtpPsSender(self._packs, (sdp.host, sdp.port), ssrc, sock=sock, tcp_setup=setup)
                self.streams[call_id] = sender.start()
        elif msg.method == "INFO":
            self._on_info(msg)
        elif msg.method == "BYE":
            sender = self.streams.pop(sip.need(msg, "Call-ID"), None)
            if sender is not None:
                sender.stop()
            self._send(sip.response_to(msg, 200 if sender else 481))
        else:
            self._send(sip.response_to(msg, 405, to_tag=self.tag))

    def _on_info(self, req: Request) -> None:
        """Playback control (MANSRTSP, Annex B) of a stream it sends: pause, resume, seek, scale."""
        sender = self.streams.get(sip.need(req, "Call-ID"))
        if sender is None:
            self._send(sip.response_to(req, 481, to_tag=self.tag))
            return
        try:
            ctl = mansrtsp.parse(req.body)
        except ValueError:
            self._send(sip.response_to(req, 400, to_tag=self.tag))
            return
        self.controls.append(ctl)
        if ctl.action == "pause":
            sender.pause()
        elif ctl.action == "play":
            sender.resume()
        elif ctl.action == "seek":
            sender.seek(ctl.npt or 0.0)
        elif ctl.action == "scale":
            sender.set_scale(ctl.scale or 1.0)
        self._send(sip.response_to(req, 200, to_tag=self.tag))

    async def _on_invite(self, req: Request) -> None:
        self._send(sip.response_to(req, 100))
        if sip.need(req, "Call-ID") in self._offers or sip.need(req, "Call-ID") in self.streams:
            return  # a retransmission of an INVITE being answered
        channel = sip.uri_user(sip.need(req, "To"))
        if self.clip is None or channel not in {c.device_id for c in self.channels}:
            self._send(sip.response_to(req, 404, to_tag=self.tag))
            return
        try:
            offer = parse_sdp(req.body)
        except ValueError:
            self._send(sip.response_to(req, 488, to_tag=self.tag))
            return
        ssrc = offer.ssrc or "0000000001"
        if offer.session == "Playback":
            self.playbacks.append((channel, offer.span))
        setup = _answer_setup(offer) if self.tcp_media else ""
        if offer.tcp and not setup and self.tcp_media:
            self._send(sip.response_to(req, 488, to_tag=self.tag))  # TCP without a usable a=setup
            return
        if setup == "passive":  # the platform connects: listen on a port of our own, named in the answer
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((self.host, 0))
            sock.listen(1)
            port = sock.getsockname()[1]
        elif setup == "active":  # we connect to the platform's port (on ACK); RFC 4145: port 9 in the answer
            sock, port = socket.socket(socket.AF_INET, socket.SOCK_STREAM), 9
        else:
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind((self.host, 0))
            port = sock.getsockname()[1]
        self._offers[sip.need(req, "Call-ID")] = (offer, int(ssrc), sock, setup)
        answer = sdp_answer(channel, self.host, port, ssrc, session=offer.session or "Play", setup=setup)
        self._send(sip.response_to(req, 200, to_tag=self.tag, body=answer,
                                   content_type="APPLICATION/SDP",
                                   extra={"Contact": f"<sip:{channel}@{self.host}:{self.port}>"}))

    def _on_message(self, req: Request) -> None:
        try:
            q = manscdp.parse(req.body)
        except ValueError:
            self._send(sip.response_to(req, 400, to_tag=self.tag))
            return
        self._send(sip.response_to(req, 200, to_tag=self.tag))
        self.queries.append(q.cmd)
        if q.kind == "Control" and q.cmd == "DeviceControl" and q.text("PTZCmd"):
            try:
                self.ptz.append((q.device_id, ptz.decode(q.text("PTZCmd"))))
            except ValueError as exc:  # a real device ignores a command it cannot read; the 200 has gone
                log.warning("sim device %s: %s", self.id, exc)
            return
        if q.kind != "Query":
            return
        if q.cmd == "Catalog":
            # One MESSAGE per channel, as NVRs with many channels do: the platform must gather by SN.
            for ch in self.channels:
                self._spawn(self._request("MESSAGE", manscdp.catalog_response(self.id, q.sn, [ch],
                                                                              total=len(self.channels))))
        elif q.cmd == "DeviceInfo":
            self._spawn(self._request("MESSAGE", manscdp.build(
                "Response", "DeviceInfo", q.sn, self.id, DeviceName="模拟设备 Sim device", Result="OK",
                Manufacturer="Watchpost", Model="SimIPC", Firmware="1.0", Channel=len(self.channels))))
        elif q.cmd == "RecordInfo":
            start, end = manscdp.parse_time(q.text("StartTime")), manscdp.parse_time(q.text("EndTime"))
            found = [r for r in self.records if r.device_id == q.device_id and start is not None and end is not None
                     and r.start < end and r.end > start]
            # One MESSAGE per record, as NVRs do with long lists: the platform must gather by SN.
            for r in found or [None]:
                self._spawn(self._request("MESSAGE", manscdp.record_response(
                    q.device_id, q.sn, [r] if r else [], total=len(found), name="模拟通道 Sim channel")))
        elif q.cmd == "DeviceStatus":
            self._spawn(self._request("MESSAGE", manscdp.build(
                "Response", "DeviceStatus", q.sn, self.id, Result="OK", Online="ONLINE", Status="OK",
                Encode="ON", Record="OFF")))
