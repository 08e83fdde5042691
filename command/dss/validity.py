"""A model refuses inputs outside the range its method was derived and checked for, saying the
range, instead of extrapolating silently. Single-field ranges are pydantic bounds on the inputs
(``Field(ge=..., le=...)``); ranges that depend on several inputs or on an intermediate result
raise ``OutOfRange`` naming what is out of range and the range."""

from __future__ import annotations


class OutOfRange(ValueError):
    """An input (or a quantity derived from the inputs) outside the model's validity range."""

    def __init__(self, what: str, value: float, low: float | None, high: float | None, unit: str = "", why: str = ""):
        self.what, self.value, self.low, self.high, self.unit = what, value, low, high, unit
        lo = "-∞" if low is None else f"{low:g}"
        hi = "∞" if high is None else f"{high:g}"
        u = f" {unit}" if unit else ""
        super().__init__(f"{what}: {value:g}{u} is outside the model's validity range [{lo}, {hi}]{u}"
                         + (f" ({why})" if why else ""))


def check(what: str, value: float, low: float | None = None, high: float | None = None, unit: str = "",
          why: str = "") -> float:
    if (low is not None and value < low) or (high is not None and value > high):
        raise OutOfRange(what, value, low, high, unit, why)
    return value
