"""The one configuration tree (pydantic), loaded from YAML with environment overrides.

Every option has a default so an empty file is a valid embedded set-up. Environment
variables override any leaf: ``WATCHPOST__STORAGE__URL=postgresql+psycopg://...`` sets
``storage.url`` (double underscore separates levels; values are parsed as YAML scalars).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

ENV_PREFIX = "WATCHPOST__"

WarningLevel = Literal["red", "orange", "yellow", "blue"]
LEVELS: tuple[WarningLevel, ...] = ("red", "orange", "yellow", "blue")


class Strict(BaseModel):
    """Unknown keys are errors: a typo in a duty room's config must not pass silently."""

    model_config = ConfigDict(extra="forbid")


class GeoPoint(Strict):
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)


class Site(Strict):
    id: str = Field(min_length=1)
    name: str
    kind: Literal["warehouse", "control_room", "major_hazard", "other"] = "other"
    location: GeoPoint | None = None


class Zone(Strict):
    name: str
    # Polygon in normalised 0-1 image coordinates.
    polygon: list[tuple[float, float]] = Field(min_length=3)
    kind: Literal["detect", "mask", "duty_post"] = "detect"
    required_people: int = Field(default=1, ge=1)


class DutySchedule(Strict):
    # "HH:MM-HH:MM" windows in local time; a window that wraps midnight is allowed.
    windows: list[str] = Field(default_factory=lambda: ["00:00-24:00"])
    weekdays: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4, 5, 6])


class Ptz(Strict):
    """Pan, tilt and zoom through the camera's ONVIF PTZ service (command/live/ptz.py)."""

    kind: Literal["onvif"] = "onvif"
    host: str = Field(min_length=1)
    port: int = Field(default=80, ge=1, le=65535)
    username: str = ""
    password: str = ""
    profile_token: str = Field(default="", description="the media profile to move; empty = the first one")


_GB28181_URL = re.compile(r"^gb28181://([0-9]{20})/([0-9]{20})$")


def gb28181_channel(url: str) -> tuple[str, str] | None:
    """(device id, channel id) of a ``gb28181://<device id>/<channel id>`` camera url, None for any other
    url; ValueError when it says gb28181 but does not name two 20-digit ids."""
    if not url.lower().startswith("gb28181:"):
        return None
    m = _GB28181_URL.match(url)
    if m is None:
        raise ValueError(f"{url!r} is not gb28181://<device id>/<channel id>, each id 20 digits")
    return m.group(1), m.group(2)


class Camera(Strict):
    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = ""
    site: str | None = None
    url: str = Field(description="rtsp://, http(s):// MJPEG, file path (looped), usb:N, or "
                     "gb28181://<device id>/<channel id>: a channel of a device registered to the worker's "
                     "GB/T 28181 platform (vision.gb28181)")
    detect_url: str = Field(default="", description="the camera's low-resolution substream, decoded for detection, "
                            "snapshots and evidence clips; url (the main stream) is then recorded by stream copy, "
                            "never decoded, and stays the live view; empty = url does everything")
    rtsp_transport: Literal["tcp", "udp"] = "tcp"
    loop: bool = True
    profile: Literal["warehouse", "control_room", "major_hazard"] = "major_hazard"
    detect_fps: float = Field(default=2.0, gt=0, le=30)
    motion_gating: bool = True
    zones: list[Zone] = Field(default_factory=list)
    duty_schedule: DutySchedule = Field(default_factory=DutySchedule)
    offline_after_s: float = Field(default=30.0, gt=0)
    location: GeoPoint | None = None
    record: bool = True
    enabled: bool = True
    group: str = Field(default="", description="the video wall group it belongs to; empty = its site")
    view_roles: list[str] = Field(default_factory=list, description="roles that may watch it live or play it "
                                  "back; empty = every role that reads the operational picture")
    ptz: Ptz | None = None
    worker: str = Field(default="", max_length=100, description="the only vision worker that may run it when "
                        "the service assigns cameras (vision.assignment): a USB camera, a camera only that "
                        "machine reaches; empty = whichever live worker the service picks")

    @field_validator("url", "detect_url")
    @classmethod
    def _gb28181_ids(cls, url: str) -> str:
        gb28181_channel(url)  # a gb28181:// url must name two 20-digit ids
        return url

    @model_validator(mode="after")
    def _gb28181_not_copied(self) -> "Camera":
        if self.detect_url and gb28181_channel(self.url) is not None:
            raise ValueError("detect_url must be empty for a gb28181:// url: the main stream is recorded by stream "
                             "copy when detect_url is set, and a GB/T 28181 channel is not a URL FFmpeg opens")
        return self


class FireSmokeRule(Strict):
    # Tuned on the dev validation split with the harness (models/firesmoke/card.md): near the best
    # F1 with at most 5 % of hard negatives alarmed, leaning low since the k-of-n window filters
    # single-frame false positives.
    fire_threshold: float = Field(default=0.20, ge=0, le=1)
    smoke_threshold: float = Field(default=0.25, ge=0, le=1)
    window: int = Field(default=5, ge=1, description="n: detections considered")
    hits: int = Field(default=3, ge=1, description="k: detections needed within the window")
    min_area: float = Field(default=0.0005, ge=0, le=1, description="box area as image fraction")
    clear_after: int = Field(default=10, ge=1, description="empty detections before re-arming")
    cooldown_s: float = Field(default=60.0, ge=0)
    person_veto: float = Field(default=0.6, ge=0, le=1,
                               description="drop a smoke box with this share of its area inside a detected "
                                           "person (cameras that run the person detector); 0 = off")
    person_veto_score: float = Field(default=0.35, ge=0, le=1, description="person score that can veto smoke")
    smoke_min_change: float = Field(default=0.02, ge=0, le=1,
                                    description="drop a smoke box whose pixels (people left out) changed less than this "
                                                "share over the last change_baseline_s: a wall does not drift; 0 = off")
    change_baseline_s: float = Field(default=2.0, gt=0, description="how far back smoke_min_change compares")
    # Temporal evidence read from the frames the worker already keeps (vision/change.py): measured on real
    # fire and smoke video against everyday and seated-people footage (models/firesmoke/card.md).
    fire_min_flicker: float = Field(default=0.05, ge=0, le=1,
                                    description="drop a fire box whose pixels changed less than this share since "
                                                "the previous detection frame: flames flicker, the low sun, a lamp "
                                                "or a red sign do not; 0 = off")
    smoke_min_drift: float = Field(default=0.1, ge=0, le=1,
                                   description="drop a smoke box whose pixels changed less than this share since the "
                                               "previous detection frame (smoke keeps moving; a wall that something "
                                               "moved past 2 s ago does not); 0 = off")
    needs_history: bool = Field(default=True, description="a fire or smoke box on a camera's first detection frame "
                                "(nothing to compare with) does not count towards an alarm")
    smoke_hits: int | None = Field(default=4, ge=1,
                                   description="k for smoke (None: hits): hands, a belt or walkers before a grey wall "
                                               "make the change checks pass for a frame or three, smoke keeps on")


    @model_validator(mode="after")
    def _smoke_can_confirm(self) -> "FireSmokeRule":
        if self.hits > self.window or (self.smoke_hits or 0) > self.window:
            raise ValueError(f"hits ({self.hits}) and smoke_hits ({self.smoke_hits}) must not exceed window "
                             f"({self.window}): the rule could never confirm")
        return self


class OffPostRule(Strict):
    absent_after_s: float = Field(default=60.0, gt=0)
    # A missed person is a false off-post alarm, so recall matters more than precision here.
    person_threshold: float = Field(default=0.25, ge=0, le=1)
    min_overlap: float = Field(default=0.3, ge=0, le=1)
    # A seat in a wide view is a few dozen pixels at the detector's input; looked at on its own it is
    # hundreds (vision/detect/seat_view.py).
    seat_view: bool = Field(default=True, description="also run the person detector on each post's region, "
                            "cut out with a margin and scaled up to the detector's input")
    seat_margin: float = Field(default=0.5, ge=0, le=3,
                               description="margin added on every side of the post, as a share of its size")
    seat_view_below: float = Field(default=0.5, gt=0, le=1,
                                   description="run the seat view only while it covers less than this share of "
                                               "the frame's longer side (larger posts are seen well in the full pass)")


class Rules(Strict):
    fire_smoke: FireSmokeRule = Field(default_factory=FireSmokeRule)
    off_post: OffPostRule = Field(default_factory=OffPostRule)


class ContextView(Strict):
    """A second fire/smoke pass on the frame shrunk into a grey canvas: a fire seen close up runs past
    the frame's edges, and the model finds it only with an edge in view (vision/detect/context_view.py)."""

    enabled: bool = True
    scale: float = Field(default=0.5, gt=0, lt=1, description="size of the shrunk frame within the canvas")
    imgsz: int = Field(default=320, ge=32, description="input size of the context pass")
    labels: list[Literal["fire", "smoke"]] = Field(default_factory=lambda: ["fire"], min_length=1,
                                                   description="classes the context pass may add")
    min_area: float = Field(default=0.1, ge=0, le=1,
                            description="smallest box the context pass may add, as a share of the frame")
    min_score: float = Field(default=0.35, ge=0, le=1, description="lowest score of a box the context pass may add")


class Detector(Strict):
    backend: str = Field(default="auto", description="auto: ultralytics (torch) for .pt weights, onnxruntime for "
                         ".onnx; or a plugin's name from the watchpost.detectors entry points")
    # The exported graphs by default: on a CPU host they give the .pt models' boxes with less time and
    # memory per camera (docs/benchmarks.md). A GPU host points these at the .pt files and sets device.
    fire_smoke_weights: str = "models/firesmoke/best.onnx"
    person_weights: str = "models/person/best.onnx"
    imgsz: int = Field(default=640, ge=32, description="person detector input size")
    fire_smoke_imgsz: int = Field(default=640, ge=32, description="fire/smoke detector input size (its training size)")
    fire_smoke_context_view: ContextView = Field(default_factory=ContextView)
    device: str = Field(default="cpu", description="cpu, or a torch device such as cuda:0 (with .pt weights)")
    threads: int = Field(default=0, ge=0, description="inference threads per detector (torch or onnxruntime); "
                         "0 = all cores")

    @model_validator(mode="after")
    def _device_fits_the_format(self) -> "Detector":
        # Caught at `config check`, not when a worker starts: the onnxruntime backend here is CPU-only.
        onnx = [w for w in (self.fire_smoke_weights, self.person_weights) if w.lower().endswith(".onnx")]
        if self.backend in ("auto", "onnxruntime") and self.device != "cpu" and onnx:
            raise ValueError(f"device {self.device!r} needs .pt weights; {', '.join(onnx)} run on the CPU "
                             "(onnxruntime): point fire_smoke_weights/person_weights at the .pt files")
        return self


class Evidence(Strict):
    pre_s: float = Field(default=10.0, ge=0)
    post_s: float = Field(default=20.0, ge=0)


class Recording(Strict):
    segment_s: float = Field(default=60.0, gt=0)
    normal_retention_days: float = Field(default=30.0, gt=0)
    evidence_retention_days: float = Field(default=366.0, gt=0)
    quota_gb: float = Field(default=100.0, gt=0)


class Gb28181Device(Strict):
    """A device (IPC or NVR) allowed to register to the GB/T 28181 platform (docs/gb28181.md)."""

    id: str = Field(pattern=r"^[0-9]{20}$", description="its 20-digit GB/T 28181 id (the SIP user it registers as)")
    password: str = Field(default="", description="its registration password; empty = gb28181.password")
    name: str = ""
    media: Literal["udp", "tcp_passive", "tcp_active"] = Field(
        default="udp", description="how its video comes: RTP over UDP; or over TCP (RFC 4571) with the worker "
        "listening and the device connecting (tcp_passive: what most devices call 'TCP active'), or the worker "
        "connecting to the port the device answers with (tcp_active)")


class Gb28181(Strict):
    """Watchpost as the GB/T 28181 SIP platform that devices and NVRs register to (docs/gb28181.md)."""

    enabled: bool = Field(default=False, description="run the platform in the vision worker, which then reads "
                          "gb28181:// cameras (or alone: python -m vision.gb28181)")
    platform_id: str = Field(default="34020000002000000001", pattern=r"^[0-9]{20}$",
                             description="the platform's 20-digit SIP id, as entered on each device")
    domain: str = Field(default="", pattern=r"^[0-9]{0,10}$",
                        description="the SIP domain and digest realm; empty = the first 10 digits of platform_id")
    listen_host: str = "0.0.0.0"
    port: int = Field(default=5060, ge=1, le=65535)
    transports: list[Literal["udp", "tcp"]] = Field(default_factory=lambda: ["udp", "tcp"], min_length=1)
    public_host: str = Field(default="", description="the address devices reach the platform at (Via, Contact); "
                             "empty = listen_host, or 127.0.0.1 when that is 0.0.0.0")
    password: str = Field(default="", description="the password of every listed device without its own")
    devices: list[Gb28181Device] = Field(default_factory=list)
    accept_unlisted: bool = Field(default=False, description="let a device not in `devices` register with the "
                                  "shared password")
    register_expires_max: int = Field(default=3600, ge=60, description="longest registration granted (s)")
    keepalive_timeout_s: float = Field(default=180, gt=0, description="a registered device silent for this long "
                                       "is offline (the standard's 60 s keepalive x 3 missed)")
    catalog_on_register: bool = Field(default=True, description="ask a device for its channels when it registers")
    request_timeout_s: float = Field(default=5, gt=0, le=60, description="how long to wait for a device to answer")
    media_host: str = Field(default="", description="the address devices send video (RTP) to, put in each INVITE; "
                            "empty = public_host")
    rtp_port_min: int = Field(default=0, ge=0, le=65535, description="the lowest port (UDP, or TCP for a tcp_passive "
                              "device) a stream is received on; 0 = any free port (set a range to open in a firewall)")
    rtp_port_max: int = Field(default=0, ge=0, le=65535, description="the highest such port; 0 = any free port")
    stream_timeout_s: float = Field(default=10, gt=0, le=300, description="a stream with no RTP for this long "
                                    "has stopped: it is ended (BYE) and asked for again (INVITE)")
    relay_port: int = Field(default=0, ge=0, le=65535, description="the worker re-serves each gb28181:// camera's "
                            "video at http://relay_host:relay_port/live/<camera>.ps for the console's live view; "
                            "0 = no relay (no live view of GB cameras)")
    relay_host: str = Field(default="127.0.0.1", min_length=1, description="the address the worker's relay listens "
                            "on, and the service reaches it at unless relay_public_host is set")
    relay_public_host: str = Field(default="", max_length=253, pattern=r"^[A-Za-z0-9.:-]*$",
                                   description="the address the service reaches this worker's relay at, where that "
                                   "is not relay_host (relay_host 0.0.0.0, NAT); a worker in assigned mode puts it "
                                   "in its claim; empty = relay_host")
    relay_token: str = Field(default="", description="the relay's shared secret (at least 16 characters), sent by "
                             "the service as a bearer token; required with relay_port")

    @property
    def realm(self) -> str:
        return self.domain or self.platform_id[:10]

    @property
    def relay_url(self) -> str:
        """Where the service reaches the relay (http://host:port); empty without a relay."""
        if not self.relay_port:
            return ""
        host = self.relay_public_host or self.relay_host
        host = f"[{host}]" if ":" in host else host  # an IPv6 address
        return f"http://{host}:{self.relay_port}"

    @field_validator("devices")
    @classmethod
    def _unique_devices(cls, devs: list[Gb28181Device]) -> list[Gb28181Device]:
        ids = [d.id for d in devs]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"duplicate device id(s): {', '.join(dup)}")
        return devs

    @model_validator(mode="after")
    def _rtp_range(self) -> "Gb28181":
        if (self.rtp_port_min == 0) != (self.rtp_port_max == 0) or self.rtp_port_min > self.rtp_port_max:
            raise ValueError(f"rtp_port_min ({self.rtp_port_min}) and rtp_port_max ({self.rtp_port_max}) must both be "
                             "0 (any port) or a range, lowest first")
        return self

    @model_validator(mode="after")
    def _relay_protected(self) -> "Gb28181":
        # The relay hands out live video: never an open stream on the network.
        if self.relay_port and len(self.relay_token) < 16:
            raise ValueError("relay_token must be set (at least 16 characters) when relay_port is set: the relay "
                             "serves live video only to holders of the token")
        return self


class CameraAssignment(Strict):
    """N workers sharing the cameras (docs/scaling.md): each claims its share from the service, which
    hands out vision.cameras over the live workers by rendezvous hashing, so a dead worker's cameras
    move to the others within lease_s + claim_s."""

    enabled: bool = Field(default=False, description="the service assigns this worker its cameras out of "
                          "vision.cameras; false = it runs every enabled camera (or its --camera list). The "
                          "service reads it too: its live view of a gb28181:// camera then uses the relay its "
                          "worker claimed")
    claim_s: float = Field(default=4.0, gt=0, le=60, description="how often a worker renews its claim and "
                           "takes its current share (POST /api/workers/assignment)")
    lease_s: float = Field(default=12.0, gt=0, le=600, description="a worker that has not claimed for this long "
                           "is taken for dead and its cameras go to the others (read by the service)")

    @model_validator(mode="after")
    def _renewed_in_time(self) -> "CameraAssignment":
        if self.lease_s < 2 * self.claim_s:
            raise ValueError(f"lease_s ({self.lease_s:g}) must be at least twice claim_s ({self.claim_s:g}): "
                             "one lost claim must not cost a worker its cameras")
        return self


class Vision(Strict):
    worker_id: str = "vision-1"
    cameras: list[Camera] = Field(default_factory=list)
    detector: Detector = Field(default_factory=Detector)
    rules: Rules = Field(default_factory=Rules)
    evidence: Evidence = Field(default_factory=Evidence)
    recording: Recording = Field(default_factory=Recording)
    media_root: str = "var/media"
    spool_path: str = "var/spool.sqlite"
    service_url: str = "http://127.0.0.1:8080"
    service_token: str = Field(default="", description="bearer token of a service account")
    # Sensor alarms that should pin recordings on these cameras (VID-9).
    linkage: dict[str, list[str]] = Field(default_factory=dict)
    gb28181: Gb28181 = Field(default_factory=Gb28181)
    assignment: CameraAssignment = Field(default_factory=CameraAssignment)

    @field_validator("cameras")
    @classmethod
    def _unique_ids(cls, cams: list[Camera]) -> list[Camera]:
        seen: set[str] = set()
        for c in cams:
            if c.id in seen:
                raise ValueError(f"duplicate camera id {c.id!r}")
            seen.add(c.id)
        return cams

    @model_validator(mode="after")
    def _gb28181_cameras(self) -> "Vision":
        """A gb28181:// camera is read through the worker's own platform: it must run, know the device, and
        (cameras shared out by the service) the camera must stay on the worker its device registers to."""
        gb = self.gb28181
        listed = {d.id for d in gb.devices}
        for i, cam in enumerate(self.cameras):
            for name in ("url", "detect_url"):
                ids = gb28181_channel(getattr(cam, name))
                if ids is None:
                    continue
                where = f"cameras.{i}.{name} ({cam.id})"
                if not gb.enabled:
                    raise ValueError(f"{where}: a gb28181:// camera needs vision.gb28181.enabled: true")
                if ids[0] not in listed and not gb.accept_unlisted:
                    raise ValueError(f"{where}: device {ids[0]} is not in vision.gb28181.devices (and "
                                     "vision.gb28181.accept_unlisted is false), so it can never register")
                if self.assignment.enabled and not cam.worker:
                    raise ValueError(f"cameras.{i}.worker ({cam.id}): a gb28181:// camera must name its worker when "
                                     "the service assigns cameras: its device registers to that worker's platform")
        return self

    @model_validator(mode="after")
    def _relay_reachable(self) -> "Vision":
        # In assigned mode the worker's claim tells the service where its relay is (docs/gb28181.md, "Live
        # view"); an address the claim cannot carry (a wildcard such as 0.0.0.0) would fail every claim.
        from pydantic import TypeAdapter

        from watchpost.events import RelayUrl

        url = self.gb28181.relay_url
        if self.assignment.enabled and self.gb28181.enabled and url:
            try:
                TypeAdapter(RelayUrl).validate_python(url)
            except ValidationError as exc:
                raise ValueError(f"vision.gb28181: the relay's address {url} cannot be stated in the worker's claim "
                                 f"({exc.errors()[0]['msg']}); set relay_public_host to the address the service "
                                 "reaches it at") from None
        return self


class Storage(Strict):
    url: str = "sqlite:///var/watchpost.sqlite"
    echo: bool = False
    pool_size: int = Field(default=10, ge=1)


class Bus(Strict):
    kind: Literal["inprocess", "mqtt"] = "inprocess"
    mqtt_host: str = "127.0.0.1"
    mqtt_port: int = Field(default=1883, ge=1, le=65535)
    topic_prefix: str = "watchpost"


class LevelPolicy(Strict):
    notify_roles: list[str] = Field(default_factory=lambda: ["duty_officer"])
    channels: list[Literal["sms", "broadcast", "console"]] = Field(default_factory=lambda: ["console"])
    verify_within_s: float = Field(gt=0)
    feedback_within_s: float = Field(gt=0)
    supervise_roles: list[str] = Field(default_factory=lambda: ["commander"])


def _default_levels() -> dict[str, LevelPolicy]:
    return {
        "red": LevelPolicy(channels=["console", "sms", "broadcast"], verify_within_s=300, feedback_within_s=1800),
        "orange": LevelPolicy(channels=["console", "sms"], verify_within_s=600, feedback_within_s=3600),
        "yellow": LevelPolicy(channels=["console", "sms"], verify_within_s=1800, feedback_within_s=7200),
        "blue": LevelPolicy(channels=["console"], verify_within_s=3600, feedback_within_s=86400),
    }


class Policies(Strict):
    levels: dict[WarningLevel, LevelPolicy] = Field(default_factory=_default_levels)
    # Alarm type -> warning level when the source gives none.
    default_level_by_type: dict[str, WarningLevel] = Field(
        default_factory=lambda: {
            "fire": "red",
            "smoke": "orange",
            "gas": "orange",
            "off_post": "yellow",
            "camera_offline": "blue",
            "storage": "yellow",
        }
    )
    merge_window_s: float = Field(default=120.0, ge=0)
    report_due_s: float = Field(default=3600.0, gt=0, description="first statutory report after receipt")
    followup_every_s: float = Field(default=7200.0, gt=0)

    @field_validator("levels")
    @classmethod
    def _all_levels(cls, levels: dict[str, LevelPolicy]) -> dict[str, LevelPolicy]:
        missing = [lv for lv in LEVELS if lv not in levels]
        if missing:
            raise ValueError(f"missing policy for level(s): {', '.join(missing)}")
        return levels


class Twilio(Strict):
    account_sid: str = ""
    auth_token: str = ""
    from_number: str = ""
    base_url: str = Field(default="", description="override for on-premise gateways and tests")
    status_callback_url: str = ""
    rate_per_s: float = Field(default=10.0, gt=0)


class Broadcast(Strict):
    voice: str = "cmn"
    rate: int = Field(default=160, gt=0)
    repeat: int = Field(default=2, ge=1)
    sink: Literal["file", "device", "http"] = "file"
    http_url: str = ""
    zones: list[str] = Field(default_factory=lambda: ["all"])


class EscalationStep(Strict):
    """What happens when a recipient has not acknowledged in time (the 督办 step)."""

    action: Literal["next_channel", "next_person", "supervisor"]
    channel: Literal["sms", "broadcast", "console"] = "sms"


class NotifyPolicy(Strict):
    """Who is told what, on which channels, for a warning level and incident type (ALM-2, CMD-4)."""

    name: str = Field(min_length=1, max_length=100)
    levels: list[WarningLevel] = Field(default_factory=list, description="empty: any level")
    incident_types: list[str] = Field(default_factory=list, description="empty: any type")
    groups: list[str] = Field(default_factory=list, description="contact groups: duty_officer, team:fire, experts, "
                                                                 "enterprises, residents ...")
    channels: list[Literal["sms", "broadcast", "console"]] = Field(default_factory=lambda: ["sms"])
    zones: list[str] = Field(default_factory=list, description="PA zones for the broadcast channel")
    first_n: int = Field(default=0, ge=0, description="per group, only the first N by rank (an on-call ladder); "
                                                      "0 = everyone")
    template: str = "warning"
    ack_within_s: float = Field(default=600.0, gt=0)
    escalation: list[EscalationStep] = Field(default_factory=lambda: [EscalationStep(action="next_person"),
                                                                       EscalationStep(action="supervisor")])


def _default_notify_policies() -> list[NotifyPolicy]:
    return [
        NotifyPolicy(name="red-all", levels=["red"], groups=["duty_officer", "teams", "experts", "enterprises",
                                                             "residents"],
                     channels=["sms", "broadcast"], zones=["all"], ack_within_s=300),
        NotifyPolicy(name="orange-duty", levels=["orange"], groups=["duty_officer", "teams", "enterprises"],
                     channels=["sms"], ack_within_s=600),
        NotifyPolicy(name="yellow-duty", levels=["yellow"], groups=["duty_officer"], channels=["sms"],
                     ack_within_s=1800),
        NotifyPolicy(name="blue-console", levels=["blue"], groups=["duty_officer"], channels=["console"],
                     ack_within_s=3600, escalation=[EscalationStep(action="next_channel", channel="sms")]),
    ]


class Comms(Strict):
    sms_provider: Literal["twilio", "drill"] = "twilio"
    twilio: Twilio = Field(default_factory=Twilio)
    broadcast: Broadcast = Field(default_factory=Broadcast)
    audio_dir: str = "var/audio"
    max_attempts: int = Field(default=5, ge=1)
    escalate_after_s: float = Field(default=600.0, gt=0)
    drill_test_group: list[str] = Field(default_factory=list)
    drill_sink_path: str = Field(default="", description="exercise messages land here (JSON lines); "
                                 "empty: drill_sink.jsonl beside audio_dir")
    backoff_base_s: float = Field(default=2.0, gt=0, description="first retry delay; doubles per attempt")
    backoff_max_s: float = Field(default=300.0, gt=0)
    batch_size: int = Field(default=50, ge=1, description="messages claimed per dispatcher round")
    send_workers: int = Field(default=4, ge=1, le=64, description="provider calls in flight at once")
    poll_s: float = Field(default=0.5, gt=0)
    send_timeout_s: float = Field(default=10.0, gt=0)
    reconcile_after_s: float = Field(default=60.0, ge=0, description="a 'sending' record this old with no "
                                     "provider id is looked up at the provider (crash recovery)")
    policies: list[NotifyPolicy] = Field(default_factory=_default_notify_policies)


class Server(Strict):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    session_ttl_s: float = Field(default=8 * 3600, gt=0)
    session_cache_s: float = Field(default=5.0, ge=0, description="how long a process remembers whom a token "
                                   "belongs to; revocations reach every process at once through the bus, this "
                                   "only bounds a lost message; 0 = ask the database on every request")
    read_cache_s: float = Field(default=1.0, ge=0, description="longest the hot read routes (alarm, incident and "
                                "warning lists) serve a kept answer; a commit in any service process ends it at once, "
                                "this only bounds writes from outside the service; 0 = read the database every time")
    keep_alive_s: float = Field(default=60, gt=0, le=600, description="how long an idle HTTP connection is kept "
                                "open; a console that asks every few seconds then reuses its connection instead of "
                                "connecting again (uvicorn's own default is 5 s)")
    lockout_after: int = Field(default=5, ge=1, description="failed logins that lock an account")
    lockout_s: float = Field(default=900, gt=0)
    login_attempts_per_min: int = Field(default=20, ge=1, description="login attempts one client address may make "
                                        "per minute, on top of the account lockout (429 with Retry-After past it)")
    password_min_length: int = Field(default=10, ge=8, le=200)
    password_min_classes: int = Field(default=3, ge=1, le=4,
                                      description="of lower-case, upper-case, digits, symbols (GB/T 22239 level 3)")
    tls_certfile: str = Field(default="", description="PEM certificate (chain): with tls_keyfile, serve HTTPS/WSS only")
    tls_keyfile: str = Field(default="", description="PEM private key of tls_certfile")
    max_upload_mb: float = Field(default=50, gt=0)
    workers: int = Field(default=1, ge=1, le=64, description="service processes on one database (uvicorn workers); "
                         "one of them runs the background loops")
    cors_origins: list[str] = Field(default_factory=list)
    # Live push (issue #3 part B): WebSocket heartbeat period and push-event retention.
    ws_heartbeat_s: float = Field(default=15, gt=0)
    long_poll_max_s: float = Field(default=25, gt=0, le=60, description="longest a worker's command poll is held open "
                                   "(lower it behind a proxy that closes idle requests sooner)")
    push_retention_days: float = Field(default=7, gt=0)
    push_keep_last: int = Field(default=100_000, ge=100)

    @model_validator(mode="after")
    def _tls_pair(self) -> "Server":
        if bool(self.tls_certfile) != bool(self.tls_keyfile):
            raise ValueError("tls_certfile and tls_keyfile: give both (HTTPS) or neither (HTTP)")
        return self

    @property
    def tls(self) -> bool:
        return bool(self.tls_certfile)


class MapConfig(Strict):
    site_plan: str = ""
    road_graph: str = ""
    # Plans and resources (issue #7) live beside the map they are drawn on.
    attachments_dir: str = Field(default="var/attachments", description="plan attachments (PDF/DOCX), stored by SHA-256")
    max_attachment_mb: float = Field(default=50, gt=0)
    plan_min_reviewers: int = Field(default=1, ge=1, description="opinions needed before a park plan's review concludes")
    reminder_days: int = Field(default=30, ge=1, description="warn this many days before plan expiry/revision and material expiry")


class Live(Strict):
    """Live video in the console and for other systems (docs/console.md "Live video")."""

    linger_s: float = Field(default=15, ge=0, description="a camera's stream stays open this long after its last "
                            "viewer left (a tour or a re-opened tile then starts at once)")
    open_timeout_s: float = Field(default=5, gt=0, le=60, description="how long to wait for a camera to answer")
    tour_dwell_s: float = Field(default=10, gt=0, le=3600, description="the video wall tour's default dwell per step")
    keep_open: bool = Field(default=False, description="hold every enabled camera's stream open from start-up, so "
                            "any call-up starts at once (about 50 ms instead of 1-1.5 s: docs/benchmarks.md); costs one "
                            "camera session and a demux thread per camera on the service")
    prewarm_s: float = Field(default=120, ge=0, le=3600, description="an alarm's camera is opened when the alarm "
                             "arrives and held this long, so calling it up starts at once; 0 = off")


class Drills(Strict):
    """Drills replayed on the live system (DRL-2..4, docs/drills.md)."""

    clip_dir: str = Field(default="var/drill-clips", description="where a scenario's video injects find their clips "
                          "(names relative to it; absolute paths and rtsp/http URLs are used as they are)")
    tick_s: float = Field(default=0.5, gt=0, le=10, description="how often running drills fire due injects and "
                          "check each role's tasks against the records")
    test_group_hours: float = Field(default=24, gt=0, description="longest a drill's test group may receive real "
                                    "messages (it ends with the drill, at the latest after this)")


ZoneAction = Literal["evacuate", "shelter", "warn"]


class WeatherFields(Strict):
    """Where each value sits in the station's JSON: a key, or a dotted path into nested objects
    (``data.wind.speed``); an empty path means the station does not send it."""

    wind_speed_m_s: str = Field(default="wind_speed_m_s", description="mean wind speed (in wind_speed_unit)")
    wind_from_deg: str = Field(default="wind_from_deg", description="direction the wind blows FROM, degrees "
                               "clockwise from north")
    temperature_c: str = Field(default="temperature_c", description="air temperature, °C")
    cloud_oktas: str = Field(default="", description="total cloud cover, oktas (0-8); empty: not sent")
    observed_at: str = Field(default="observed_at", description="time of the observation: ISO 8601 (a missing "
                             "offset is read as UTC) or Unix seconds; empty: the time it was received")
    station: str = Field(default="", description="the station's own id in the message; empty: weather.name")


class WeatherStation(Strict):
    """The park's weather station, whose latest reading fills a model's wind inputs (DSS-2)."""

    kind: Literal["none", "http", "bus"] = Field(default="none", description="none; http: poll url for JSON; bus: "
                                                  "take each message on `topic` of the service's bus (MQTT when "
                                                  "bus.kind is mqtt)")
    name: str = Field(default="", max_length=100, description="the station's name, recorded with every reading used")
    url: str = Field(default="", description="http: the JSON endpoint polled")
    topic: str = Field(default="weather/station", description="bus: the topic its readings arrive on (under "
                       "bus.topic_prefix on MQTT)")
    poll_s: float = Field(default=60.0, gt=0, le=3600, description="http: how often the station is asked; a "
                          "request finding the reading older than this asks again")
    timeout_s: float = Field(default=5.0, gt=0, le=60, description="http: how long to wait for the station")
    max_age_s: float = Field(default=900.0, gt=0, le=86_400, description="a reading older than this is refused "
                             "for a model run (give the weather by hand instead)")
    wind_speed_unit: Literal["m/s", "km/h", "kn"] = "m/s"
    fields: WeatherFields = Field(default_factory=WeatherFields)
    location: GeoPoint | None = Field(default=None, description="where the station stands (recorded; also the "
                                      "place for the sun's elevation when a run has no release point)")

    @model_validator(mode="after")
    def _source(self) -> "WeatherStation":
        if self.kind == "http" and not self.url:
            raise ValueError("url: an http station needs its URL")
        return self


def _default_toxic_levels() -> dict[str, ZoneAction]:
    return {"AEGL-3": "evacuate", "ERPG-3": "evacuate", "IDLH": "evacuate", "AEGL-2": "shelter",
            "ERPG-2": "shelter", "AEGL-1": "warn", "ERPG-1": "warn"}


class Dss(Strict):
    """Decision support (issue #25, docs/decision-support.md): model runs on the park map, the weather
    station and the consultation room."""

    weather: WeatherStation = Field(default_factory=WeatherStation)
    toxic_levels: dict[str, ZoneAction] = Field(default_factory=_default_toxic_levels, description="action for a "
                                                "toxic footprint's zone by its threshold's name (the longest key "
                                                "the name starts with, case-insensitive)")
    fire_levels: dict[str, ZoneAction] = Field(default_factory=lambda: {"lethal": "evacuate", "severe": "evacuate",
                                                                          "injury": "shelter", "warning": "warn"},
                                               description="action per thermal-radiation zone (pool fire, fireball)")
    blast_levels: dict[str, ZoneAction] = Field(default_factory=lambda: {"lethal": "evacuate", "severe": "evacuate",
                                                                           "injury": "evacuate", "warning": "warn"},
                                                description="action per overpressure zone (explosions)")
    dense_gas_level: ZoneAction = Field(default="evacuate", description="action for the circle a dense-gas run "
                                        "draws at its distance (the workbook gives no width)")
    default_level: ZoneAction = Field(default="warn", description="action for a zone no mapping names")
    zone_list_max: int = Field(default=5000, ge=0, le=1_000_000, description="most items listed per kind in a "
                               "zone (the counts are always complete)")
    consult_dir: str = Field(default="var/consult", description="consultation files, stored by SHA-256")
    consult_max_file_mb: float = Field(default=20.0, gt=0, description="largest file one consultation message "
                                       "may carry")


class Monitor(Strict):
    """Self-monitoring (issue #26, NFR-10; docs/operations.md "Monitoring"): the workers' heartbeats, the
    Prometheus endpoints and the self-alarms the service raises through its own alarm intake."""

    period_s: float = Field(default=30.0, gt=0, le=3600, description="how often the leader checks the thresholds")
    heartbeat_s: float = Field(default=15.0, gt=0, le=600, description="how often a vision worker posts its "
                               "figures to the service (POST /api/workers/heartbeat)")
    worker_silent_s: float = Field(default=90.0, gt=0, description="a worker whose last heartbeat is older than "
                                   "this is alarmed as silent")
    worker_metrics_port: int = Field(default=0, ge=0, le=65535, description="the vision worker's own Prometheus "
                                     "endpoint (http://host:port/metrics); 0 = none")
    fps_share: float = Field(default=0.5, gt=0, le=1, description="a camera analysed at less than this share of "
                             "its detect_fps is starved")
    starved_for_s: float = Field(default=120.0, ge=0, description="how long a camera must stay under its share "
                                 "before it is alarmed")
    spool_min: int = Field(default=20, ge=1, description="a worker's spool is alarmed when it holds at least this "
                           "many items and has only grown for spool_growing_s")
    spool_growing_s: float = Field(default=300.0, gt=0)
    disk_share: float = Field(default=0.9, gt=0, le=1, description="the media root is alarmed above this share of "
                              "vision.recording.quota_gb")
    disk_scan_s: float = Field(default=300.0, gt=0, description="how often the service measures the media root "
                               "(a walk of the tree)")
    outbox_backlog: int = Field(default=200, ge=1, description="pending outbox messages (queued or sending) above "
                                "which the outbox is alarmed")
    outbox_oldest_s: float = Field(default=600.0, gt=0, description="an outbox message pending longer than this "
                                   "is alarmed")
    repeat_s: float = Field(default=60.0, gt=0, description="while a condition holds it is re-posted this often "
                            "(at most half of policies.merge_window_s), folding into its open alarm")
    replica_beat_s: float = Field(default=10.0, gt=0, le=600, description="how often each service process "
                                  "records that it is alive (service_replicas)")
    replica_silent_s: float = Field(default=60.0, gt=0, description="a service process whose last record is "
                                    "older than this, and that no new process at its address replaced, is "
                                    "alarmed as silent")

    @model_validator(mode="after")
    def _beats_before_silence(self) -> "Monitor":
        if self.replica_silent_s < 2 * self.replica_beat_s:
            raise ValueError(f"replica_silent_s ({self.replica_silent_s:g}) must be at least twice replica_beat_s "
                             f"({self.replica_beat_s:g})")
        return self


class Config(Strict):
    park_name: str = "Demo Chemical Park"
    timezone: str = "Asia/Shanghai"
    server: Server = Field(default_factory=Server)
    storage: Storage = Field(default_factory=Storage)
    bus: Bus = Field(default_factory=Bus)
    sites: list[Site] = Field(default_factory=list)
    vision: Vision = Field(default_factory=Vision)
    policies: Policies = Field(default_factory=Policies)
    comms: Comms = Field(default_factory=Comms)
    map: MapConfig = Field(default_factory=MapConfig)
    drills: Drills = Field(default_factory=Drills)
    live: Live = Field(default_factory=Live)
    dss: Dss = Field(default_factory=Dss)
    monitor: Monitor = Field(default_factory=Monitor)


class ConfigError(Exception):
    """A config that does not validate; ``errors`` name each bad field."""

    def __init__(self, source: str, errors: list[str]):
        self.source = source
        self.errors = errors
        super().__init__(f"{source}: " + "; ".join(errors))


def _set_path(tree: dict[str, Any], path: list[str], value: Any) -> None:
    node = tree
    for key in path[:-1]:
        nxt = node.get(key)
        if not isinstance(nxt, dict):
            nxt = {}
            node[key] = nxt
        node = nxt
    node[path[-1]] = value


def apply_env(tree: dict[str, Any], environ: dict[str, str] | None = None) -> dict[str, Any]:
    env = os.environ if environ is None else environ
    for name, raw in env.items():
        if not name.startswith(ENV_PREFIX):
            continue
        path = [p.lower() for p in name[len(ENV_PREFIX):].split("__") if p]
        if path:
            _set_path(tree, path, yaml.safe_load(raw) if raw != "" else "")
    return tree


def format_errors(exc: ValidationError) -> list[str]:
    out = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(root)"
        out.append(f"{loc}: {err['msg']}")
    return out


def parse_config(tree: dict[str, Any] | None, source: str = "<config>", environ: dict[str, str] | None = None) -> Config:
    data = apply_env(dict(tree or {}), environ)
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(source, format_errors(exc)) from None


def load_config(path: str | Path | None = None, environ: dict[str, str] | None = None) -> Config:
    """Load ``path`` (or ``$WATCHPOST_CONFIG``; none means all defaults) and apply env overrides."""
    env = os.environ if environ is None else environ
    path = path or env.get("WATCHPOST_CONFIG")
    tree: dict[str, Any] = {}
    source = "<defaults>"
    if path:
        source = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(source, [f"cannot read: {exc.strerror}"]) from None
        try:
            loaded = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigError(source, [f"invalid YAML: {exc}"]) from None
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(source, ["(root): expected a mapping"])
        tree = loaded or {}
    return parse_config(tree, source, env)
