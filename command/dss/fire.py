"""Fires: pool fire (solid-flame model) and BLEVE fireball.

Pool fire, after the TNO Yellow Book (CPR 14E, 3rd ed. 2005, ch. 6): burning rate (Burgess/Zabetakis
from the heats of combustion and vaporisation, or a measured rate), Thomas flame length (still air,
or with wind via u* = u10/uc), flame tilt (YB 6.68-6.70), surface emissive power (the YB soot-
shielded form, or Mudan's diameter correlation), the view factor of a tilted (or vertical) cylinder
to a ground-level target (Mudan 1984, YB Appendix 6.1), atmospheric transmissivity (Bagster's fit
quoted by the YB, or given), the incident flux q = SEP F tau and the distances to given flux levels.

BLEVE fireball after CCPS (Guidelines for Chemical Process Quantitative Risk Analysis, 2nd ed. 2000):
D = 5.8 M^(1/3), t = 0.45 M^(1/3) (M < 30 t) or 2.6 M^(1/6), centre height 0.75 D, SEP from the
radiated fraction, sphere view factor, flux and distances to levels.

Every function is pure; out-of-range inputs are refused (pydantic bounds, or ``OutOfRange``)."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, Field

from command.dss.registry import register
from command.dss.thresholds import THERMAL_ZONES
from command.dss.validity import OutOfRange, check

G = 9.80665  # m/s², standard gravity (the YB example uses it)
SEP_SOOT = 20e3  # W/m², emissive power of the soot that shields a large hydrocarbon flame (YB 6.71)
BAGSTER_RANGE = (1e4, 1e5)  # N/m, pw·x band in which the YB advises Bagster's fit


# ----------------------------------------------------------------------------- building blocks

def burgess_burning_rate(heat_of_combustion: float, heat_of_vaporisation: float, cp_liquid: float = 0.0,
                         boiling_point_k: float = 0.0, ambient_k: float = 0.0) -> float:
    """Burgess/Zabetakis mass burning flux, kg/(m²·s): m'' = 1e-3 ΔHc / ΔH*, ΔH* = ΔHv + cp (Tb - Ta).

    Heats in J/kg, cp in J/(kg·K). For a liquefied gas boiling below ambient the sensible term is
    dropped (the liquid is already at its boiling point), which is the form CCPS prints."""
    sensible = cp_liquid * max(0.0, boiling_point_k - ambient_k)
    return 1e-3 * heat_of_combustion / (heat_of_vaporisation + sensible)


def thomas_flame_length(diameter: float, burning_flux: float, air_density: float = 1.2,
                        wind_10m: float = 0.0) -> tuple[float, float, float]:
    """Thomas flame length L (m); returns (L, uc, u*). Still air: L/D = 42 (m''/(ρa √(gD)))^0.61.
    With wind (YB 6.12-6.14): L/D = 55 (m''/(ρa √(gD)))^0.67 u*^-0.21, u* = max(1, u10/uc),
    uc = (g m'' D / ρa)^(1/3). Wind 0 selects the still-air form."""
    group = burning_flux / (air_density * math.sqrt(G * diameter))
    uc = (G * burning_flux * diameter / air_density) ** (1 / 3)
    if wind_10m <= 0:
        return diameter * 42 * group ** 0.61, uc, 0.0
    u_star = max(1.0, wind_10m / uc)
    return diameter * 55 * group ** 0.67 * u_star ** -0.21, uc, u_star


def flame_tilt(diameter: float, wind_10m: float, air_kinematic_viscosity: float) -> float:
    """Tilt from vertical (rad), YB 6.68-6.70: tanθ/cosθ = 0.666 Fr^0.333 Re^0.117 with
    Fr = u²/(gD), Re = uD/ν. sinθ solves c cos²θ = sinθ, i.e. c s² + s - c = 0."""
    if wind_10m <= 0:
        return 0.0
    fr = wind_10m ** 2 / (G * diameter)
    re = wind_10m * diameter / air_kinematic_viscosity
    c = 0.666 * fr ** 0.333 * re ** 0.117
    return math.asin((-1 + math.sqrt(1 + 4 * c * c)) / (2 * c))


def sep_soot_shielded(burning_flux: float, heat_of_combustion: float, length_to_diameter: float,
                      radiative_fraction: float = 0.4, soot_fraction: float = 0.8) -> tuple[float, float]:
    """YB 6.19-6.20/6.71: SEPmax = Fs m'' ΔHc / (1 + 4 L/D); SEPact = SEPmax (1 - ξ) + 20 kW/m² ξ.
    Returns (SEPmax, SEPact) in W/m²."""
    sep_max = radiative_fraction * burning_flux * heat_of_combustion / (1 + 4 * length_to_diameter)
    return sep_max, sep_max * (1 - soot_fraction) + SEP_SOOT * soot_fraction


def sep_mudan(diameter: float) -> float:
    """Mudan (1984) for large hydrocarbon pool fires: 140 e^(-0.12 D) + 20 (1 - e^(-0.12 D)) kW/m², in W/m²."""
    e = math.exp(-0.12 * diameter)
    return 140e3 * e + 20e3 * (1 - e)


def cylinder_view_factor(length: float, radius: float, distance: float, tilt: float = 0.0) -> tuple[float, float]:
    """View factors (Fv, Fh) of a tilted cylinder (Mudan 1984; YB eqs 6.A.14-6.A.18 with the square
    roots the printed pdf drops) to a ground-level target at ``distance`` from the pool centre, the
    flame tilted towards the target. a = L/R, b = X/R. θ = 0 reduces to the vertical-cylinder form."""
    a, b = length / radius, distance / radius
    s, c = math.sin(tilt), math.cos(tilt)
    if b <= 1 or 1 + a * s >= b:
        raise OutOfRange("distance", distance, radius * max(1.0, 1 + a * s), None, "m",
                         "the target is under or inside the (tilted) flame; the closed form does not apply")
    big_a = math.sqrt(a * a + (b + 1) ** 2 - 2 * a * (b + 1) * s)
    big_b = math.sqrt(a * a + (b - 1) ** 2 - 2 * a * (b - 1) * s)
    big_c = math.sqrt(1 + (b * b - 1) * c * c)
    d = math.sqrt((b - 1) / (b + 1))
    e = a * c / (b - a * s)
    f = math.sqrt(b * b - 1)
    arcs = math.atan((a * b - f * f * s) / (f * big_c)) + math.atan(f * s / big_c)
    fv = (-e * math.atan(d) + e * (a * a + (b + 1) ** 2 - 2 * b * (1 + a * s)) / (big_a * big_b)
          * math.atan(big_a * d / big_b) + c / big_c * arcs) / math.pi
    fh = (math.atan(1 / d) + s / big_c * arcs
          - (a * a + (b + 1) ** 2 - 2 * (b + 1 + a * b * s)) / (big_a * big_b) * math.atan(big_a * d / big_b)) / math.pi
    return fv, fh


def water_vapour_pressure(ambient_k: float, relative_humidity: float) -> float:
    """Partial pressure of water vapour, Pa: RH × saturation pressure from Antoine's equation for water
    (log10 p[mmHg] = 8.07131 - 1730.63 / (233.426 + t[°C]), valid 1-100 °C)."""
    t = ambient_k - 273.15
    check("ambient temperature", t, 1, 100, "°C", "Antoine constants for water")
    return relative_humidity * 10 ** (8.07131 - 1730.63 / (233.426 + t)) * 133.322


def bagster_transmissivity(vapour_pressure: float, path: float) -> float:
    """τ = 2.02 (pw x)^-0.09 (Bagster 1989, YB eq. 6.29), pw in Pa, x the path from the flame surface (m).
    Refused outside 1e4 < pw x < 1e5 N/m, where the YB advises against the fit (it exceeds 1 below ~2.5e3)."""
    px = vapour_pressure * path
    check("pw·x (Bagster transmissivity)", px, *BAGSTER_RANGE, "N/m",
          "give a transmissivity instead, or a distance inside the fit's band")
    return 2.02 * px ** -0.09


def _distance_to_level(flux, level: float, x_min: float, x_max: float) -> float | None:  # noqa: ANN001
    """Largest distance in [x_min, x_max] where flux(x) ≥ level (flux decays outward): scan a log grid, then
    bisect the last crossing. ``flux`` returns None where a model is out of range; a crossing that falls
    there is not resolved (None), nor is a level never reached. x_max means still above it at x_max."""
    xs = [x_min * (x_max / x_min) ** (i / 200) for i in range(201)]
    qs = [flux(x) for x in xs]
    above = [i for i, q in enumerate(qs) if q is not None and q >= level]
    if not above:
        return None
    last = above[-1]
    if last == len(xs) - 1:
        return x_max
    if qs[last + 1] is None:
        return None
    lo, hi = xs[last], xs[last + 1]
    for _ in range(80):
        mid = math.sqrt(lo * hi)
        q = flux(mid)
        if q is None:
            return None
        lo, hi = (mid, hi) if q >= level else (lo, mid)
    return lo


# ----------------------------------------------------------------------------- pool fire

class PoolFireIn(BaseModel):
    diameter_m: float = Field(gt=0.5, le=100, description="pool (equivalent) diameter, m; Thomas's and Mudan's "
                                                          "correlations were fitted on pools of about 1-80 m")
    burning_rate_kg_m2_s: float | None = Field(None, gt=0, le=0.3, description="measured mass burning flux, kg/(m²·s);"
                                               " if absent it is computed by Burgess from the heats below")
    heat_of_combustion_mj_kg: float = Field(gt=5, le=150, description="lower heat of combustion, MJ/kg")
    heat_of_vaporisation_kj_kg: float | None = Field(None, gt=50, le=3000, description="heat of vaporisation at the "
                                                     "boiling point, kJ/kg (Burgess)")
    cp_liquid_kj_kg_k: float = Field(0.0, ge=0, le=6, description="liquid heat capacity, kJ/(kg·K) (Burgess)")
    boiling_point_k: float = Field(0.0, ge=0, le=700, description="normal boiling point, K (Burgess)")
    ambient_k: float = Field(293.15, ge=233, le=323, description="ambient temperature, K")
    air_density_kg_m3: float = Field(1.2, ge=0.9, le=1.5, description="air density, kg/m³")
    wind_speed_10m_m_s: float = Field(0.0, ge=0, le=20, description="wind at 10 m, m/s (0: still air, no tilt)")
    air_kinematic_viscosity_m2_s: float = Field(1.5e-5, gt=0, le=3e-5, description="air kinematic viscosity, m²/s "
                                                "(tilt only)")
    sep_method: Literal["yellow_book", "mudan"] = Field("yellow_book", description="surface emissive power: YB "
                                                        "soot-shielded form, or Mudan's diameter correlation")
    radiative_fraction: float = Field(0.4, gt=0, le=0.6, description="fraction of combustion heat radiated (YB Fs)")
    soot_fraction: float = Field(0.8, ge=0, le=1, description="fraction of flame surface obscured by soot (YB ξ)")
    distance_m: float = Field(gt=0, le=5000, description="target distance from the pool centre, m")
    transmissivity: float | None = Field(1.0, gt=0, le=1, description="atmospheric transmissivity (default 1: no "
                                         "attenuation, conservative); null: Bagster's fit from the relative humidity")
    relative_humidity: float = Field(0.7, gt=0, le=1, description="relative humidity, fraction (Bagster)")
    levels_kw_m2: list[float] = Field(default_factory=lambda: list(THERMAL_ZONES),
                                      description="radiation levels whose distances are wanted, kW/m²")


class PoolFireOut(BaseModel):
    burning_rate_kg_m2_s: float
    flame_length_m: float
    characteristic_wind_m_s: float
    scaled_wind: float
    tilt_deg: float
    sep_kw_m2: float
    view_factor_vertical: float
    view_factor_horizontal: float
    view_factor_max: float
    transmissivity: float
    flux_kw_m2: float
    level_distances_m: dict[str, float | None] = Field(description="distance from the pool centre to each level "
                                                       "(None: not reached, or outside Bagster's band)")


@register("pool_fire", "Pool fire, solid-flame model: Burgess burning rate, Thomas flame length with wind, tilt, "
          "SEP, tilted-cylinder view factor, transmissivity, flux at a distance and distances to flux levels",
          PoolFireIn, PoolFireOut,
          sources=("TNO Yellow Book CPR 14E, 3rd ed. (2005), ch. 6 (eqs 6.12-6.14, 6.19-6.20, 6.29, 6.68-6.71, "
                   "App. 6.1); worked example 6.6.3",
                   "Mudan, Prog. Energy Combust. Sci. 10 (1984) 59-80", "Thomas (1963); Burgess & Zabetakis (1962)",
                   "Bagster (1989), as quoted by the Yellow Book"))
def pool_fire(p: PoolFireIn) -> PoolFireOut:
    hc = p.heat_of_combustion_mj_kg * 1e6
    if p.burning_rate_kg_m2_s is not None:
        m = p.burning_rate_kg_m2_s
    elif p.heat_of_vaporisation_kj_kg is not None:
        m = burgess_burning_rate(hc, p.heat_of_vaporisation_kj_kg * 1e3, p.cp_liquid_kj_kg_k * 1e3,
                                 p.boiling_point_k, p.ambient_k)
    else:
        raise OutOfRange("burning_rate_kg_m2_s", float("nan"), 0, 0.3, "kg/(m²·s)",
                         "give a measured burning rate, or the heat of vaporisation for Burgess")
    length, uc, u_star = thomas_flame_length(p.diameter_m, m, p.air_density_kg_m3, p.wind_speed_10m_m_s)
    tilt = flame_tilt(p.diameter_m, p.wind_speed_10m_m_s, p.air_kinematic_viscosity_m2_s)
    if p.sep_method == "mudan":
        sep = sep_mudan(p.diameter_m)
    else:
        sep = sep_soot_shielded(m, hc, length / p.diameter_m, p.radiative_fraction, p.soot_fraction)[1]
    radius = p.diameter_m / 2
    pw = None if p.transmissivity is not None else water_vapour_pressure(p.ambient_k, p.relative_humidity)

    def tau(x: float) -> float:
        # Bagster's path runs from the flame surface, hence X - R (YB 6.29).
        return p.transmissivity if pw is None else bagster_transmissivity(pw, x - radius)

    def flux(x: float) -> float | None:  # W/m², or None outside a model's range
        try:
            fv, fh = cylinder_view_factor(length, radius, x, tilt)
            return sep * math.hypot(fv, fh) * tau(x)
        except OutOfRange:
            return None

    fv, fh = cylinder_view_factor(length, radius, p.distance_m, tilt)
    fmax = math.hypot(fv, fh)  # the most exposed target orientation (YB 6.A.18)
    t = tau(p.distance_m)
    x_min = radius * (1 + length / radius * math.sin(tilt)) * 1.0001 + 1e-6
    levels = {f"{lv:g}": _distance_to_level(flux, lv * 1e3, x_min, 5000.0) for lv in p.levels_kw_m2}
    return PoolFireOut(burning_rate_kg_m2_s=m, flame_length_m=length, characteristic_wind_m_s=uc, scaled_wind=u_star,
                       tilt_deg=math.degrees(tilt), sep_kw_m2=sep / 1e3, view_factor_vertical=fv,
                       view_factor_horizontal=fh, view_factor_max=fmax, transmissivity=t,
                       flux_kw_m2=sep * fmax * t / 1e3, level_distances_m=levels)


# ----------------------------------------------------------------------------- BLEVE fireball

def fireball_ccps(mass_kg: float) -> tuple[float, float, float]:
    """CCPS (2000) fireball: (diameter m, duration s, centre height m) = 5.8 M^(1/3), 0.45 M^(1/3) below
    30 000 kg else 2.6 M^(1/6), 0.75 D."""
    d = 5.8 * mass_kg ** (1 / 3)
    t = 0.45 * mass_kg ** (1 / 3) if mass_kg < 30_000 else 2.6 * mass_kg ** (1 / 6)
    return d, t, 0.75 * d


def sphere_view_factor(radius: float, height: float, ground_distance: float,
                       target: Literal["normal", "vertical"] = "normal") -> float:
    """View factor of a sphere (radius R, centre at ``height``) to a small ground-level target at
    ``ground_distance``: (R/L)² facing the centre ('normal', the maximum), times X/L for a vertical target."""
    lsq = ground_distance ** 2 + height ** 2
    if lsq <= radius ** 2:
        raise OutOfRange("distance_m", ground_distance, math.sqrt(max(0.0, radius ** 2 - height ** 2)), None, "m",
                         "the target is inside the fireball")
    f = radius ** 2 / lsq
    return f if target == "normal" else f * ground_distance / math.sqrt(lsq)


class FireballIn(BaseModel):
    mass_kg: float = Field(gt=1, le=5e6, description="flammable mass in the fireball, kg (CCPS correlations were "
                                                     "fitted from grams to hundreds of tonnes)")
    heat_of_combustion_mj_kg: float = Field(gt=5, le=150, description="lower heat of combustion, MJ/kg")
    radiative_fraction: float = Field(0.3, gt=0.1, le=0.4, description="fraction of combustion heat radiated "
                                      "(CCPS: 0.25-0.4; 0.3 below the relief set pressure)")
    sep_kw_m2: float | None = Field(None, gt=50, le=500, description="surface emissive power, kW/m², if given "
                                    "(CCPS suggests ~350 for large hydrocarbon fireballs); else from the radiated fraction")
    centre_height_m: float | None = Field(None, ge=0, description="fireball centre height, m (default 0.75 D, CCPS)")
    target: Literal["normal", "vertical"] = Field("normal", description="target facing the fireball centre "
                                                  "(maximum) or a vertical surface")
    distance_m: float = Field(gt=0, le=10_000, description="ground distance from the point below the centre, m")
    transmissivity: float | None = Field(1.0, gt=0, le=1, description="atmospheric transmissivity (default 1: no "
                                         "attenuation, conservative); null: Bagster's fit from the relative humidity")
    ambient_k: float = Field(293.15, ge=274.15, le=323, description="ambient temperature, K")
    relative_humidity: float = Field(0.7, gt=0, le=1, description="relative humidity, fraction (Bagster)")
    levels_kw_m2: list[float] = Field(default_factory=lambda: list(THERMAL_ZONES),
                                      description="radiation levels whose distances are wanted, kW/m²")


class FireballOut(BaseModel):
    diameter_m: float
    duration_s: float
    centre_height_m: float
    sep_kw_m2: float
    view_factor: float
    transmissivity: float
    flux_kw_m2: float
    dose_kw_m2_4_3_s: float = Field(description="thermal dose (q^(4/3) t) for probit use, (kW/m²)^(4/3)·s")
    level_distances_m: dict[str, float | None]


@register("bleve_fireball", "BLEVE fireball (CCPS): diameter, duration, height, SEP, sphere view factor, flux and "
          "dose at a distance, distances to flux levels", FireballIn, FireballOut,
          sources=("CCPS, Guidelines for Chemical Process Quantitative Risk Analysis, 2nd ed. (2000), §2.2.6",
                   "CCPS, Guidelines for Evaluating the Characteristics of VCEs, Flash Fires and BLEVEs (1994)",
                   "Roberts, Fire Safety J. 4 (1981) 197-212", "Bagster (1989), as quoted by the TNO Yellow Book"))
def bleve_fireball(p: FireballIn) -> FireballOut:
    d, t, h = fireball_ccps(p.mass_kg)
    h = h if p.centre_height_m is None else p.centre_height_m
    r = d / 2
    # SEP: the radiated energy spread over the sphere's surface and the burn time (CCPS 2000).
    sep = p.sep_kw_m2 * 1e3 if p.sep_kw_m2 is not None else (
        p.radiative_fraction * p.mass_kg * p.heat_of_combustion_mj_kg * 1e6 / (math.pi * d * d * t))
    pw = None if p.transmissivity is not None else water_vapour_pressure(p.ambient_k, p.relative_humidity)

    def tau(x: float) -> float:
        return p.transmissivity if pw is None else bagster_transmissivity(pw, math.hypot(x, h) - r)

    def flux(x: float) -> float | None:
        try:
            return sep * sphere_view_factor(r, h, x, p.target) * tau(x)
        except OutOfRange:
            return None

    f = sphere_view_factor(r, h, p.distance_m, p.target)
    tr = tau(p.distance_m)
    q = sep * f * tr / 1e3
    x_min = math.sqrt(max(0.0, r * r - h * h)) + 1e-3
    levels = {f"{lv:g}": _distance_to_level(flux, lv * 1e3, x_min, 10_000.0) for lv in p.levels_kw_m2}
    return FireballOut(diameter_m=d, duration_s=t, centre_height_m=h, sep_kw_m2=sep / 1e3, view_factor=f,
                       transmissivity=tr, flux_kw_m2=q, dose_kw_m2_4_3_s=q ** (4 / 3) * t, level_distances_m=levels)
