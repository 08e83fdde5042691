"""Injury and damage thresholds used to draw hazard zones, each with its source, and a function
that turns a model's distances-to-levels into concentric zones.

The zone sets are conventions, not physics: an emergency commander needs the same rings every time,
and each ring must say which published criterion it stands for."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Threshold:
    level: float  # kW/m² for thermal radiation, kPa for overpressure
    unit: str
    effect: str
    source: str


WORLD_BANK = "World Bank, Manual of Industrial Hazard Assessment Techniques (1985), thermal radiation table"
API_521 = "API Std 521, recommended design radiation levels for personnel (1.58 kW/m² = 500 Btu/(h·ft²))"
EPA_RMP = "US EPA, Risk Management Program Guidance for Offsite Consequence Analysis (2009): 5 kW/m² for 40 s, 1 psi"
CLANCEY = ("Clancey (1972), damage estimates based on overpressure, as tabulated in Crowl & Louvar, "
           "Chemical Process Safety, and Lees' Loss Prevention")

THERMAL: tuple[Threshold, ...] = (
    Threshold(37.5, "kW/m²", "damage to process equipment; 100 % lethality in 1 min", WORLD_BANK),
    Threshold(25.0, "kW/m²", "minimum energy to ignite wood at indefinitely long exposure (non-piloted)", WORLD_BANK),
    Threshold(12.5, "kW/m²", "minimum energy for piloted ignition of wood, melting of plastic tubing", WORLD_BANK),
    Threshold(9.5, "kW/m²", "pain threshold reached after 8 s; second-degree burns after 20 s", WORLD_BANK),
    Threshold(5.0, "kW/m²", "offsite endpoint (second-degree burns for a 40 s exposure)", EPA_RMP),
    Threshold(4.0, "kW/m²", "pain if unable to reach cover within 20 s; blistering possible", WORLD_BANK),
    Threshold(1.6, "kW/m²", "no discomfort for long exposure", WORLD_BANK),
    Threshold(1.58, "kW/m²", "continuous exposure of personnel", API_521),
)

OVERPRESSURE: tuple[Threshold, ...] = (
    Threshold(68.9, "kPa", "probable total destruction of buildings (10 psi)", CLANCEY),
    Threshold(20.7, "kPa", "steel-frame buildings distorted and pulled from foundations (3 psi)", CLANCEY),
    Threshold(15.8, "kPa", "lower limit of serious structural damage (2.3 psi)", CLANCEY),
    Threshold(13.8, "kPa", "partial collapse of walls and roofs of houses (2 psi)", CLANCEY),
    Threshold(6.9, "kPa", "partial demolition of houses, made uninhabitable (1 psi); EPA offsite endpoint", CLANCEY),
    Threshold(2.07, "kPa", "'safe distance', 95 % probability of no serious damage beyond (0.3 psi)", CLANCEY),
    Threshold(1.03, "kPa", "typical pressure for glass breakage (0.15 psi)", CLANCEY),
)

# The rings drawn by default: one per severity band, from the tables above.
THERMAL_ZONES = (37.5, 12.5, 5.0, 1.6)
OVERPRESSURE_ZONES = (68.9, 20.7, 6.9, 2.07)
ZONE_NAMES = ("lethal", "severe", "injury", "warning")


def threshold(level: float, table: tuple[Threshold, ...]) -> Threshold:
    for t in table:
        if abs(t.level - level) < 1e-9:
            return t
    raise KeyError(f"no threshold at {level:g} in the table")


@dataclass(frozen=True)
class Zone:
    name: str
    level: float
    unit: str
    outer_radius_m: float | None  # None: the level is not reached (or not resolved by the model)
    inner_radius_m: float
    effect: str
    source: str


def zones(level_distances_m: dict[str, float | None], kind: str = "thermal",
          levels: tuple[float, ...] | None = None) -> list[Zone]:
    """Concentric zones from a model's ``level_distances_m`` (keys as the models write them, f"{level:g}").

    ``kind`` is 'thermal' (kW/m²) or 'overpressure' (kPa). Zones run from the most severe level outward;
    each zone's inner radius is the previous zone's outer radius, so the rings do not overlap."""
    table = THERMAL if kind == "thermal" else OVERPRESSURE
    chosen = levels or (THERMAL_ZONES if kind == "thermal" else OVERPRESSURE_ZONES)
    out: list[Zone] = []
    inner = 0.0
    for i, level in enumerate(sorted(chosen, reverse=True)):
        t = threshold(level, table)
        outer = level_distances_m.get(f"{level:g}")
        name = ZONE_NAMES[i] if i < len(ZONE_NAMES) else f"zone {i + 1}"
        out.append(Zone(name, level, t.unit, outer, inner, t.effect, t.source))
        if outer is not None:
            inner = max(inner, outer)
    return out
