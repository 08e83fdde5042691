"""Contracts that cross a process boundary (vision worker <-> service <-> comms).

Small, versioned pydantic models. Producers and consumers import them from here so that
``vision/`` never needs ``command/``. Bump ``SCHEMA_VERSION`` on a breaking change.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from watchpost.fields import Instant, JsonObject, Real, Text

SCHEMA_VERSION = 1

AlarmSource = Literal["video", "sensor", "phone", "sms", "cap", "system", "drill"]
Level = Literal["red", "orange", "yellow", "blue"]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Contract(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Box(Contract):
    cls: Text = Field(min_length=1, max_length=50)
    score: float = Field(ge=0, le=1)
    # Normalised xyxy in 0-1 image coordinates.
    x1: float = Field(ge=0, le=1)
    y1: float = Field(ge=0, le=1)
    x2: float = Field(ge=0, le=1)
    y2: float = Field(ge=0, le=1)


class EvidenceRef(Contract):
    kind: Literal["snapshot", "clip", "recording", "audio", "document"]
    uri: Text = Field(min_length=1, max_length=1024)
    sha256: str | None = Field(default=None, max_length=64, pattern=r"^[0-9a-f]{64}$")
    media_type: Text | None = Field(default=None, max_length=100)
    start: Instant | None = None
    end: Instant | None = None


class Location(Contract):
    name: Text = Field(default="", max_length=200)
    site: Text | None = Field(default=None, max_length=100)
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)


class Reading(Contract):
    """A sensor/parameter value for gas, temperature, level... alarms."""

    parameter: Text = Field(min_length=1, max_length=100)
    value: Real
    threshold: Real
    unit: Text = Field(max_length=20)


class AlarmEvent(Contract):
    """One alarm as posted to the intake by any source (ALM-4)."""

    schema_version: int = Field(default=SCHEMA_VERSION, ge=1, le=SCHEMA_VERSION)
    source: AlarmSource
    source_event_id: Text = Field(min_length=1, max_length=200, description="idempotency key within the source")
    type: str = Field(min_length=1, max_length=50, pattern=r"^[a-z0-9_]+$")
    level: Level | None = None
    occurred_at: Instant = Field(default_factory=utcnow, description="a naive time is read as UTC")
    location: Location = Field(default_factory=Location)
    camera_id: Text | None = Field(default=None, max_length=100)
    score: float | None = Field(default=None, ge=0, le=1)
    boxes: list[Box] = Field(default_factory=list, max_length=200)
    reading: Reading | None = None
    evidence: list[EvidenceRef] = Field(default_factory=list, max_length=50)
    title: Text = Field(default="", max_length=300)
    description: Text = Field(default="", max_length=4000)
    exercise: bool = False
    raw: JsonObject = Field(default_factory=dict)


class CameraHealth(Contract):
    camera_id: str
    worker_id: str
    online: bool
    fps_in: float = 0.0
    fps_out: float = 0.0
    decode_errors: int = 0
    last_frame_age_s: float | None = None
    at: datetime = Field(default_factory=utcnow)


class CameraStats(Contract):
    """One camera's figures in a worker's heartbeat (issue #26, NFR-10)."""

    camera_id: Text = Field(min_length=1, max_length=100)
    online: bool = True
    detect_fps: Real = Field(default=0.0, ge=0, le=1000, description="the analysis rate it is configured for")
    fps_in: Real = Field(default=0.0, ge=0, le=1000, description="frames decoded per second")
    fps_analysed: Real = Field(default=0.0, ge=0, le=1000, description="frames run through detection per second")
    decode_errors: int = Field(default=0, ge=0, le=2**53)
    detect_latency_s: Real | None = Field(default=None, ge=0, le=86_400, description="mean detection time of a "
                                          "frame, recent passes")
    last_frame_age_s: Real | None = Field(default=None, ge=0, le=10**9)
    drill: bool = False


class WorkerHeartbeat(Contract):
    """What a vision worker posts to ``POST /api/workers/heartbeat`` every ``monitor.heartbeat_s``."""

    schema_version: int = Field(default=SCHEMA_VERSION, ge=1, le=SCHEMA_VERSION)
    worker_id: Text = Field(min_length=1, max_length=100)
    at: Instant = Field(default_factory=utcnow)
    started_at: Instant | None = None
    cameras: list[CameraStats] = Field(default_factory=list, max_length=1000)
    spool_depth: int = Field(default=0, ge=0, le=2**53, description="items waiting to be sent to the service")
    spool_dead: int = Field(default=0, ge=0, le=2**53, description="items the service refused (dead letters)")
    queue_depth: int = Field(default=0, ge=0, le=100_000, description="cameras due for detection in the last round")
    media_bytes: int | None = Field(default=None, ge=0, le=2**62, description="bytes under the media root at the "
                                    "last retention sweep")
    cpu_percent: Real | None = Field(default=None, ge=0, le=100_000)
    rss_bytes: int | None = Field(default=None, ge=0, le=2**62)


_ShortId = Annotated[Text, Field(min_length=1, max_length=100)]  # a camera or worker id


def _relay_url(url: str) -> str:
    # The service opens this url itself (docs/gb28181.md, "Live view"): a bare origin, nothing FFmpeg
    # could read as another protocol or a path, and an address it can connect to.
    port = int(url.rsplit(":", 1)[1])
    if not 1 <= port <= 65535:
        raise ValueError(f"relay_url port {port} is not 1-65535")
    if url[len("http://"):].rsplit(":", 1)[0] in ("0.0.0.0", "[::]"):
        raise ValueError("relay_url names no address the service can reach (0.0.0.0, ::)")
    return url


RelayUrl = Annotated[Text, Field(max_length=300, pattern=r"^http://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}$"),
                     AfterValidator(_relay_url)]


class WorkerClaim(Contract):
    """A vision worker in assigned mode, every ``vision.assignment.claim_s``: "I am alive; which cameras
    are mine?" (``POST /api/workers/assignment``, issue #26)."""

    worker_id: Text = Field(min_length=1, max_length=100)
    epoch: int | None = Field(default=None, ge=1, le=2**53, description="the epoch the service gave this "
                              "process; none on its first claim (it then takes the worker id over)")
    running: list[_ShortId] = Field(default_factory=list, max_length=1000, description="camera ids it runs now")
    leaving: bool = Field(default=False, description="it is stopping: its cameras go to the others now")
    relay_url: RelayUrl | None = Field(default=None, description="where the service reaches this worker's "
                                        "GB/T 28181 live relay (http://host:port); none without one")


class WorkerAssignment(Contract):
    """The service's answer to a ``WorkerClaim``: the cameras the worker should run, and the epoch it
    holds its id under (a later process with the same id is given a higher one, and this one is refused)."""

    worker_id: Text = Field(min_length=1, max_length=100)
    epoch: int = Field(ge=1, le=2**53)
    cameras: list[_ShortId] = Field(default_factory=list, max_length=1000)
    live_workers: list[_ShortId] = Field(default_factory=list, max_length=1000)
    lease_s: Real = Field(gt=0, le=600)
    at: Instant = Field(default_factory=utcnow)


class PtzRequest(Contract):
    """Pan, tilt and zoom as the console asks it, for a camera the worker controls (a GB/T 28181 channel)."""

    action: Literal["move", "stop", "preset"]
    pan: Real = Field(default=0, ge=-1, le=1, description="move: speed left (-) or right (+)")
    tilt: Real = Field(default=0, ge=-1, le=1, description="move: speed down (-) or up (+)")
    zoom: Real = Field(default=0, ge=-1, le=1, description="move: speed out (-) or in (+)")
    preset: int | None = Field(default=None, ge=1, le=255, description="preset: its number")


# The worker commands a GB/T 28181 camera's worker passes to its platform (vision/gb28181/worker_platform.py).
GB28181_COMMANDS = frozenset({"ptz", "gb_record_query", "gb_playback"})


class WorkerCommand(Contract):
    """Service -> worker: pin recordings, take snapshots (VID-9), play a drill's clip (DRL-3), move a
    GB/T 28181 camera or list the recordings its device holds (VID-5)."""

    command: Literal["pin_recording", "snapshot", "reload_config", "play_clip", "ptz", "gb_record_query",
                     "gb_playback"]
    camera_ids: list[str] = Field(default_factory=list)
    alarm_id: int | None = None
    start: datetime | None = None
    end: datetime | None = None
    reason: str = ""
    # VID-9: a sensor/location key resolved through ``vision.linkage`` when camera_ids is empty,
    # and the alarm the evidence should be attached to (the intake's idempotency key).
    linkage_key: str | None = Field(default=None, max_length=200)
    alarm_source: AlarmSource | None = None
    source_event_id: str | None = Field(default=None, max_length=200)
    # play_clip: the clip plays once as a stream of its own in the place of camera ``play_as``
    # (its site, zones and rules); what it raises is an exercise alarm of drill ``drill_id``.
    play_as: str | None = Field(default=None, max_length=100)
    clip_url: str | None = Field(default=None, max_length=2000)
    drill_id: int | None = None
    inject_id: str | None = Field(default=None, max_length=50)
    # ptz: what to do to camera_ids[0], a gb28181:// camera of the worker that runs it.
    ptz: PtzRequest | None = None
    # gb_record_query: camera_ids[0]'s device recordings between start and end; gb_playback: the device plays
    # that span back to the worker's relay. The worker posts its WorkerCommandResult under this id, which the
    # waiting API call looks for (and, for a playback, is the session's name on the relay).
    request_id: str | None = Field(default=None, min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


class DeviceRecord(Contract):
    """One recording a GB/T 28181 device (an IPC's card, an NVR) holds for a channel (RecordInfo)."""

    start: Instant
    end: Instant
    name: Text = Field(default="", max_length=200)
    file_path: Text = Field(default="", max_length=500)
    type: Text = Field(default="", max_length=20, description="time | alarm | manual, as the device says")
    file_size: int | None = Field(default=None, ge=0, le=2**53, description="bytes, as the device says")


class WorkerCommandResult(Contract):
    """Worker -> service: the answer to a command someone waits for (``gb_record_query``, ``gb_playback``)."""

    request_id: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    worker_id: Text = Field(min_length=1, max_length=100)
    camera_id: Text = Field(min_length=1, max_length=100)
    ok: bool
    error: Text = Field(default="", max_length=500, description="why not, when not ok")
    records: list[DeviceRecord] = Field(default_factory=list, max_length=10_000)
    relay_path: str | None = Field(default=None, max_length=100, pattern=r"^/playback/[A-Za-z0-9_-]{8,64}\.ps$",
                                   description="gb_playback: where the worker's relay serves the session's PS")


class OutboxMessage(Contract):
    channel: Literal["sms", "broadcast", "console"]
    recipient: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=2000)
    alarm_id: int | None = None
    incident_id: int | None = None
    warning_id: int | None = None
    exercise: bool = False


class DeliveryStatus(Contract):
    message_id: int
    status: Literal["queued", "sending", "sent", "delivered", "failed", "undelivered"]
    provider_id: str | None = None
    error_code: str | None = None
    at: datetime = Field(default_factory=utcnow)


class PushEvent(Contract):
    """What the service pushes to consoles over WebSocket; ``id`` is monotonic."""

    id: int
    topic: Literal["alarm", "warning", "incident", "outbox", "camera", "system", "task", "drill", "dss", "consult"]
    action: str
    at: datetime
    data: dict[str, Any]


class EvidenceAttach(Contract):
    """Evidence that became ready after its alarm was posted (e.g. the clip, post_s later)."""

    source: AlarmSource
    source_event_id: Text = Field(min_length=1, max_length=200)
    evidence: list[EvidenceRef] = Field(min_length=1, max_length=50)


VideoDeviceEventKind = Literal["auth_failed", "registered", "moved", "unregistered"]


class VideoDeviceEvent(Contract):
    """Worker -> service: what a video device did that the audit log keeps (``POST
    /api/workers/device-events``): a GB/T 28181 registration refused (a wrong password, a device not
    listed), a device registering, moving to another address, unregistering. A worker sends at most one
    per device a minute: what happens meanwhile is folded into the next one, counted by kind."""

    event_id: Text = Field(min_length=1, max_length=200, description="unique per worker; a resend is recorded once")
    worker_id: Text = Field(min_length=1, max_length=100)
    protocol: Literal["gb28181"] = "gb28181"
    device_id: Text = Field(min_length=1, max_length=100, description="as the device gave it (a refused one may "
                            "claim any id)")
    kind: VideoDeviceEventKind = Field(description="the last event folded in")
    addr: Text = Field(default="", max_length=100, description="host:port it came from, last")
    detail: Text = Field(default="", max_length=500, description="e.g. why a registration was refused")
    first_at: Instant
    last_at: Instant
    counts: dict[VideoDeviceEventKind, Annotated[int, Field(ge=1, le=2**53)]] = Field(
        min_length=1, max_length=4, description="how many events of each kind this one stands for")
