"""Incident lifecycle (CMD-2) as a pure state machine: plain strings in, a reason out.

received (接警) → verified → reported (上报) → activated (应急启动, needs a response level)
→ dispatching (资源调度) → deployed (处置部署) → terminated (应急终止) → closed (after review).
false_alarm and cancelled leave from the early states. Follow-up reports (续报) are not a state:
they are allowed in every open state. The table is documented in docs/alarms-and-incidents.md.
"""

from __future__ import annotations

STATES: tuple[str, ...] = ("received", "verified", "reported", "activated", "dispatching", "deployed",
                           "terminated", "closed", "false_alarm", "cancelled")
RESPONSE_LEVELS: tuple[str, ...] = ("I", "II", "III", "IV")
FINAL: frozenset[str] = frozenset({"closed", "false_alarm", "cancelled"})
# States from which the statutory report clock still runs (an incident is "open" until it ends).
OPEN: frozenset[str] = frozenset(s for s in STATES if s not in FINAL)
EARLY: frozenset[str] = frozenset({"received", "verified", "reported"})

TRANSITIONS: dict[str, frozenset[str]] = {
    "received": frozenset({"verified", "false_alarm", "cancelled"}),
    # An emergency may be activated before the written report goes out; the report clock keeps running.
    "verified": frozenset({"reported", "activated", "false_alarm", "cancelled"}),
    # A minor event can be handled and terminated without activating a plan.
    "reported": frozenset({"activated", "terminated", "false_alarm", "cancelled"}),
    "activated": frozenset({"dispatching", "terminated"}),
    "dispatching": frozenset({"deployed", "terminated"}),
    # Back to dispatching when more resources are needed on site.
    "deployed": frozenset({"dispatching", "terminated"}),
    "terminated": frozenset({"closed"}),
    "closed": frozenset(),
    "false_alarm": frozenset(),
    "cancelled": frozenset(),
}


def why_illegal(current: str, target: str, *, note: str = "", response_level: str | None = None) -> str | None:
    """None when ``current → target`` is allowed with these arguments, else the reason it is not."""
    if current not in TRANSITIONS:
        return f"unknown current state {current!r}"
    if target not in TRANSITIONS:
        return f"unknown target state {target!r}; one of: {', '.join(STATES)}"
    if current == target:
        return f"incident is already {current}"
    if current in FINAL:
        return f"incident is {current}; no further transitions"
    allowed = TRANSITIONS[current]
    if target not in allowed:
        return f"cannot go from {current} to {target}; allowed: {', '.join(sorted(allowed))}"
    if target == "activated" and response_level not in RESPONSE_LEVELS:
        return f"activation needs a response_level, one of: {', '.join(RESPONSE_LEVELS)}"
    if target == "closed" and not note.strip():
        return "closing needs a review note (after-action review)"
    if target in ("false_alarm", "cancelled") and not note.strip():
        return f"{target} needs a note saying why"
    return None


def can_report(current: str) -> bool:
    """Initial and follow-up reports may be filed while the incident is open."""
    return current in OPEN
