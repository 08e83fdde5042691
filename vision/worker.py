"""The vision worker: cameras → detection → rules → evidence → spool → service.

One reader thread per camera (its own decoder), one detection thread that visits cameras at
their detect_fps, a spool sender, a command poller (linkage, drill clips), and a health watcher
that raises camera-offline alarms and their recoveries. Never imports ``command/``: alarms leave
as ``watchpost.events`` over HTTP, commands arrive the same way.

A drill's clip (``play_clip``) runs as a camera of its own for as long as the clip lasts, in the
place of a configured camera (its site, zones and rules): what it raises is an exercise alarm
of that drill, and it never counts as a camera going offline.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from vision.assignment import AssignmentFollower
from vision.commands import CommandPoller, post_result
from vision.evidence.clip import write_clip
from vision.evidence.snapshot import sha256_file, write_snapshot
from vision.ingest.reader import CameraReader, RingItem
from vision.monitor import WorkerMonitor
from vision.processor import CameraProcessor
from vision.record.index import SegmentIndex
from vision.record.recorder import SegmentRecorder
from vision.record.stream_copy import StreamCopyRecorder
from vision.record.sweeper import sweep
from vision.spool import Spool, SpoolSender
from watchpost.config import Camera, Config
from watchpost.events import GB28181_COMMANDS, AlarmEvent, Box, EvidenceRef, Location, WorkerCommand

log = logging.getLogger(__name__)

DRILL_TAG = "【演练 DRILL】"
TITLES = {"fire": "明火 Fire", "smoke": "烟雾 Smoke", "off_post": "人员脱岗 Off post",
          "camera_offline": "摄像机离线 Camera offline", "camera_recovered": "摄像机恢复 Camera back online"}


class Worker:
    def __init__(self, config: Config, detectors: dict | None = None, realtime: bool = True):
        from vision.pipeline import load_detectors

        self.config = config
        self.vc = config.vision
        self.media_root = Path(self.vc.media_root)
        self.catalog = {c.id: c for c in self.vc.cameras if c.enabled}
        # Assigned mode starts with none: the service names this worker's share (vision/assignment.py).
        self.cameras = [] if self.vc.assignment.enabled else list(self.catalog.values())
        self.detectors = detectors if detectors is not None else load_detectors(config)
        ring_s = max(self.vc.evidence.pre_s, 1.0) + 1.0
        self.ring_s = ring_s
        self.realtime = realtime
        self.readers = {c.id: CameraReader(c, ring_s=ring_s, realtime=realtime) for c in self.cameras}
        self.processors = {c.id: CameraProcessor(c, config, self.detectors) for c in self.cameras}
        self.index = SegmentIndex(self.media_root)
        self.recorders = {c.id: self._recorder(c) for c in self.cameras if c.record}
        self._storage_alarm_open = False
        self.spool = Spool(self.vc.spool_path)
        self.sender = SpoolSender(self.spool, self.vc.service_url, self.vc.service_token)
        self.poller = CommandPoller(self.spool, self.vc.service_url, self.vc.service_token, self.vc.worker_id,
                                    self.handle_command)
        # Drill clips playing now: camera id -> (drill id, inject id)
        self.drill_cams: dict[str, tuple[int | None, str | None]] = {}
        self._cams_lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._online: dict[str, bool] = {c.id: True for c in self.cameras}
        self._offline_event: dict[str, str] = {}
        self.started_wall = time.time()
        self._cam_started: dict[str, float] = {}  # a camera taken over later: when it started here
        self.follower: AssignmentFollower | None = None
        self.superseded: str | None = None
        if self.vc.assignment.enabled:
            a, gb = self.vc.assignment, self.vc.gb28181
            self.follower = AssignmentFollower(self.vc.worker_id, self.vc.service_url, self.vc.service_token,
                                               a.claim_s, a.lease_s, self._assigned_running,
                                               self.apply_assignment, self._superseded,
                                               relay_url=gb.relay_url if gb.enabled and gb.relay_url else None)
        self.stats = {c.id: {"detections": 0, "detect_s": 0.0, "alarms": 0} for c in self.cameras}
        self.monitor = WorkerMonitor(self)  # heartbeats to the service, /metrics (issue #26)
        # gb28181:// cameras are read through this worker's own GB/T 28181 platform (docs/gb28181.md).
        self.gb28181 = None
        if self.vc.gb28181.enabled:
            from vision.gb28181.worker_platform import WorkerPlatform  # SIP and RTP only where they are used

            self.gb28181 = WorkerPlatform(config, self.spool)

    def _recorder(self, cam: Camera) -> SegmentRecorder | StreamCopyRecorder:
        if cam.detect_url:  # the reader decodes the substream; the main stream is kept as it comes
            return StreamCopyRecorder(cam, self.index, self.vc.recording.segment_s, realtime=self.realtime)
        return SegmentRecorder(self.readers[cam.id], self.index, self.vc.recording.segment_s)

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        if self.gb28181 is not None:
            self.gb28181.start()  # before the readers: a gb28181:// reader opens its stream through it
        for r in self.readers.values():
            r.start()
        for rec in self.recorders.values():
            rec.start()
        self.sender.start()
        if self.vc.service_url:
            self.poller.start()
        if self.follower is not None:
            self.follower.start()
        self.monitor.start()
        for target, name in ((self._detect_loop, "detect"), (self._health_loop, "health"),
                             (self._retention_loop, "retention")):
            t = threading.Thread(target=target, name=name, daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self) -> None:
        self._stop.set()
        if self.follower is not None:
            self.follower.stop()  # says it is leaving: the others take its cameras at once
        self.poller.stop()
        self.monitor.stop()
        for r in list(self.readers.values()):
            r.stop()
        for t in self._threads:
            t.join(5)
        if self.gb28181 is not None:
            self.gb28181.stop()  # BYE to every stream still open; the last folded device events spooled
        for rec in list(self.recorders.values()):
            rec.flush()
        if not self.sender.drain(5.0):  # nothing new comes in now: deliver what is held, if the service answers
            log.info("%d spooled item(s) left for the next start", self.spool.pending())
        self.sender.stop()
        self.sender.join(5)
        self.spool.close()
        self.index.close()

    def run_forever(self) -> None:
        self.start()
        try:
            while not self._stop.is_set():
                self._stop.wait(1.0)
        finally:
            self.stop()

    # -- cameras the service assigns (vision/assignment.py) --------------------------------
    def add_camera(self, cam: Camera) -> None:
        """Start reading, analysing and recording ``cam`` here (it was assigned to this worker)."""
        with self._cams_lock:
            if cam.id in self.readers:
                return
            self.readers[cam.id] = reader = CameraReader(cam, ring_s=self.ring_s, realtime=self.realtime)
            self.processors[cam.id] = CameraProcessor(cam, self.config, self.detectors)
            self.stats[cam.id] = {"detections": 0, "detect_s": 0.0, "alarms": 0}
            self._online[cam.id] = True
            self._cam_started[cam.id] = time.time()
            rec = self._recorder(cam) if cam.record else None
            if rec is not None:
                self.recorders[cam.id] = rec
            self.cameras = [*self.cameras, cam]
        reader.start()
        if rec is not None:
            rec.start()
        log.warning("camera %s: now analysed by this worker", cam.id)

    def remove_camera(self, cam_id: str) -> None:
        """Stop ``cam_id`` here (assigned to another worker). Alarms it raised stay in the spool; a clip
        being collected keeps what it has."""
        with self._cams_lock:
            if cam_id not in self.readers or cam_id in self.drill_cams:
                return
            self.cameras = [c for c in self.cameras if c.id != cam_id]
            reader = self.readers.pop(cam_id)
            rec = self.recorders.pop(cam_id, None)
            for table in (self.processors, self.stats, self._online, self._offline_event, self._cam_started):
                table.pop(cam_id, None)
        reader.stop()
        if rec is not None:
            rec.flush()
        log.warning("camera %s: handed to another worker", cam_id)

    def apply_assignment(self, camera_ids: set[str]) -> None:
        """Run exactly ``camera_ids`` of the configured cameras (drill clips are left to end by themselves)."""
        unknown = camera_ids - set(self.catalog)
        if unknown:
            log.error("assigned camera(s) %s are not in this worker's vision.cameras; the service and the worker "
                      "read different configs", ", ".join(sorted(unknown)))
        running = set(self._assigned_running())
        for cam_id in sorted(running - camera_ids):
            self.remove_camera(cam_id)
        for cam_id in sorted((camera_ids - running) & set(self.catalog)):
            self.add_camera(self.catalog[cam_id])

    def _assigned_running(self) -> list[str]:
        return [c.id for c in self.cameras if c.id not in self.drill_cams]

    def _superseded(self, reason: str) -> None:
        self.superseded = reason
        self._stop.set()

    # -- detection -------------------------------------------------------------------------
    def _detect_loop(self) -> None:
        next_due: dict[str, float] = {}
        last_seq: dict[str, int] = {}
        while not self._stop.is_set():
            due = []
            now = time.monotonic()
            for cam in self.cameras:  # a drill clip may add or remove a camera between rounds
                reader = self.readers.get(cam.id)  # None: handed to another worker since this round began
                if reader is None or now < next_due.get(cam.id, 0.0):
                    continue
                seq, frame = reader.latest()
                if frame is None or seq == last_seq.get(cam.id, -1):
                    continue
                last_seq[cam.id] = seq
                # Keep the cadence: the next pass is due one period after this one was due, not after it ran
                # (waiting for a fresh frame each time made 2 fps into 1.8; issue #23). A camera more than a
                # period behind starts again from now rather than catching up in a burst.
                period, due_at = 1.0 / cam.detect_fps, next_due.get(cam.id)
                next_due[cam.id] = now + period if due_at is None or now - due_at > period else due_at + period
                due.append((cam, frame))
            if not due:
                self._stop.wait(0.02)
                continue
            try:
                self._detect_batch(due)
            except Exception:
                log.exception("detection failed for %s", [c.id for c, _ in due])

    def _detect_batch(self, due: list) -> None:
        """One detector call per model for all cameras due now (batched across cameras, which is
        what keeps a GPU busy), then each camera's rules."""
        # The processors the pass starts with, held to its end: a camera handed to another worker meanwhile
        # finishes this pass (what it sees is still raised) instead of the hand-over waiting for the pass.
        procs = {cam.id: p for cam, _ in due if (p := self.processors.get(cam.id)) is not None}
        due = [(cam, frame) for cam, frame in due if cam.id in procs]
        if not due:
            return
        t0 = time.perf_counter()
        wall = datetime.now(timezone.utc)
        images = {cam.id: frame.image for cam, frame in due}
        wanted = {cam.id: procs[cam.id].wants_detection(images[cam.id], frame.t) for cam, frame in due}
        dets: dict[str, list | None] = {cam.id: ([] if wanted[cam.id] else None) for cam, _ in due}
        for key, detector in self.detectors.items():
            ids = [cam.id for cam, _ in due if wanted[cam.id] and key in procs[cam.id].detectors]
            if ids:
                for cam_id, found in zip(ids, detector.detect([images[i] for i in ids])):
                    dets[cam_id].extend(found)
        self._add_seat_views(due, wanted, images, dets, procs)
        per_cam = (time.perf_counter() - t0) / len(due)
        self.monitor.analysed([cam.id for cam, _ in due], per_cam, time.perf_counter() - t0)
        for cam, frame in due:
            events = procs[cam.id].apply(frame.t, dets[cam.id], wall)
            st = self.stats.get(cam.id) or {"detections": 0, "detect_s": 0.0, "alarms": 0}  # handed away: not kept
            st["detections"] += 1
            st["detect_s"] += per_cam
            for ev in events:
                if ev.kind == "raised":
                    st["alarms"] += 1
                    self._raise(cam, frame, ev)

    def _add_seat_views(self, due: list, wanted: dict[str, bool], images: dict, dets: dict, procs: dict) -> None:
        """The duty posts' close-up person pass, every due camera's seat views in one detector call."""
        views = {cam.id: procs[cam.id].seat_views(images[cam.id]) for cam, _ in due if wanted[cam.id]}
        crops = [crop for vs in views.values() for _, crop in vs]
        if not crops:
            return
        found = iter(self.detectors["person"].detect(crops))
        for cam_id, vs in views.items():
            if vs:
                dets[cam_id] = CameraProcessor.with_seat_detections(dets[cam_id], vs, [next(found) for _ in vs])

    def _location(self, cam: Camera) -> Location:
        site = next((s for s in self.config.sites if s.id == cam.site), None)
        loc = cam.location or (site.location if site else None)
        return Location(name=cam.name or cam.id, site=cam.site, lon=loc.lon if loc else None,
                        lat=loc.lat if loc else None)

    def _raise(self, cam: Camera, frame, ev) -> None:
        at = datetime.fromtimestamp(frame.wall, timezone.utc)
        event_id = f"{self.vc.worker_id}:{cam.id}:{ev.type}:{int(frame.wall * 1000)}"
        rel_dir = Path("evidence") / at.strftime("%Y/%m/%d") / cam.id
        stem = f"{at.strftime('%H%M%S')}-{ev.type}-{int(frame.wall * 1000) % 1000:03d}"
        loc = self._location(cam)
        snap_rel = rel_dir / f"{stem}.jpg"
        sha = write_snapshot(self.media_root / snap_rel, frame.image, ev.boxes, camera_id=cam.id,
                             camera_name=cam.name, location=loc.site or "", at=at, alarm_type=ev.type,
                             lon=loc.lon, lat=loc.lat)
        boxes = [Box(cls=b.cls, score=round(min(max(b.score, 0), 1), 4), x1=_c(b.x1), y1=_c(b.y1), x2=_c(b.x2),
                     y2=_c(b.y2)) for b in ev.boxes[:200]]
        raw = {"worker": self.vc.worker_id, "rule_t": ev.t, "zone": ev.zone, "frame_wall": frame.wall}
        drill = self.drill_cams.get(cam.id)
        if drill is not None:
            raw |= {"drill_id": drill[0], "inject_id": drill[1]}
        alarm = AlarmEvent(
            source="video", source_event_id=event_id, type=ev.type, occurred_at=at, location=loc, camera_id=cam.id,
            score=round(min(max(ev.score, 0), 1), 4), boxes=boxes,
            title=f"{DRILL_TAG if drill else ''}{TITLES.get(ev.type, ev.type)} · {loc.name}", description=ev.message,
            evidence=[EvidenceRef(kind="snapshot", uri=snap_rel.as_posix(), sha256=sha, media_type="image/jpeg",
                                  start=at, end=at)],
            raw=raw, exercise=drill is not None,
        )
        self.spool.put("alarm", alarm.model_dump(mode="json"))
        log.warning("ALARM %s on %s (score %.2f)", ev.type, cam.id, ev.score)
        self._schedule_clip(cam, frame.wall, event_id, rel_dir / f"{stem}.mp4")

    def _schedule_clip(self, cam: Camera, alarm_wall: float, event_id: str, clip_rel: Path) -> None:
        reader = self.readers.get(cam.id)
        if reader is None:  # handed to another worker during this pass: the alarm keeps its snapshot
            return
        pre = reader.ring_since(alarm_wall - self.vc.evidence.pre_s)
        collected: list[RingItem] = list(pre)
        done = threading.Event()
        end_wall = alarm_wall + self.vc.evidence.post_s

        def listen(item: RingItem) -> None:
            if item.wall > end_wall:
                done.set()
            elif not collected or item.wall > collected[-1].wall:
                collected.append(item)

        reader.add_listener(listen)

        def finish() -> None:
            done.wait(self.vc.evidence.post_s + 10)
            reader.remove_listener(listen)
            if not collected:
                return
            path = self.media_root / clip_rel
            try:
                write_clip(path, collected)
            except Exception:
                log.exception("clip for %s failed", event_id)
                return
            ref = EvidenceRef(kind="clip", uri=clip_rel.as_posix(), sha256=sha256_file(path), media_type="video/mp4",
                              start=datetime.fromtimestamp(collected[0].wall, timezone.utc),
                              end=datetime.fromtimestamp(collected[-1].wall, timezone.utc))
            self.spool.put("evidence", {"source": "video", "source_event_id": event_id,
                                        "evidence": [ref.model_dump(mode="json")]})

        threading.Thread(target=finish, name=f"clip-{cam.id}", daemon=True).start()

    # -- commands from the service -----------------------------------------------------------
    def handle_command(self, cmd: WorkerCommand) -> list[EvidenceRef]:
        """Pin the linked cameras' recording window as evidence and take a snapshot of each; the
        snapshots (and the pinned window) are attached to the command's alarm through the spool.
        A drill's clip starts playing as a camera of its own."""
        from vision.linkage import plan as linkage_plan

        if cmd.command == "reload_config":
            log.info("reload_config is applied by restarting the worker; ignored")
            return []
        if cmd.command == "play_clip":
            self.play_clip(cmd)
            return []
        if cmd.command in GB28181_COMMANDS:  # PTZ, record query, playback: the platform its device registered to
            if self.gb28181 is not None:
                self.gb28181.handle(cmd, {c.id: c for c in self.cameras}, lambda answer: post_result(
                    self.vc.service_url, self.vc.service_token, answer))
            return []
        now = datetime.now(timezone.utc)
        p = linkage_plan(cmd, self.vc.linkage, set(self.readers), now, self.vc.evidence.pre_s,
                         self.vc.evidence.post_s)
        if p.unknown:
            log.info("linkage: cameras %s are not run by this worker", p.unknown)
        until = now + timedelta(days=self.vc.recording.evidence_retention_days)
        refs: list[EvidenceRef] = []
        for cam_id in p.camera_ids:
            cam = next(c for c in self.cameras if c.id == cam_id)
            if cmd.command == "pin_recording":
                self.index.pin(cam_id, p.start, p.end, until)
                # Segments already on disk; the index pins the window's tail as it is written
                # (found by time range through GET /api/recordings).
                refs += [EvidenceRef(kind="recording", uri=seg.path, media_type="video/mp4", start=seg.start,
                                     end=seg.end) for seg in self.index.query(cam_id, p.start, p.end)]
            _, frame = self.readers[cam_id].latest()
            if frame is None:
                continue
            at = datetime.fromtimestamp(frame.wall, timezone.utc)
            rel = Path("evidence") / at.strftime("%Y/%m/%d") / cam_id / f"{at.strftime('%H%M%S')}-linkage-{int(frame.wall * 1000) % 1000:03d}.jpg"
            loc = self._location(cam)
            sha = write_snapshot(self.media_root / rel, frame.image, [], camera_id=cam_id, camera_name=cam.name,
                                 location=loc.site or "", at=at, alarm_type=f"linked {cmd.reason or cmd.linkage_key or ''}".strip(),
                                 lon=loc.lon, lat=loc.lat)
            refs.append(EvidenceRef(kind="snapshot", uri=rel.as_posix(), sha256=sha, media_type="image/jpeg",
                                    start=at, end=at))
        if refs and cmd.alarm_source and cmd.source_event_id:
            self.spool.put("evidence", {"source": cmd.alarm_source, "source_event_id": cmd.source_event_id,
                                        "evidence": [r.model_dump(mode="json") for r in refs]})
        log.warning("linkage %s: %s pinned %s..%s, %d evidence item(s)", cmd.linkage_key or cmd.camera_ids,
                    p.camera_ids, p.start.isoformat(), p.end.isoformat(), len(refs))
        return refs

    # -- drill clips (DRL-3) -----------------------------------------------------------------
    def play_clip(self, cmd: WorkerCommand) -> str | None:
        """Start the clip as a camera of its own in the place of ``cmd.play_as``; its id, or None
        when that camera is not this worker's (another shard plays it)."""
        base = next((c for c in self.cameras if c.id == cmd.play_as and c.id not in self.drill_cams), None)
        if base is None or not cmd.clip_url:
            log.info("play_clip: camera %s is not run by this worker", cmd.play_as)
            return None
        cam = base.model_copy(update={"id": f"{base.id}.drill{cmd.drill_id}.{cmd.inject_id}", "url": cmd.clip_url,
                                      "detect_url": "", "loop": False, "record": False, "name": f"{base.name or base.id} {DRILL_TAG}"})
        with self._cams_lock:
            if cam.id in self.readers:  # the same inject delivered twice
                return cam.id
            self.readers[cam.id] = reader = CameraReader(cam, ring_s=self.ring_s, realtime=self.realtime)
            self.processors[cam.id] = CameraProcessor(cam, self.config, self.detectors)
            self.stats[cam.id] = {"detections": 0, "detect_s": 0.0, "alarms": 0}
            self.drill_cams[cam.id] = (cmd.drill_id, cmd.inject_id)
            self.cameras = [*self.cameras, cam]
        reader.start()
        log.warning("drill %s: playing %s as %s (%s)", cmd.drill_id, cmd.clip_url, base.id, cam.id)
        return cam.id

    def _retire_drill_cams(self) -> None:
        """A clip that has ended stays until its last alarm's clip is written, then goes."""
        linger_s = self.vc.evidence.post_s + 5.0
        for cam_id in list(self.drill_cams):
            reader = self.readers[cam_id]
            last = reader.health.last_frame_wall or 0.0
            if reader.is_alive() or time.time() - last < linger_s:
                continue
            with self._cams_lock:
                self.cameras = [c for c in self.cameras if c.id != cam_id]
                for table in (self.readers, self.processors, self.stats, self.drill_cams):
                    table.pop(cam_id, None)
            log.info("drill clip %s ended", cam_id)

    # -- recording retention ---------------------------------------------------------------
    def sweep_once(self) -> None:
        plan = sweep(self.index, self.vc.recording, datetime.now(timezone.utc))
        self.monitor.media_bytes = plan.total_after
        for cam_id, rec in list(self.recorders.items()):
            rec.enabled = cam_id not in plan.stop_cameras
        if plan.over_quota and not self._storage_alarm_open:
            self._storage_alarm_open = True
            now = datetime.now(timezone.utc)
            cams = sorted(plan.stop_cameras)
            alarm = AlarmEvent(source="system", source_event_id=f"{self.vc.worker_id}:storage:{int(now.timestamp())}",
                               type="storage", occurred_at=now, location=Location(name=self.vc.worker_id),
                               title="存储空间不足 Storage quota reached",
                               description=f"only alarm evidence is left under the quota; recording stopped for {', '.join(cams)}",
                               raw={"worker": self.vc.worker_id, "cameras": cams, "bytes": plan.total_after})
            self.spool.put("alarm", alarm.model_dump(mode="json"))
            log.error("storage quota reached: recording stopped for %s", cams)
        elif not plan.over_quota:
            self._storage_alarm_open = False

    def _retention_loop(self) -> None:
        while not self._stop.wait(30.0):
            try:
                self.sweep_once()
            except Exception:
                log.exception("retention sweep failed")

    # -- health ----------------------------------------------------------------------------
    def _health_loop(self) -> None:
        while not self._stop.wait(1.0):
            self._retire_drill_cams()
            for cam in self.cameras:
                reader = self.readers.get(cam.id)
                if cam.id in self.drill_cams or reader is None:  # a clip ends by design; a camera handed away
                    continue
                h = reader.snapshot_health(self.vc.worker_id)
                since = self._cam_started.get(cam.id, self.started_wall)
                age = h.last_frame_age_s if h.last_frame_age_s is not None else time.time() - since
                online = age < cam.offline_after_s
                if online == self._online.get(cam.id, True):
                    continue
                self._online[cam.id] = online
                now = datetime.now(timezone.utc)
                if not online:
                    event_id = f"{self.vc.worker_id}:{cam.id}:offline:{int(now.timestamp())}"
                    self._offline_event[cam.id] = event_id
                    self._post_status(cam, "camera_offline", event_id, f"no frame for {age:.0f} s", now)
                else:
                    since = self._offline_event.pop(cam.id, None)
                    event_id = f"{self.vc.worker_id}:{cam.id}:recovered:{int(now.timestamp())}"
                    self._post_status(cam, "camera_recovered", event_id, "frames flowing again", now,
                                      raw={"recovers": since})

    def _post_status(self, cam: Camera, type_: str, event_id: str, message: str, at: datetime,
                     raw: dict | None = None) -> None:
        loc = self._location(cam)
        alarm = AlarmEvent(source="video", source_event_id=event_id, type=type_, occurred_at=at, location=loc,
                           camera_id=cam.id, title=f"{TITLES[type_]} · {loc.name}", description=message,
                           raw={"worker": self.vc.worker_id, **(raw or {})},
                           level="blue" if type_ == "camera_recovered" else None)
        self.spool.put("alarm", alarm.model_dump(mode="json"))
        log.warning("%s: %s (%s)", type_, cam.id, message)


def _c(v: float) -> float:
    return min(max(float(v), 0.0), 1.0)
