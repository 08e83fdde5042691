"""Rank the plans that apply to an incident and pick the response level, with reasons (PLAN-6).

Pure: plain data in, ranked matches out. Scores are additive so the reasons list explains them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from command.domain.plan_schema import LEVEL_ORDER, StructuredPlan

SEVERITY = {"red": 4, "orange": 3, "yellow": 2, "blue": 1}


@dataclass(frozen=True)
class IncidentFacts:
    type: str
    level: str = ""  # red | orange | yellow | blue
    substance: str = ""
    site: str = ""
    casualties: int = 0
    text: str = ""


@dataclass(frozen=True)
class Candidate:
    plan_id: int
    title: str
    scope: str
    plan: StructuredPlan
    enterprise: str = ""


class _Lite:
    """Just the parts matching reads, built from a stored (already validated) split without
    re-validating it: thousands of candidates per query stay cheap."""

    class _T:
        def __init__(self, t: dict):
            self.incident_types = t.get("incident_types") or []
            self.substances = t.get("substances") or []
            self.sites = t.get("sites") or []
            self.keywords = t.get("keywords") or []

    class _C:
        def __init__(self, c: dict):
            self.min_casualties = c.get("min_casualties", 0)
            self.incident_levels = c.get("incident_levels") or []

    class _L:
        def __init__(self, r: dict):
            self.level = r["level"]
            self.condition = _Lite._C(r.get("condition") or {})

    def __init__(self, d: dict):
        self.triggers = _Lite._T(d["triggers"])
        self.response_levels = [_Lite._L(r) for r in d["response_levels"]]


def candidate_from_stored(plan_id: int, title: str, scope: str, structured: dict, enterprise: str = "") -> Candidate:
    return Candidate(plan_id, title, scope, _Lite(structured), enterprise)  # type: ignore[arg-type]


@dataclass
class Match:
    plan_id: int
    title: str
    scope: str
    score: float
    response_level: str
    reasons: list[str] = field(default_factory=list)


def pick_level(plan: StructuredPlan, facts: IncidentFacts) -> tuple[str, str]:
    """The most severe level whose activation condition holds; else the mildest level the plan has."""
    specs = sorted(plan.response_levels, key=lambda r: LEVEL_ORDER.index(r.level))
    for spec in specs:
        c = spec.condition
        if facts.casualties < c.min_casualties:
            continue
        if c.incident_levels and facts.level not in c.incident_levels:
            continue
        bits = []
        if c.min_casualties:
            bits.append(f"casualties {facts.casualties} ≥ {c.min_casualties}")
        if c.incident_levels:
            bits.append(f"incident level {facts.level} in {'/'.join(c.incident_levels)}")
        return spec.level, f"level {spec.level}: " + (", ".join(bits) if bits else "no extra condition")
    mildest = specs[-1].level
    return mildest, f"level {mildest}: no level's condition met, using the mildest"


def score(c: Candidate, facts: IncidentFacts) -> Match | None:
    t = c.plan.triggers
    if facts.type not in t.incident_types:
        return None
    s, reasons = 50.0, [f"covers incident type {facts.type}"]
    subs = {x.lower() for x in t.substances}
    if facts.substance and facts.substance.lower() in subs:
        s += 25
        reasons.append(f"names substance {facts.substance}")
    elif facts.substance and subs:
        s -= 5
        reasons.append(f"written for {', '.join(sorted(subs))}, not {facts.substance}")
    if t.sites:
        if facts.site and facts.site in t.sites:
            s += 20
            reasons.append(f"written for site {facts.site}")
        else:
            s -= 10
            reasons.append(f"written for other sites ({', '.join(t.sites)})")
    else:
        s += 5
        reasons.append("applies park-wide")
    text = facts.text.lower()
    hits = [k for k in t.keywords if k and k.lower() in text]
    if hits:
        s += 3 * len(hits)
        reasons.append(f"keywords: {', '.join(hits)}")
    if c.scope == "park":
        s += 5
        reasons.append("park plan governs the park response")
    level, why = pick_level(c.plan, facts)
    reasons.append(why)
    return Match(c.plan_id, c.title, c.scope, s, level, reasons)


def rank(candidates: list[Candidate], facts: IncidentFacts, limit: int = 10) -> list[Match]:
    matches = [m for c in candidates if (m := score(c, facts)) is not None]
    matches.sort(key=lambda m: (-m.score, LEVEL_ORDER.index(m.response_level), m.plan_id))
    return matches[:limit]
