"""The digital split of a plan (数字化拆分, PLAN-5) as a typed schema, with YAML import/export."""

from __future__ import annotations

from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from watchpost.fields import QUANTITY_MAX, Real, Text

ResponseLevel = Literal["I", "II", "III", "IV"]
OUTLINE_KINDS: tuple[str, ...] = ("general", "hazards", "organisation", "prevention", "reporting", "response",
                                  "levels", "measures", "scenarios", "protection", "termination", "support",
                                  "contacts", "attachments", "other")
LEVEL_ORDER: tuple[str, ...] = ("I", "II", "III", "IV")  # I is the most severe


class _S(BaseModel):
    model_config = ConfigDict(extra="forbid")


Name = Annotated[Text, Field(min_length=1, max_length=200)]
Names = Annotated[list[Name], Field(max_length=200)]


# Where an item came from: the paragraph of the plan's document it was drafted from (see
# command/domain/plan_document.py), so a reviewer can check the split against the text.
Source = Annotated[int | None, Field(default=None, ge=0, le=1_000_000,
                                     description="paragraph number in the imported document")]


class Trigger(_S):
    incident_types: Names = Field(min_length=1, description="incident types this plan applies to, e.g. fire, leak")
    substances: Names = Field(default_factory=list, description="chemicals named in the plan")
    sites: Names = Field(default_factory=list, description="site ids; empty = whole park")
    keywords: Names = Field(default_factory=list)


class ActivationCondition(_S):
    min_casualties: int = Field(default=0, ge=0, le=1_000_000)
    incident_levels: list[Literal["red", "orange", "yellow", "blue"]] = Field(default_factory=list)
    description: Text = Field(default="", max_length=4000)


class ResponseLevelSpec(_S):
    level: ResponseLevel
    condition: ActivationCondition = Field(default_factory=ActivationCondition)
    source: Source = None


class OrgRole(_S):
    role: Name
    duty: Text = Field(default="", max_length=4000)
    source: Source = None


class ActionCard(_S):
    id: Text = Field(min_length=1, max_length=50)
    role: Name
    action: Text = Field(min_length=1, max_length=4000)
    order: int = Field(default=0, ge=0, le=100_000)
    deadline_min: int | None = Field(default=None, ge=0, le=100_000, description="minutes after activation")
    levels: list[ResponseLevel] = Field(default_factory=list, description="empty = every level")
    source: Source = None


class RequiredResource(_S):
    kind: Literal["expert", "team", "material", "vehicle", "shelter", "medical_point"]
    category: Name
    quantity: Real = Field(default=1, gt=0, le=QUANTITY_MAX)
    levels: list[ResponseLevel] = Field(default_factory=list)
    source: Source = None


class Notification(_S):
    channel: Literal["sms", "broadcast", "console"] = "sms"
    recipients: Names = Field(default_factory=list, description="phone numbers or broadcast zones")
    roles_on_duty: Names = Field(default_factory=list, description="notify whoever holds these roles now")
    message: Text = Field(min_length=1, max_length=1500)
    levels: list[ResponseLevel] = Field(default_factory=list)
    source: Source = None


# --- The elements GB/T 29639-2020 asks every plan to carry beyond who does what ----------------

class OutlineEntry(_S):
    """A heading of the plan's document and the part of a plan it is (总则, 应急响应, 附件...)."""

    title: Text = Field(min_length=1, max_length=300)
    depth: int = Field(default=1, ge=1, le=6)
    kind: Literal[OUTLINE_KINDS] = "other"  # type: ignore[valid-type]
    source: Source = None


class Hazard(_S):
    """A hazard source (危险源/风险) and what sets it off."""

    name: Name
    location: Text = Field(default="", max_length=300)
    substances: Names = Field(default_factory=list)
    incident_types: Names = Field(default_factory=list)
    triggers: list[Annotated[Text, Field(min_length=1, max_length=1000)]] = Field(default_factory=list, max_length=50)
    source: Source = None


class ScenarioCard(_S):
    """A scenario disposal card (现场处置方案 / 处置卡): the steps for one kind of scene.
    Activation turns the steps of the cards that fit the incident into tasks."""

    id: Text = Field(min_length=1, max_length=50)
    title: Name
    incident_types: Names = Field(default_factory=list, description="empty = any incident the plan is activated for")
    role: Text = Field(default="", max_length=200, description="who carries the card out; empty = the incident commander")
    steps: list[Annotated[Text, Field(min_length=1, max_length=2000)]] = Field(min_length=1, max_length=100)
    source: Source = None


class ReportStep(_S):
    """One link of the reporting chain (信息报告): who reports to whom, within how long."""

    to: Name
    by: Text = Field(default="", max_length=200)
    within_min: int | None = Field(default=None, ge=0, le=100_000)
    source: Source = None


class Reporting(_S):
    chain: list[ReportStep] = Field(default_factory=list, max_length=50)
    contents: Names = Field(default_factory=list, description="what a report must contain")
    source: Source = None

    def first_within_min(self) -> int | None:
        """The shortest stated deadline of the chain (the plan's first-report clock); "立即" (0) is the
        on-site call to the duty room, not a report to an authority, and sets no clock."""
        mins = [s.within_min for s in self.chain if s.within_min]
        return min(mins) if mins else None


class ZoneProtection(_S):
    zone: Name
    equipment: Names = Field(min_length=1)
    source: Source = None


class Termination(_S):
    condition: Text = Field(min_length=1, max_length=2000)
    source: Source = None


class Contact(_S):
    """A contact from the plan's tables. The phone number is data for dispatch, never a log line."""

    name: Text = Field(default="", max_length=100)
    unit: Text = Field(default="", max_length=200, description="unit or role")
    phone: Text = Field(min_length=3, max_length=50, pattern=r"^[0-9+][0-9 \-]{2,49}$")
    source: Source = None


class StructuredPlan(_S):
    triggers: Trigger
    response_levels: list[ResponseLevelSpec] = Field(min_length=1, max_length=4)
    organisation: list[OrgRole] = Field(default_factory=list, max_length=500)
    action_cards: list[ActionCard] = Field(default_factory=list, max_length=2000)
    resources: list[RequiredResource] = Field(default_factory=list, max_length=2000)
    notifications: list[Notification] = Field(default_factory=list, max_length=500)
    outline: list[OutlineEntry] = Field(default_factory=list, max_length=2000)
    hazards: list[Hazard] = Field(default_factory=list, max_length=500)
    scenario_cards: list[ScenarioCard] = Field(default_factory=list, max_length=500)
    reporting: Reporting = Field(default_factory=Reporting)
    protection: list[ZoneProtection] = Field(default_factory=list, max_length=100)
    termination: list[Termination] = Field(default_factory=list, max_length=100)
    contacts: list[Contact] = Field(default_factory=list, max_length=2000)

    @model_validator(mode="after")
    def _consistent(self) -> "StructuredPlan":
        # Each problem names the field it is in ("action_cards.3.role: ..."), so a form can show it there.
        problems: list[str] = []
        for part, items in (("action_cards", self.action_cards), ("scenario_cards", self.scenario_cards)):
            seen: set[str] = set()
            for i, c in enumerate(items):
                if c.id in seen:
                    problems.append(f"{part}.{i}.id: duplicate {part.replace('_', ' ')[:-1]} id {c.id}")
                seen.add(c.id)
        seen_levels: set[str] = set()
        for i, r in enumerate(self.response_levels):
            if r.level in seen_levels:
                problems.append(f"response_levels.{i}.level: response levels must be unique ({r.level} twice)")
            seen_levels.add(r.level)
        roles = {r.role for r in self.organisation}
        if roles:
            problems += [f"action_cards.{i}.role: action cards name roles missing from the organisation: {c.role}"
                         for i, c in enumerate(self.action_cards) if c.role not in roles]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def levels(self) -> list[str]:
        return [r.level for r in self.response_levels]

    def for_level(self, level: str) -> tuple[list[ActionCard], list[RequiredResource], list[Notification]]:
        def keep(levels: list[str]) -> bool:
            return not levels or level in levels

        cards = sorted((c for c in self.action_cards if keep(c.levels)), key=lambda c: (c.order, c.id))
        return cards, [r for r in self.resources if keep(r.levels)], [n for n in self.notifications if keep(n.levels)]

    def search_text(self) -> str:
        parts = [*self.triggers.incident_types, *self.triggers.substances, *self.triggers.keywords]
        parts += [f"{r.role} {r.duty}" for r in self.organisation]
        parts += [f"{c.role} {c.action}" for c in self.action_cards]
        parts += [r.category for r in self.resources]
        parts += [f"{h.name} {' '.join(h.substances)} {' '.join(h.triggers)}" for h in self.hazards]
        parts += [f"{c.title} {' '.join(c.steps)}" for c in self.scenario_cards]
        parts += [t.condition for t in self.termination]
        # Contacts stay out of the search text: a phone number is not a search term for plans.
        return "\n".join(parts)

    def scenario_cards_for(self, incident_type: str) -> list[ScenarioCard]:
        return [c for c in self.scenario_cards if not c.incident_types or incident_type in c.incident_types]


class PlanSchemaError(ValueError):
    """Readable errors naming the field, for API 422 and CLI messages."""


def _format(e: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}" for err in e.errors())


def parse(data: object) -> StructuredPlan:
    try:
        return StructuredPlan.model_validate(data)
    except ValidationError as e:
        raise PlanSchemaError(_format(e)) from None


def from_yaml(text: str) -> StructuredPlan:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise PlanSchemaError(f"not valid YAML: {e}") from None
    if not isinstance(data, dict):
        raise PlanSchemaError("YAML must be a mapping with triggers, response_levels, action_cards...")
    return parse(data)


def to_yaml(plan: StructuredPlan) -> str:
    return yaml.safe_dump(plan.model_dump(mode="json", exclude_defaults=False), allow_unicode=True, sort_keys=False)
