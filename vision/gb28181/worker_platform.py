"""The vision worker's GB/T 28181 platform (docs/gb28181.md): the registrar runs in an asyncio loop on a
thread of its own; ``gb28181://<device id>/<channel id>`` cameras are read through it; the device events
worth auditing go to the service through the worker's spool.

- A camera reader opening ``gb28181://D/C`` waits (up to ``WAIT_FOR_DEVICE_S``) for device D to be
  registered and keeping alive, opens an RTP port, INVITEs channel C and yields the decoded frames, as
  an RTSP camera's reader does; when the reader lets go (it stops, or its camera is removed) the
  stream is ended with BYE.
- A stream ends, and the reader asks again after its back-off (a new INVITE), when no RTP comes for
  ``stream_timeout_s``, when the device ends it (BYE), when the device registers from another address
  (the old stream left with the old address), and when the device goes offline (keepalives stopped,
  registration ran out). Then no frame comes until it is back: the worker's health loop raises
  ``camera_offline`` after the camera's ``offline_after_s``, and ``camera_recovered`` once frames flow.
- ``auth_failed``, ``registered``, ``moved`` and ``unregistered`` are spooled (kind ``device_event``,
  ``POST /api/workers/device-events``) for the audit log, at most one per device a minute (``fold``).
- With ``relay_port`` set, the PS bytes of every stream a reader holds are also re-served over HTTP for the
  service's live view (``relay``): the reader's INVITE is the only one, however many watch.
- A ``gb_record_query`` command asks a camera's device for its recordings (RecordInfo); the answer goes back
  to the service at once (``vision.commands.post_result``), where an API call waits for it.
- A ``gb_playback`` command INVITEs the device to play a span of its recordings back; the session's PS is
  passed through the relay at ``/playback/<request id>.ps`` (not decoded here) until the device's file ends,
  or nobody has read it there for ``PLAYBACK_IDLE_S`` (then BYE).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Coroutine, Iterator

from vision.gb28181 import ptz
from vision.gb28181.fold import Fold, Folded
from vision.gb28181.media import MediaTransport, RtpPsReceiver
from vision.gb28181.platform import DeviceEvent, Platform, RequestTimeout, Session
from vision.gb28181.relay import PsRelay, playback_path
from vision.ingest import sources
from vision.ingest.sources import Frame, SourceError
from vision.spool import Spool
from watchpost.config import Camera, Config, gb28181_channel
from watchpost.events import DeviceRecord, VideoDeviceEvent, WorkerCommand, WorkerCommandResult

log = logging.getLogger(__name__)

WAIT_FOR_DEVICE_S = 30.0  # a reader waits this long for its device before backing off and asking again
AUDITED = ("auth_failed", "registered", "moved", "unregistered")
ENDS_STREAMS = ("offline", "unregistered", "moved")
MAX_RECORDS = 10_000  # WorkerCommandResult's cap: a day of an NVR's one-minute files is 1440
# A playback nobody reads is ended: the device streams a file to us for as long as the session lasts.
PLAYBACK_FIRST_READER_S = 15.0  # before the first reader: the API's answer, the console's call-up, the feed's open
PLAYBACK_IDLE_S = 5.0  # after the last reader left (a console reconnecting comes back within this)
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(eq=False)
class _Live:
    device_id: str
    channel_id: str
    receiver: RtpPsReceiver
    session: Session | None = None
    ended: str = ""  # why the platform ended it (device offline, moved, BYE)


def _text(value: str, limit: int) -> str:
    """A device's own words (a refused one may claim any id) made fit for the audit contract."""
    return _UNPRINTABLE.sub("?", value)[:limit]


class WorkerPlatform:
    def __init__(self, config: Config, spool: Spool | None):
        self.cfg = config.vision.gb28181
        self.worker_id = config.vision.worker_id
        self.spool = spool
        self.fold = Fold()
        self.platform = Platform(self.cfg, on_event=self._on_event, timezone=config.timezone,
                                 on_session_end=self._on_session_end)
        self.media_host = self.cfg.media_host or self.platform.host
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run_loop, name="gb28181", daemon=True)
        self._cond = threading.Condition()
        self._lives: set[_Live] = set()
        self._byes: set[concurrent.futures.Future] = set()  # BYEs readers sent as they let go
        self._next_port = 0
        self._stopping = False
        self._t_end: dict[str, float] = {}  # camera url -> stream time of the last frame it yielded
        self.relay: PsRelay | None = None
        if self.cfg.relay_port:
            urls = {c.id: c.url for c in config.vision.cameras if gb28181_channel(c.url) is not None}
            self.relay = PsRelay(self.cfg.relay_host, self.cfg.relay_port, self.cfg.relay_token, urls.get,
                                 idle_s=self.cfg.stream_timeout_s)

    # -- lifecycle -----------------------------------------------------------------------------
    def _run_loop(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    def start(self) -> "WorkerPlatform":
        """Listen for devices; RuntimeError naming the address when the SIP port cannot be had."""
        if self.relay is not None:  # first: nothing else to undo when its port cannot be had
            try:
                self.relay.start()
            except OSError as exc:
                raise RuntimeError(f"vision.gb28181: the live relay cannot listen on {self.cfg.relay_host}:"
                                   f"{self.cfg.relay_port} ({exc.strerror or exc})") from exc
        self._thread.start()
        try:
            self.call(self.platform.start(), 10)
        except OSError as exc:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
            if self.relay is not None:
                self.relay.stop()
            raise RuntimeError(f"vision.gb28181: cannot listen on {self.cfg.listen_host}:{self.cfg.port} "
                               f"({exc.strerror or exc}); is another platform (or worker) using it?") from exc
        asyncio.run_coroutine_threadsafe(self._flush_loop(), self._loop)
        sources.register_scheme("gb28181", self.frames)
        return self

    def stop(self) -> None:
        sources.unregister_scheme("gb28181", self.frames)
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
            lives, byes = list(self._lives), list(self._byes)
        sessions = [lv.session for lv in lives if lv.session is not None]

        async def bye_all() -> None:
            await asyncio.gather(*(self.platform.bye(s) for s in sessions))

        try:
            self.call(bye_all(), self.cfg.request_timeout_s + 2)
            concurrent.futures.wait(byes, self.cfg.request_timeout_s + 2)
        except Exception:  # stopping anyway: a device that does not answer its BYE times its stream out
            log.warning("GB28181: BYE on stop did not finish", exc_info=True)
        for lv in lives:
            lv.receiver.close()
        if self.relay is not None:
            self.relay.stop()
        for folded in self.fold.drain():
            self._spool(folded)
        try:
            self.call(self.platform.stop(), 5)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)

    def call(self, coro: Coroutine[Any, Any, Any], timeout_s: float) -> Any:
        """Run ``coro`` on the platform's loop from another thread and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout_s)

    # -- camera sources --------------------------------------------------------------------------
    def frames(self, url: str, timeout_s: float = 10.0) -> Iterator[Frame]:
        """The frames of a ``gb28181://`` camera (the opener ``vision.ingest.sources`` calls); SourceError when
        the device is not there, refuses, or the stream ends. ``timeout_s`` (FFmpeg's open timeout for other
        schemes) is not used: ``stream_timeout_s`` bounds a silent stream."""
        ids = gb28181_channel(url)
        if ids is None:
            raise SourceError(f"{url} is not a gb28181:// url")
        dev_id, channel_id = ids
        if not self._wait_online(dev_id, WAIT_FOR_DEVICE_S):
            raise SourceError(f"GB/T 28181 device {dev_id} is not registered and online")
        live = _Live(dev_id, channel_id, self._receiver(dev_id))
        with self._cond:
            self._lives.add(live)
        fan = self.relay.fanout(url) if self.relay is not None else None
        if fan is not None:  # from the first RTP packet on, before the INVITE's answer is in
            fan.attach()
            live.receiver.on_data = fan.feed
        try:
            try:
                # Timer B bounds an INVITE the device has acknowledged with a 1xx (platform.send_request).
                self._invite(live)
            except (RequestTimeout, LookupError, TimeoutError, OSError) as exc:
                raise SourceError(f"INVITE {dev_id}/{channel_id}: {exc}") from None
            if live.ended:  # the device went away while it answered
                raise SourceError(f"GB/T 28181 {dev_id}/{channel_id}: {live.ended}")
            if live.session.ssrc.isdigit():
                live.receiver.ssrc = int(live.session.ssrc)
            try:
                # A new INVITE's stream starts its clock anew (devices restart PS timestamps): carry on after the
                # last stream's time, as a looped file does, so the rules' windows and cool-downs keep counting.
                offset = None
                for frame in live.receiver.frames():
                    if offset is None:
                        offset = self._t_end[url] + 0.1 - frame.t if url in self._t_end else 0.0
                    frame.t += offset
                    self._t_end[url] = frame.t
                    yield frame
            except Exception as exc:  # PyAV raises many kinds; each means this stream is done
                raise SourceError(f"GB/T 28181 {dev_id}/{channel_id}: {exc}") from exc
            raise SourceError(f"GB/T 28181 {dev_id}/{channel_id} stream ended: "
                              f"{live.ended or f'no RTP for {self.cfg.stream_timeout_s:g} s'}")
        finally:
            self._release(live)
            if fan is not None:
                fan.detach()

    def _release(self, live: _Live) -> None:
        """A stream its holder lets go of: BYE (unless already ended) and its port closed."""
        with self._cond:
            # The BYE is on its way before the stream leaves the table, so ``stop`` sees one or the other.
            if live.session is not None and not live.session.closed and not self._stopping:
                bye = asyncio.run_coroutine_threadsafe(self.platform.bye(live.session), self._loop)
                self._byes.add(bye)
                bye.add_done_callback(self._byes.discard)
            self._lives.discard(live)
        live.receiver.close()

    def _wait_online(self, dev_id: str, timeout_s: float) -> bool:
        def ready() -> bool:
            dev = self.platform.devices.get(dev_id)
            return self._stopping or (dev is not None and dev.registered and dev.online)

        with self._cond:
            return self._cond.wait_for(ready, timeout_s) and not self._stopping

    def _invite(self, live: _Live, playback: tuple[datetime, datetime] | None = None) -> None:
        """INVITE the live's channel to its receiver's port; over tcp_active, then connect to the answer's."""
        rx = live.receiver
        # Timer B bounds an INVITE the device has acknowledged with a 1xx (platform.send_request).
        live.session = self.call(self.platform.invite(live.device_id, live.channel_id, self.media_host, rx.port,
                                                      playback=playback, transport=rx.transport),
                                 self.cfg.request_timeout_s + 33)
        if rx.transport == "tcp_active":
            rx.connect(live.session.remote.host, live.session.remote.port, self.cfg.request_timeout_s)

    def _receiver(self, dev_id: str, decode: bool = True) -> RtpPsReceiver:
        """Where ``dev_id``'s stream is received, over its ``media`` (UDP for a device admitted unlisted): any free
        port, or the next free one in rtp_port_min..rtp_port_max (tcp_active needs none)."""
        transport: MediaTransport = next((d.media for d in self.cfg.devices if d.id == dev_id), "udp")
        host, timeout = self.cfg.listen_host, self.cfg.stream_timeout_s
        lo, hi = self.cfg.rtp_port_min, self.cfg.rtp_port_max
        if not lo or transport == "tcp_active":
            return RtpPsReceiver(host, 0, timeout_s=timeout, decode=decode, transport=transport)
        span = hi - lo + 1
        with self._cond:
            start, self._next_port = self._next_port, (self._next_port + 1) % span
        for i in range(span):
            try:
                return RtpPsReceiver(host, lo + (start + i) % span, timeout_s=timeout, decode=decode, transport=transport)
            except OSError:
                continue
        raise SourceError(f"no free RTP port in vision.gb28181.rtp_port_min..max ({lo}-{hi})")

    # -- PTZ -----------------------------------------------------------------------------------
    def ptz(self, device_id: str, channel_id: str, cmd: ptz.Command) -> None:
        self.call(self.platform.ptz(device_id, channel_id, cmd), self.cfg.request_timeout_s + 1)

    def handle(self, cmd: WorkerCommand, cameras: dict[str, Camera],
               post: Callable[[WorkerCommandResult], object]) -> None:
        """A worker command for a GB/T 28181 camera among ``cameras`` (those this worker runs): a PTZ move, or a
        query or playback someone waits for, whose answer goes to ``post``."""
        if cmd.command == "ptz":
            self.run_ptz(cmd, cameras)
        elif cmd.command == "gb_record_query":
            self.answer_record_query(cmd, cameras, post)
        elif cmd.command == "gb_playback":
            self.answer_playback(cmd, cameras, post)

    def run_ptz(self, cmd: WorkerCommand, cameras: dict[str, Camera]) -> bool:
        """A console's PTZ for one of ``cameras`` (those this worker runs); False when it is not one of them
        or not a GB/T 28181 channel (another worker's, or ONVIF's: not ours to move)."""
        cam = cameras.get(cmd.camera_ids[0]) if cmd.camera_ids else None
        ids = gb28181_channel(cam.url) if cam is not None else None
        if ids is None or cmd.ptz is None:
            return False
        p = cmd.ptz
        self.ptz(*ids, ptz.from_console(p.action, p.pan, p.tilt, p.zoom, p.preset))
        log.info("GB28181 PTZ %s (%s/%s): %s", cam.id, *ids, p.model_dump(exclude_defaults=True))
        return True

    # -- the device's own recordings (RecordInfo) ----------------------------------------------------
    def run_record_query(self, cmd: WorkerCommand, cameras: dict[str, Camera]) -> WorkerCommandResult | None:
        """The recordings the device of one of ``cameras`` (those this worker runs) holds for the command's span,
        as the answer to post; None when the camera is not ours or not a GB/T 28181 channel (another worker
        answers). A device that does not answer is an answer too (``ok`` false, why), so the caller hears at
        once rather than at its time-out."""
        cam = cameras.get(cmd.camera_ids[0]) if cmd.camera_ids else None
        ids = gb28181_channel(cam.url) if cam is not None else None
        if ids is None or cmd.request_id is None or cmd.start is None or cmd.end is None:
            return None
        answer = WorkerCommandResult(request_id=cmd.request_id, worker_id=self.worker_id, camera_id=cam.id, ok=True)
        try:
            # The platform's query: its MESSAGE (request_timeout_s), then the answers (request_timeout_s again).
            found = self.call(self.platform.record_info(*ids, cmd.start, cmd.end), 2 * self.cfg.request_timeout_s + 1)
        except (RequestTimeout, LookupError, TimeoutError, ValueError) as exc:
            answer.ok, answer.error = False, _text(f"{ids[0]}/{ids[1]}: {exc or exc.__class__.__name__}", 500)
            return answer
        # The device's own words, made fit for the contract (a size it got wrong is dropped, a list past the
        # contract's cap cut) rather than losing the whole answer to one odd field.
        answer.records = [DeviceRecord(start=r.start, end=r.end, name=_text(r.name, 200), file_path=_text(r.file_path, 500),
                                       type=_text(r.type, 20),
                                       file_size=r.file_size if r.file_size is not None and 0 <= r.file_size <= 2**53 else None)
                          for r in found[:MAX_RECORDS]]
        log.info("GB28181 records %s (%s/%s) %s..%s: %d", cam.id, *ids, cmd.start, cmd.end, len(found))
        return answer

    def answer_record_query(self, cmd: WorkerCommand, cameras: dict[str, Camera],
                            post: Callable[[WorkerCommandResult], object]) -> None:
        """``run_record_query`` on a thread of its own, its answer handed to ``post``: a slow device must not
        hold up the commands queued behind it (a PTZ stop)."""
        self._answer(self.run_record_query, cmd, cameras, post)

    def answer_playback(self, cmd: WorkerCommand, cameras: dict[str, Camera],
                        post: Callable[[WorkerCommandResult], object]) -> None:
        """``run_playback`` on a thread of its own (as ``answer_record_query``)."""
        self._answer(self.run_playback, cmd, cameras, post)

    def _answer(self, run: Callable[[WorkerCommand, dict[str, Camera]], WorkerCommandResult | None],
                cmd: WorkerCommand, cameras: dict[str, Camera], post: Callable[[WorkerCommandResult], object]) -> None:
        def work() -> None:
            try:
                answer = run(cmd, cameras)
            except Exception:  # the caller times out with a 504; the log says why
                log.exception("GB28181 %s %s failed", cmd.command, cmd.request_id)
                return
            if answer is not None:
                post(answer)

        threading.Thread(target=work, name=f"gb-{cmd.command}-{cmd.request_id}", daemon=True).start()

    # -- the device's own recordings played back (INVITE s=Playback) --------------------------------------
    def run_playback(self, cmd: WorkerCommand, cameras: dict[str, Camera]) -> WorkerCommandResult | None:
        """INVITE the device of one of ``cameras`` to play the command's span back, its PS passed through the relay
        at ``/playback/<request id>.ps``; the answer to post (``relay_path``, or ``ok`` false and why). None when
        the camera is not ours (another worker answers)."""
        cam = cameras.get(cmd.camera_ids[0]) if cmd.camera_ids else None
        ids = gb28181_channel(cam.url) if cam is not None else None
        if ids is None or cmd.request_id is None or cmd.start is None or cmd.end is None:
            return None
        answer = WorkerCommandResult(request_id=cmd.request_id, worker_id=self.worker_id, camera_id=cam.id, ok=False)
        if self.relay is None:
            answer.error = "this worker has no relay to play it through (vision.gb28181.relay_port is 0)"
            return answer
        name = cmd.request_id  # random, from the service: the session's name on the relay
        try:
            live = _Live(*ids, self._receiver(ids[0], decode=False))
        except SourceError as exc:  # no free RTP port: the caller hears why now, not at its time-out
            answer.error = _text(str(exc), 500)
            return answer
        fan = self.relay.add_playback(name)
        live.receiver.on_data = fan.feed  # from the first packet on: the start of the span is its first keyframe
        with self._cond:
            self._lives.add(live)  # so a device going offline, its BYE, its end of file and ``stop`` all end it
        try:
            self._invite(live, playback=(cmd.start, cmd.end))
            if live.ended:
                raise LookupError(live.ended)
        except (RequestTimeout, LookupError, TimeoutError, ValueError, OSError) as exc:
            self._release(live)
            self.relay.end_playback(name)
            answer.error = _text(f"{ids[0]}/{ids[1]} playback: {exc or exc.__class__.__name__}", 500)
            return answer
        if live.session.ssrc.isdigit():
            live.receiver.ssrc = int(live.session.ssrc)
        threading.Thread(target=self._watch_playback, args=(live, name), name=f"gb-playback-{name}",
                         daemon=True).start()
        log.info("GB28181 playback %s (%s/%s) %s..%s at %s", cam.id, *ids, cmd.start, cmd.end, playback_path(name))
        answer.ok, answer.relay_path = True, playback_path(name)
        return answer

    def _watch_playback(self, live: _Live, name: str) -> None:
        """End the playback (BYE) once it ends by itself (the file, the device) or nobody reads it."""
        assert self.relay is not None
        fan = self.relay.playback(name)
        last_read, read = time.monotonic(), False
        why = ""
        try:
            while not self._stopping and fan is not None:
                if live.ended or live.receiver.ended:
                    why = live.ended or f"no RTP for {self.cfg.stream_timeout_s:g} s"
                    break
                now = time.monotonic()
                if fan.viewers:
                    last_read, read = now, True
                elif now - last_read > (PLAYBACK_IDLE_S if read else PLAYBACK_FIRST_READER_S):
                    why = "nobody reads it"
                    break
                time.sleep(0.25)
        finally:
            self.relay.end_playback(name)  # first: a reader coming now is told it ended, not left waiting
            self._release(live)
            log.info("GB28181 playback %s/%s ended: %s", live.device_id, live.channel_id, why or "stopping")

    # -- what the platform tells (on its loop) -----------------------------------------------------
    def _on_event(self, ev: DeviceEvent) -> None:
        if ev.kind in ENDS_STREAMS:
            for live in self._lives_of(ev.device_id):
                self._end(live, f"device {ev.kind}" + (f" ({ev.detail})" if ev.detail else ""))
        with self._cond:
            self._cond.notify_all()  # readers waiting for this device
        if ev.kind in AUDITED:
            addr = f"{ev.addr[0]}:{ev.addr[1]}" if ev.addr else ""
            folded = self.fold.offer(_text(ev.device_id, 100), ev.kind, addr, _text(ev.detail, 500), ev.at)
            if folded is not None:
                self._spool(folded)

    def _on_session_end(self, session: Session) -> None:
        for live in self._lives_of(session.device_id):
            if live.session is session:
                self._end(live, session.end_reason)

    def _lives_of(self, dev_id: str) -> list[_Live]:
        with self._cond:
            return [lv for lv in self._lives if lv.device_id == dev_id]

    def _end(self, live: _Live, why: str) -> None:
        """End a stream from the platform's side; its reader sees the frames stop and asks again."""
        live.ended = live.ended or why
        if live.session is not None and not live.session.closed:
            self._loop.create_task(self.platform.bye(live.session))
        self._loop.run_in_executor(None, live.receiver.close)  # joins its thread: not on the loop

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            for folded in self.fold.due(self.platform.clock()):
                self._spool(folded)

    def _spool(self, f: Folded) -> None:
        if self.spool is None:
            return
        ev = VideoDeviceEvent(
            event_id=f"{self.worker_id}:gb28181:{f.device_id}:{int(f.first_at * 1000)}:{f.kind}"[:200],
            worker_id=self.worker_id, device_id=f.device_id, kind=f.kind, addr=f.addr, detail=f.detail,
            first_at=datetime.fromtimestamp(f.first_at, timezone.utc),
            last_at=datetime.fromtimestamp(f.last_at, timezone.utc), counts=f.counts)
        self.spool.put("device_event", ev.model_dump(mode="json"))
