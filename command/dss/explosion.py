"""Vapour cloud explosions: TNT equivalence with the Kingery-Bulmash blast curve, and the TNO
multi-energy charge.

TNT equivalence: W = η M ΔHc / E_TNT; Hopkinson-Cranz scaled distance Z = R / W^(1/3); side-on
(incident) overpressure of a hemispherical TNT surface burst from the Kingery-Bulmash polynomial fit
(the coefficients UFC 3-340-02 / CONWEP use, valid 0.0531-40 m/kg^(1/3)) and, beyond Z = 40 up to
198.5 m/kg^(1/3), from Swisdak's (1994) simplified far-field fit of the same data.

TNO multi-energy (van den Berg 1985, Yellow Book CPR 14E ch. 5): charge energy (3.5 MJ/m³ of
stoichiometric hydrocarbon-air in the obstructed volume, or mass × ΔHc), Sachs-scaled distance
R' = R / (E/p0)^(1/3), and the blast-strength curves 1-10 as the piecewise power laws
Ps' = a R'^b (side-on overpressure / p0) and t' = c R'^d (t+ c0 / (E/p0)^(1/3)) printed by the Swedish
Civil Contingencies Agency (MSB): Johansson, B02-121 (2013) tables 5.2-5.3 = B06-105 (2017) tables
4.2-4.3. The author fitted them to Gexcon's published parametrisation of the curves (its online
Multi-Energy calculator) and states agreement within one or a few percent; ground reflection is
included (E is the charge's own energy). Used over the figures' span 0.1 ≤ R' ≤ 100 and, as the tables
state, only where Ps' ≥ 0.001; outside that a point has no overpressure rather than an extrapolated one."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, Field

from command.dss.registry import register
from command.dss.validity import OutOfRange, check

E_TNT_MJ_KG = 4.68  # blast energy of TNT used with the yield method (CCPS; Crowl & Louvar use 4.686 MJ/kg)

# Kingery-Bulmash, hemispherical surface burst, incident overpressure (kPa):
# log10 P = Σ c_i U^i, U = -0.214362789151 + 1.35034249993 log10 Z (Z in m/kg^(1/3)).
KB_U = (-0.214362789151, 1.35034249993)
KB_C = (2.78076916577, -1.6958988741, -0.154159376846, 0.514060730593, 0.0988534365274, -0.293912623038,
        -0.0268112345019, 0.109097496421, 0.00162846756311, -0.0214631030242, 0.0001456723382, 0.00167847752266)
KB_RANGE = (0.0531, 40.0)

# Swisdak (1994), ln P = A + B ln Z + C (ln Z)² + D (ln Z)³ + E (ln Z)⁴, P in kPa, by range of Z.
SWISDAK = ((0.2, 2.9, (7.2106, -2.1069, -0.3229, 0.1117, 0.0685)),
           (2.9, 23.8, (7.5938, -3.0523, 0.40977, 0.0261, -0.01267)),
           (23.8, 198.5, (6.0536, -1.4066, 0.0, 0.0, 0.0)))

# Multi-energy: initial (source) scaled overpressure of each blast-strength curve (van den Berg 1985).
ME_STRENGTH = {1: 0.01, 2: 0.02, 3: 0.05, 4: 0.1, 5: 0.2, 6: 0.5, 7: 1.0, 8: 2.0, 9: 5.0, 10: 10.0}
ME_ENERGY_DENSITY = 3.5e6  # J/m³ of stoichiometric hydrocarbon-air mixture (Yellow Book)

# MSB B02-121 (2013) table 5.2 / B06-105 (2017) table 4.2, as printed: per strength, segments
# (a, b, last R' of the segment); the last segment runs on (None).
ME_OVERPRESSURE: dict[int, tuple[tuple[float, float, float | None], ...]] = {
    10: ((0.43, -2.35, 0.90), (0.47, -1.46, 3.21), (0.32, -1.13, None)),
    9: ((5.0, 0.0, 0.20), (0.47, -1.46, 3.21), (0.32, -1.13, None)),
    8: ((2.0, 0.0, 0.37), (0.47, -1.46, 3.21), (0.32, -1.13, None)),
    7: ((1.0, 0.0, 0.48), (0.48, -1.00, 0.96), (0.47, -1.46, 3.21), (0.32, -1.13, None)),
    6: ((0.5, 0.0, 0.64), (0.32, -1.01, 2.35), (0.47, -1.46, 3.21), (0.32, -1.13, None)),
    5: ((0.2, 0.0, 0.60), (0.12, -1.00, None)),
    4: ((0.1, 0.0, 0.63), (0.064, -0.97, None)),
    3: ((0.05, 0.0, 0.61), (0.031, -0.96, None)),
    2: ((0.02, 0.0, 0.64), (0.013, -0.97, None)),
    1: ((0.01, 0.0, 0.69), (0.007, -0.98, None)),
}
# Table 5.3 / 4.3: (c, d, last R'); strength 7's last segment is the table's footnote (R' > 10.49).
ME_DURATION: dict[int, tuple[tuple[float, float, float | None], ...]] = {
    10: ((0.13, -0.22, 0.51), (0.22, 0.57, 2.07), (0.29, 0.19, 10.49), (0.35, 0.11, None)),
    9: ((0.13, -0.51, 0.53), (0.24, 0.46, 2.02), (0.29, 0.19, 10.49), (0.35, 0.11, None)),
    8: ((0.17, -0.40, 0.58), (0.27, 0.45, 1.32), (0.29, 0.19, 10.49), (0.35, 0.11, None)),
    7: ((0.21, -0.46, 0.62), (0.30, 0.29, 1.59), (0.32, 0.15, 9.40), (0.29, 0.19, 10.49), (0.35, 0.11, None)),
    6: ((0.26, -0.46, 0.49), (0.38, 0.07, 7.81), (0.35, 0.11, None)),
    5: ((0.52, -0.44, 0.51), (0.7, 0.0, None)),
    4: ((1.02, -0.38, 0.53), (1.3, 0.0, None)),
    3: ((1.56, -0.38, 0.52), (2.0, 0.0, None)),
    2: ((2.44, -0.34, 0.54), (3.0, 0.0, None)),
    1: ((3.83, -0.34, 0.50), (4.85, 0.0, None)),
}
ME_R_RANGE = (0.1, 100.0)  # R' span of the MSB figures the fits were drawn over
ME_PS_MIN = 0.001          # "for all expressions Ps' ≥ 0.001" (table 5.2)
ME_C0 = 340.3              # m/s, sound speed in t' (MSB, +15 °C)

BlastCurve = Literal["auto", "kingery_bulmash", "swisdak"]


def tnt_mass(fuel_mass_kg: float, heat_of_combustion_mj_kg: float, yield_fraction: float,
             tnt_energy_mj_kg: float = E_TNT_MJ_KG) -> float:
    """Equivalent TNT mass, kg: η M ΔHc / E_TNT."""
    return yield_fraction * fuel_mass_kg * heat_of_combustion_mj_kg / tnt_energy_mj_kg


def kingery_bulmash_kpa(z: float) -> float:
    check("scaled distance Z (Kingery-Bulmash)", z, *KB_RANGE, "m/kg^(1/3)")
    u = KB_U[0] + KB_U[1] * math.log10(z)
    return 10 ** sum(c * u ** i for i, c in enumerate(KB_C))


def swisdak_kpa(z: float) -> float:
    check("scaled distance Z (Swisdak)", z, SWISDAK[0][0], SWISDAK[-1][1], "m/kg^(1/3)")
    for _lo, hi, coeff in SWISDAK:
        if z <= hi:
            ln = math.log(z)
            return math.exp(sum(c * ln ** i for i, c in enumerate(coeff)))
    raise AssertionError  # unreachable: check() bounded z


def side_on_overpressure_kpa(z: float, curve: BlastCurve = "auto") -> float:
    """Incident overpressure of a hemispherical TNT surface burst at scaled distance z. 'auto' uses the
    Kingery-Bulmash polynomial where it is valid and Swisdak's far-field fit beyond Z = 40 (the two agree
    to within 0.7 % over 0.2-40; the switch steps by +0.5 % at Z = 40)."""
    if curve == "kingery_bulmash":
        return kingery_bulmash_kpa(z)
    if curve == "swisdak":
        return swisdak_kpa(z)
    check("scaled distance Z", z, KB_RANGE[0], SWISDAK[-1][1], "m/kg^(1/3)")
    return kingery_bulmash_kpa(z) if z <= KB_RANGE[1] else swisdak_kpa(z)


def _z_range(curve: BlastCurve) -> tuple[float, float]:
    return {"kingery_bulmash": KB_RANGE, "swisdak": (SWISDAK[0][0], SWISDAK[-1][1])}.get(
        curve, (KB_RANGE[0], SWISDAK[-1][1]))


def scaled_distance_for(overpressure_kpa: float, curve: BlastCurve = "auto") -> float | None:
    """Largest Z where the curve is at or above ``overpressure_kpa`` (bisection on log Z); None when the
    level lies above the curve's validity range (nearer than Z_min) or below it (beyond Z_max)."""
    lo, hi = _z_range(curve)
    if side_on_overpressure_kpa(lo, curve) < overpressure_kpa or side_on_overpressure_kpa(hi, curve) > overpressure_kpa:
        return None
    for _ in range(100):
        mid = math.sqrt(lo * hi)
        lo, hi = (mid, hi) if side_on_overpressure_kpa(mid, curve) >= overpressure_kpa else (lo, mid)
    return lo


class TntIn(BaseModel):
    fuel_mass_kg: float | None = Field(None, gt=0, le=1e7, description="flammable mass in the cloud, kg")
    heat_of_combustion_mj_kg: float | None = Field(None, gt=5, le=150, description="lower heat of combustion, MJ/kg")
    yield_fraction: float = Field(0.03, gt=0, le=1, description="explosion yield η (CCPS, Crowl & Louvar: 0.01-0.10 "
                                  "for vapour clouds)")
    tnt_energy_mj_kg: float = Field(E_TNT_MJ_KG, ge=4.0, le=5.0, description="TNT blast energy, MJ/kg (4.2-4.7 in use)")
    tnt_mass_kg: float | None = Field(None, gt=0, le=1e7, description="TNT-equivalent mass if known directly, kg "
                                      "(overrides the fuel inputs)")
    curve: BlastCurve = Field("auto", description="blast curve: kingery_bulmash (Z 0.0531-40), swisdak "
                              "(Z 0.2-198.5) or auto (KB, then Swisdak beyond Z 40)")
    distances_m: list[float] = Field(default_factory=lambda: [50.0, 100.0, 200.0], description="distances from the "
                                     "charge centre, m")
    levels_kpa: list[float] = Field(default_factory=lambda: [68.9, 20.7, 13.8, 6.9, 2.07],
                                    description="overpressure levels whose distances are wanted, kPa")


class BlastPoint(BaseModel):
    distance_m: float
    scaled_distance_m_kg13: float
    overpressure_kpa: float | None = Field(description="side-on overpressure; None when Z is outside the curve's range")


class TntOut(BaseModel):
    tnt_mass_kg: float
    points: list[BlastPoint]
    level_distances_m: dict[str, float | None] = Field(description="distance to each overpressure level (None: "
                                                       "outside the blast curve's validity range)")


@register("tnt_explosion", "Vapour cloud explosion by TNT equivalence: TNT mass, scaled distance, side-on "
          "overpressure (Kingery-Bulmash hemispherical surface burst; Swisdak far field) and distances to levels",
          TntIn, TntOut,
          sources=("Kingery & Bulmash, ARBRL-TR-02555 (1984); coefficients as used by UFC 3-340-02 / CONWEP",
                   "Swisdak, Simplified Kingery Airblast Calculations, NSWC (1994), DTIC ADA526744",
                   "CCPS, Guidelines for Chemical Process Quantitative Risk Analysis, 2nd ed. (2000), §2.2.3"))
def tnt_explosion(p: TntIn) -> TntOut:
    if p.tnt_mass_kg is not None:
        w = p.tnt_mass_kg
    elif p.fuel_mass_kg is not None and p.heat_of_combustion_mj_kg is not None:
        w = tnt_mass(p.fuel_mass_kg, p.heat_of_combustion_mj_kg, p.yield_fraction, p.tnt_energy_mj_kg)
    else:
        raise OutOfRange("tnt_mass_kg", float("nan"), 0, None, "kg",
                         "give the TNT mass, or the fuel mass and its heat of combustion")
    cube = w ** (1 / 3)
    points = []
    for r in p.distances_m:
        z = r / cube
        try:
            op = side_on_overpressure_kpa(z, p.curve)
        except OutOfRange:
            op = None
        points.append(BlastPoint(distance_m=r, scaled_distance_m_kg13=z, overpressure_kpa=op))
    levels = {}
    for lv in p.levels_kpa:
        z = scaled_distance_for(lv, p.curve)
        levels[f"{lv:g}"] = None if z is None else z * cube
    return TntOut(tnt_mass_kg=w, points=points, level_distances_m=levels)


def _segment(table: tuple[tuple[float, float, float | None], ...], r: float) -> tuple[float, float]:
    for a, b, last in table:
        if last is None or r <= last:
            return a, b
    raise AssertionError("the last segment runs on")


def me_scaled_overpressure(strength: int, r: float) -> float | None:
    """Ps' at Sachs-scaled distance R' on curve ``strength``; None outside 0.1 ≤ R' ≤ 100 or where the fit
    falls below Ps' = 0.001 (the tables' stated floor)."""
    if not ME_R_RANGE[0] <= r <= ME_R_RANGE[1]:
        return None
    a, b = _segment(ME_OVERPRESSURE[strength], r)
    ps = a * r ** b
    return ps if ps >= ME_PS_MIN else None


def me_scaled_duration(strength: int, r: float) -> float | None:
    """t' at R' on curve ``strength``; None outside 0.1 ≤ R' ≤ 100."""
    if not ME_R_RANGE[0] <= r <= ME_R_RANGE[1]:
        return None
    c, d = _segment(ME_DURATION[strength], r)
    return c * r ** d


def me_scaled_distance_for(strength: int, ps: float) -> float | None:
    """The farthest R' at which curve ``strength`` still reaches Ps' = ``ps``; None when the curve does not
    reach it inside R' ≥ 0.1, or when it lies beyond the fits (Ps' < 0.001 or R' > 100). Solved segment by
    segment from the far end; where two printed segments meet with a small step, the crossing is taken
    at the step."""
    if ps < ME_PS_MIN:
        return None
    lo_r = ME_R_RANGE[0]
    bounds = []
    for a, b, last in ME_OVERPRESSURE[strength]:
        hi_r = ME_R_RANGE[1] if last is None else min(last, ME_R_RANGE[1])
        if hi_r > lo_r:
            bounds.append((a, b, lo_r, hi_r))
        lo_r = hi_r
    for a, b, lo, hi in reversed(bounds):
        if a * lo ** b < ps:
            continue  # the level is above this whole segment: nearer in
        if a * hi ** b >= ps:
            return None if hi >= ME_R_RANGE[1] else hi
        return (ps / a) ** (1 / b)  # b < 0 here: a plateau (b = 0) never straddles a level
    return None


class MultiEnergyIn(BaseModel):
    cloud_volume_m3: float | None = Field(None, gt=0, le=1e8, description="volume of the obstructed/congested part "
                                          "of the cloud at stoichiometric concentration, m³ (E = 3.5 MJ/m³ × V)")
    fuel_mass_kg: float | None = Field(None, gt=0, le=1e7, description="flammable mass in the charge, kg "
                                       "(alternative to the volume)")
    heat_of_combustion_mj_kg: float | None = Field(None, gt=5, le=150, description="lower heat of combustion, MJ/kg")
    strength: int = Field(7, ge=1, le=10, description="blast-strength curve number 1-10 (10: detonation); the "
                          "method leaves the choice to judgement of the congestion and ignition")
    ambient_pressure_pa: float = Field(101_325.0, ge=50_000, le=110_000, description="ambient pressure, Pa")
    distances_m: list[float] = Field(default_factory=lambda: [50.0, 100.0, 200.0], description="distances from the "
                                     "charge centre, m")
    levels_kpa: list[float] = Field(default_factory=lambda: [68.9, 20.7, 13.8, 6.9, 2.07],
                                    description="side-on overpressure levels whose distances are wanted, kPa")


class MultiEnergyPoint(BaseModel):
    distance_m: float
    sachs_scaled_distance: float
    inside_charge: bool = Field(description="the point lies inside the hemispherical charge")
    overpressure_kpa: float | None = Field(description="side-on peak overpressure; None outside the fits' range "
                                           "(R' 0.1-100, Ps' ≥ 0.001)")
    positive_phase_s: float | None = Field(description="positive-phase duration t+, s")
    impulse_pa_s: float | None = Field(description="side-on positive impulse Ps·t+/2 (triangular pulse), Pa·s")


class MultiEnergyOut(BaseModel):
    charge_energy_j: float
    sachs_length_m: float = Field(description="(E/p0)^(1/3), m")
    charge_radius_m: float = Field(description="radius of a hemispherical stoichiometric charge of that energy, m")
    source_overpressure_kpa: float = Field(description="initial strength of the chosen curve × p0, kPa: the "
                                           "overpressure inside the charge")
    points: list[MultiEnergyPoint]
    level_distances_m: dict[str, float | None] = Field(description="distance to each overpressure level (None: not "
                                                       "reached, or beyond the fits' range)")
    limitation: str


@register("tno_multi_energy", "TNO multi-energy vapour cloud explosion: charge energy, Sachs-scaled distances, "
          "side-on overpressure, positive phase and impulse of blast strength 1-10, and distances to levels",
          MultiEnergyIn, MultiEnergyOut,
          sources=("van den Berg, J. Hazard. Mater. 12 (1985) 1-10", "TNO Yellow Book CPR 14E, 3rd ed. (2005), §5.5.3",
                   "Johansson M., MSB B02-121 Beräkningsanvisning för last - Gasexplosion i det fria (2013), "
                   "tables 5.2-5.3",
                   "Johansson M., MSB B06-105 Beräkningsstöd - Gasexplosion i det fria (2017), §4.3.2, tables 4.2-4.3"))
def tno_multi_energy(p: MultiEnergyIn) -> MultiEnergyOut:
    if p.cloud_volume_m3 is not None:
        e = ME_ENERGY_DENSITY * p.cloud_volume_m3
    elif p.fuel_mass_kg is not None and p.heat_of_combustion_mj_kg is not None:
        e = p.fuel_mass_kg * p.heat_of_combustion_mj_kg * 1e6
    else:
        raise OutOfRange("cloud_volume_m3", float("nan"), 0, None, "m³",
                         "give the obstructed cloud volume, or the fuel mass and its heat of combustion")
    p0 = p.ambient_pressure_pa
    length = (e / p0) ** (1 / 3)
    radius = (3 * (e / ME_ENERGY_DENSITY) / (2 * math.pi)) ** (1 / 3)
    points = []
    for r in p.distances_m:
        rs = r / length
        ps, ts = me_scaled_overpressure(p.strength, rs), me_scaled_duration(p.strength, rs)
        op = None if ps is None else ps * p0 / 1e3
        dur = None if ps is None or ts is None else ts * length / ME_C0
        points.append(MultiEnergyPoint(distance_m=r, sachs_scaled_distance=rs, inside_charge=r < radius,
                                       overpressure_kpa=op, positive_phase_s=dur,
                                       impulse_pa_s=None if op is None or dur is None else op * 1e3 * dur / 2))
    levels = {}
    for lv in p.levels_kpa:
        rs = me_scaled_distance_for(p.strength, lv * 1e3 / p0)
        levels[f"{lv:g}"] = None if rs is None else rs * length
    return MultiEnergyOut(
        charge_energy_j=e, sachs_length_m=length, charge_radius_m=radius,
        source_overpressure_kpa=ME_STRENGTH[p.strength] * p0 / 1e3, points=points, level_distances_m=levels,
        limitation="Blast curves from MSB's power-law fit (Johansson 2013, 2017) to Gexcon's parametrisation of the "
                   "Yellow Book fig. 5.8 curves, stated to agree within one or a few percent; R' 0.1-100 and "
                   "Ps' ≥ 0.001 only. The result rests on the blast strength chosen, which the method leaves to "
                   "judgement: strengths 6-10 give the same overpressure beyond R' ≈ 2.35.")
