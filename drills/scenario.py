"""A drill scenario (演练脚本), shaped like an exercise MSEL: timed injects, each with the actions
it expects of each role and their deadlines, and the objectives those actions evaluate
(DRL-2, DRL-3, DRL-4; HG/T 6313 S4).

One pydantic model, read from YAML. ``load`` / ``parse`` name every bad field; ``references``
checks what a scenario names against the site (cameras, clips, plans, resources) before a drill
may start. Pure: the site's catalogue is passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Callable, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from watchpost.events import Reading
from watchpost.fields import Real, Text

# The seats of a park drill: the enterprise's liaison joins the park's own roles (HG/T 6313 S4).
SeatRole = Literal["commander", "duty_officer", "team_leader", "comms", "enterprise_liaison", "evaluator"]
SEAT_ROLES: tuple[str, ...] = SeatRole.__args__  # type: ignore[attr-defined]
InjectKind = Literal["video", "sensor", "phone", "sms", "message", "weather"]
# Actions read from the records the live system keeps; "acknowledge" and "task" are marked done by the seat.
Action = Literal["verify_alarm", "open_incident", "activate_plan", "notify", "dispatch", "first_report",
                 "acknowledge", "task"]
RECORDED_ACTIONS: frozenset[str] = frozenset({"verify_alarm", "open_incident", "activate_plan", "notify", "dispatch",
                                              "first_report"})
Speed = Literal[1, 2, 5, 10]
Slug = Annotated[str, Field(min_length=1, max_length=50, pattern=r"^[a-z0-9][a-z0-9_-]*$")]
MAX_DRILL_S = 7 * 24 * 3600

ACTION_TITLES = {  # (zh, en) shown on the seat's task list and in the report
    "verify_alarm": ("核查报警", "Verify the alarm"), "open_incident": ("创建事件", "Open the incident"),
    "activate_plan": ("启动预案", "Activate the plan"), "notify": ("发布通知", "Notify"),
    "dispatch": ("调派资源", "Dispatch resources"), "first_report": ("首次上报", "File the first report"),
    "acknowledge": ("确认收到", "Acknowledge"), "task": ("执行任务", "Carry out the task"),
}


class _S(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Expected(_S):
    """What one role must do after an inject, and how soon (drill seconds after the inject)."""

    role: SeatRole
    action: Action
    within_s: Real = Field(gt=0, le=MAX_DRILL_S)
    level: Literal["I", "II", "III", "IV"] | None = Field(default=None, description="activate_plan: the response level")
    plan: int | None = Field(default=None, ge=1, description="activate_plan: the plan id that must be activated")
    resource: Text | None = Field(default=None, max_length=100, description="dispatch: a resource code")
    title: Text = Field(default="", max_length=300, description="what to do (task, acknowledge); zh")
    title_en: Text = Field(default="", max_length=300)
    objective: Slug | None = None

    @model_validator(mode="after")
    def _fits_action(self) -> "Expected":
        if self.action == "activate_plan" and self.level is None:
            raise ValueError("activate_plan needs the response level (level: I, II, III or IV)")
        if self.action == "task" and not self.title:
            raise ValueError("a task needs its title")
        if self.plan is not None and self.action != "activate_plan":
            raise ValueError("plan: only for activate_plan")
        if self.resource is not None and self.action != "dispatch":
            raise ValueError("resource: only for dispatch")
        return self

    def titles(self) -> tuple[str, str]:
        zh, en = ACTION_TITLES[self.action]
        if self.title:
            return self.title, self.title_en or self.title
        if self.level:
            return f"{zh}（{self.level}级）", f"{en} (level {self.level})"
        return zh, en


class Weather(_S):
    wind_from_deg: Real = Field(ge=0, lt=360)
    wind_speed_ms: Real = Field(ge=0, le=80)
    temperature_c: Real = Field(ge=-60, le=60)
    humidity_pct: Real | None = Field(default=None, ge=0, le=100)
    cloud_cover_pct: Real | None = Field(default=None, ge=0, le=100)


class Inject(_S):
    id: Slug
    at_s: Real = Field(ge=0, le=MAX_DRILL_S, description="drill seconds after the start")
    kind: InjectKind
    title: Text = Field(min_length=1, max_length=300)
    title_en: Text = Field(default="", max_length=300)
    # video: a clip played as this camera's stream; sensor / phone / sms: where it happens
    camera: Text | None = Field(default=None, max_length=100)
    clip: Text | None = Field(default=None, max_length=1000, description="video: file under drills.clip_dir, an "
                              "absolute path, or an rtsp:// or http(s):// URL")
    location: Text = Field(default="", max_length=200)
    site: Text | None = Field(default=None, max_length=100)
    alarm_type: Annotated[str, Field(min_length=1, max_length=50, pattern=r"^[a-z0-9_]+$")] | None = None
    level: Literal["red", "orange", "yellow", "blue"] | None = None
    reading: Reading | None = None
    caller: Text = Field(default="", max_length=100, description="phone / sms: who calls or writes")
    text: Text = Field(default="", max_length=4000, description="phone / sms / message: what is said")
    to_role: SeatRole | None = Field(default=None, description="message: the role it is for")
    weather: Weather | None = None
    expected: list[Expected] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _fits_kind(self) -> "Inject":
        need = {"video": ("camera", "clip"), "sensor": ("alarm_type", "reading"), "phone": ("text",),
                "sms": ("text",), "message": ("to_role", "text"), "weather": ("weather",)}[self.kind]
        missing = [f for f in need if not getattr(self, f)]
        if missing:
            raise ValueError(f"a {self.kind} inject needs {', '.join(missing)}")
        if self.kind not in ("video", "sensor", "phone", "sms") and any(
                e.action in RECORDED_ACTIONS for e in self.expected):
            raise ValueError(f"a {self.kind} inject raises no alarm: expect acknowledge or task actions of it")
        return self


class Objective(_S):
    id: Slug
    title: Text = Field(min_length=1, max_length=300)
    title_en: Text = Field(default="", max_length=300)
    capabilities: list[Annotated[Text, Field(min_length=1, max_length=100)]] = Field(default_factory=list,
                                                                                       max_length=20)


class Scenario(_S):
    id: Slug
    title: Text = Field(min_length=1, max_length=300)
    title_en: Text = Field(default="", max_length=300)
    enterprise: Text = Field(default="", max_length=200)
    description: Text = Field(default="", max_length=20000)
    description_en: Text = Field(default="", max_length=20000)
    speed: Speed = 1
    roles: list[SeatRole] = Field(min_length=1, max_length=len(SEAT_ROLES))
    objectives: list[Objective] = Field(default_factory=list, max_length=50)
    injects: list[Inject] = Field(min_length=1, max_length=500)

    @model_validator(mode="after")
    def _consistent(self) -> "Scenario":
        def dups(ids: list[str]) -> list[str]:
            return sorted({i for i in ids if ids.count(i) > 1})

        if d := dups([i.id for i in self.injects]):
            raise ValueError(f"injects: duplicate ids {', '.join(d)}")
        if d := dups([o.id for o in self.objectives]):
            raise ValueError(f"objectives: duplicate ids {', '.join(d)}")
        objectives = {o.id for o in self.objectives}
        for inj in self.injects:
            for e in inj.expected:
                if e.role not in self.roles:
                    raise ValueError(f"injects[{inj.id}]: role {e.role} is not among the scenario's roles")
                if e.objective and e.objective not in objectives:
                    raise ValueError(f"injects[{inj.id}]: unknown objective {e.objective!r}")
            if inj.to_role and inj.to_role not in self.roles:
                raise ValueError(f"injects[{inj.id}]: to_role {inj.to_role} is not among the scenario's roles")
        self.injects.sort(key=lambda i: (i.at_s, i.id))
        return self

    def duration_s(self) -> float:
        """When the drill ends by itself: the last deadline of any expected action (or the last inject)."""
        return max(i.at_s + max((e.within_s for e in i.expected), default=0.0) for i in self.injects)

    def inject(self, inject_id: str) -> Inject:
        return next(i for i in self.injects if i.id == inject_id)


class ScenarioError(ValueError):
    """Every problem, each naming its field: for the API's 422 and the CLI."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def _where(loc: tuple, data: object) -> str:
    """A field path that names injects and objectives by their id, not their index."""
    parts: list[str] = []
    node = data
    for p in loc:
        if isinstance(p, int) and isinstance(node, list) and p < len(node):
            item = node[p]
            key = item.get("id") if isinstance(item, dict) else None
            parts[-1] = f"{parts[-1]}[{key}]" if key else f"{parts[-1]}[{p}]"
            node = item
        else:
            parts.append(str(p))
            node = node.get(p) if isinstance(node, dict) else None
    return ".".join(parts) or "(scenario)"


def parse(data: object) -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as e:
        raise ScenarioError([f"{_where(err['loc'], data)}: {err['msg'].removeprefix('Value error, ')}"
                             for err in e.errors()]) from None


def from_yaml(text: str) -> Scenario:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ScenarioError([f"not valid YAML: {e}"]) from None
    if not isinstance(data, dict):
        raise ScenarioError(["a scenario is a YAML mapping with id, title, roles, injects..."])
    return parse(data)


def load(path: str | Path) -> Scenario:
    return from_yaml(Path(path).read_text(encoding="utf-8"))


@dataclass
class Site:
    """What a scenario may name on this site (built by the service from its config and database)."""

    cameras: set[str] = field(default_factory=set)
    plans: dict[int, str] = field(default_factory=dict)  # id -> status
    activatable: set[int] = field(default_factory=set)
    resources: set[str] = field(default_factory=set)  # codes
    clip_exists: Callable[[str], bool] = lambda clip: True


def references(scenario: Scenario, site: Site) -> list[str]:
    """What the scenario names that this site does not have, each naming the inject and field."""
    out: list[str] = []
    for inj in scenario.injects:
        where = f"injects[{inj.id}]"
        if inj.kind == "video":
            if inj.camera not in site.cameras:
                out.append(f"{where}.camera: no camera {inj.camera!r} is configured")
            if inj.clip and not site.clip_exists(inj.clip):
                out.append(f"{where}.clip: {inj.clip!r} not found")
        for e in inj.expected:
            if e.plan is not None:
                if e.plan not in site.plans:
                    out.append(f"{where}.expected: no plan {e.plan}")
                elif e.plan not in site.activatable:
                    out.append(f"{where}.expected: plan {e.plan} is {site.plans[e.plan]}, not activatable")
            if e.resource is not None and e.resource not in site.resources:
                out.append(f"{where}.expected: no resource with code {e.resource!r}")
    return out
