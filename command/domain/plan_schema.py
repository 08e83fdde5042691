"""The digital split of a plan (数字化拆分, PLAN-5) as a typed schema, with YAML import/export."""

from __future__ import annotations

from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from watchpost.fields import QUANTITY_MAX, Real, Text

ResponseLevel = Literal["I", "II", "III", "IV"]
LEVEL_ORDER: tuple[str, ...] = ("I", "II", "III", "IV")  # I is the most severe


class _S(BaseModel):
    model_config = ConfigDict(extra="forbid")


Name = Annotated[Text, Field(min_length=1, max_length=200)]
Names = Annotated[list[Name], Field(max_length=200)]


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


class OrgRole(_S):
    role: Name
    duty: Text = Field(default="", max_length=4000)


class ActionCard(_S):
    id: Text = Field(min_length=1, max_length=50)
    role: Name
    action: Text = Field(min_length=1, max_length=4000)
    order: int = Field(default=0, ge=0, le=100_000)
    deadline_min: int | None = Field(default=None, ge=0, le=100_000, description="minutes after activation")
    levels: list[ResponseLevel] = Field(default_factory=list, description="empty = every level")


class RequiredResource(_S):
    kind: Literal["expert", "team", "material", "vehicle", "shelter", "medical_point"]
    category: Name
    quantity: Real = Field(default=1, gt=0, le=QUANTITY_MAX)
    levels: list[ResponseLevel] = Field(default_factory=list)


class Notification(_S):
    channel: Literal["sms", "broadcast", "console"] = "sms"
    recipients: Names = Field(default_factory=list, description="phone numbers or broadcast zones")
    roles_on_duty: Names = Field(default_factory=list, description="notify whoever holds these roles now")
    message: Text = Field(min_length=1, max_length=1500)
    levels: list[ResponseLevel] = Field(default_factory=list)


class StructuredPlan(_S):
    triggers: Trigger
    response_levels: list[ResponseLevelSpec] = Field(min_length=1, max_length=4)
    organisation: list[OrgRole] = Field(default_factory=list, max_length=500)
    action_cards: list[ActionCard] = Field(default_factory=list, max_length=2000)
    resources: list[RequiredResource] = Field(default_factory=list, max_length=2000)
    notifications: list[Notification] = Field(default_factory=list, max_length=500)

    @model_validator(mode="after")
    def _consistent(self) -> "StructuredPlan":
        ids = [c.id for c in self.action_cards]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise ValueError(f"duplicate action card ids: {', '.join(sorted(dup))}")
        levels = [r.level for r in self.response_levels]
        if len(set(levels)) != len(levels):
            raise ValueError("response levels must be unique")
        roles = {r.role for r in self.organisation}
        if roles:
            unknown = sorted({c.role for c in self.action_cards} - roles)
            if unknown:
                raise ValueError(f"action cards name roles missing from the organisation: {', '.join(unknown)}")
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
        return "\n".join(parts)


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
