"""Dense gas dispersion: the Britter–McQuaid workbook correlations (Britter & McQuaid 1988, *Workbook
on the Dispersion of Dense Gases*, HSE Contract Research Report 17/1988) for a ground-level
continuous release (plume) and an instantaneous release (puff).

The workbook gives its results as nomograms: curves of constant concentration ratio Cm/C0 in the
plane of a buoyancy group α and a distance group β. We use the piecewise-linear equations for those
curves as tabulated in AIChE/CCPS (1999) *Guidelines for Consequence Analysis of Chemical Releases*,
p. 118 (the same digitisation is reproduced in Crowl & Louvar, *Chemical Process Safety*). Between
two tabulated curves β is interpolated linearly in log10(Cm/C0), because the curves are spaced
logarithmically in concentration. Outside the tabulated ratios, outside the plotted α range, or for
a release that is not dense enough, the model refuses (``OutOfRange``) instead of extrapolating.

Only the downwind distance to a given concentration is computed (the workbook's main use); cloud
width and height are left out because the workbook's plume-height formula does not conserve mass
(see the docs fragment)."""

from __future__ import annotations

import math
from typing import Callable

from pydantic import BaseModel, Field

from command.dss.registry import register
from command.dss.validity import OutOfRange

G = 9.81  # m/s²
R = 8.314462618  # J/(mol·K)
M_AIR = 0.028964  # kg/mol, dry air

SOURCES = (
    "Britter R.E., McQuaid J. (1988) Workbook on the Dispersion of Dense Gases, HSE Contract Research Report 17/1988",
    "AIChE/CCPS (1999) Guidelines for Consequence Analysis of Chemical Releases, pp. 118-122 "
    "(curve equations; worked example: Burro LNG release)",
)

# Curve β(α) for each concentration ratio, as (α breakpoints, pieces): piece i applies for
# α ≤ breakpoint[i] (the last piece for α above the last breakpoint). Each piece is (slope, intercept).
_Piecewise = tuple[tuple[float, ...], tuple[tuple[float, float], ...]]

# Continuous release, α = 0.2·log10(g0'²·q0/u⁵), β = log10(x/D), D = (q0/u)^½. CCPS (1999) p. 118.
PLUME_CURVES: dict[float, _Piecewise] = {
    0.10: ((-0.55, -0.14), ((0, 1.75), (0.24, 1.88), (-0.50, 1.78))),
    0.05: ((-0.68, -0.29, -0.18), ((0, 1.92), (0.36, 2.16), (0, 2.06), (-0.56, 1.96))),
    0.02: ((-0.69, -0.31, -0.16), ((0, 2.08), (0.45, 2.39), (0, 2.25), (-0.54, 2.16))),
    0.01: ((-0.70, -0.29, -0.20), ((0, 2.25), (0.49, 2.59), (0, 2.45), (-0.52, 2.35))),
    0.005: ((-0.67, -0.28, -0.15), ((0, 2.40), (0.59, 2.80), (0, 2.63), (-0.48, 2.56))),
    0.002: ((-0.69, -0.25, -0.13), ((0, 2.60), (0.39, 2.87), (0, 2.77), (-0.50, 2.71))),
}

# Instantaneous release, α = 0.5·log10(g0'·V0^⅓/u²), β = log10(x/V0^⅓). CCPS (1999) p. 118.
PUFF_CURVES: dict[float, _Piecewise] = {
    0.10: ((-0.44, 0.43), ((0, 0.70), (0.26, 0.81), (0, 0.93))),
    0.05: ((-0.56, 0.31), ((0, 0.85), (0.26, 1.00), (-0.12, 1.12))),
    0.02: ((-0.66, 0.32), ((0, 0.95), (0.36, 1.19), (-0.26, 1.38))),
    0.01: ((-0.71, 0.37), ((0, 1.15), (0.34, 1.39), (-0.38, 1.66))),
    0.005: ((-0.52, 0.24), ((0, 1.48), (0.26, 1.62), (-0.30, 1.75))),
    0.002: ((0.27,), ((0, 1.83), (-0.32, 1.92))),
    0.001: ((-0.10,), ((0, 2.075), (-0.27, 2.05))),
}

ALPHA_RANGE = (-1.0, 1.0)  # the α span the nomograms are drawn over
CONTINUOUS_CRITERION = 0.15  # (g0'·q0/(u³·D))^⅓ ≥ 0.15: dense enough for the plume correlations
INSTANTANEOUS_CRITERION = 0.20  # (g0'·V0^⅓)^½/u ≥ 0.20: dense enough for the puff correlations
CONTINUOUS_IF = 2.5  # u·Rd/x ≥ 2.5: the release lasts long enough to be treated as a plume
INSTANTANEOUS_IF = 0.6  # u·Rd/x ≤ 0.6: short enough to be treated as a puff


def curve_beta(curve: _Piecewise, alpha: float) -> float:
    breaks, pieces = curve
    for brk, (slope, icpt) in zip(breaks, pieces):
        if alpha <= brk:
            return slope * alpha + icpt
    slope, icpt = pieces[-1]
    return slope * alpha + icpt


def beta_for_ratio(curves: dict[float, _Piecewise], alpha: float, ratio: float) -> float:
    """β at ``alpha`` for concentration ratio ``ratio``, interpolated linearly in log10(ratio)
    between the two tabulated curves that bracket it; outside the tabulated ratios: refuse."""
    lo, hi = min(curves), max(curves)
    if not lo <= ratio <= hi:
        raise OutOfRange("concentration ratio Cm/C0 (after the non-isothermal correction)", ratio, lo, hi,
                         why="the workbook nomogram has no curve beyond this; a passive (Gaussian) model "
                             "applies further downwind")
    ratios = sorted(curves, reverse=True)  # 0.1, 0.05, …
    for c_hi, c_lo in zip(ratios, ratios[1:]):
        if c_lo <= ratio <= c_hi:
            b_hi, b_lo = curve_beta(curves[c_hi], alpha), curve_beta(curves[c_lo], alpha)
            f = math.log10(c_hi / ratio) / math.log10(c_hi / c_lo)
            return b_hi + f * (b_lo - b_hi)
    return curve_beta(curves[ratio], alpha)  # only reached if there is a single curve


def air_density(temperature_k: float, pressure_pa: float) -> float:
    return pressure_pa * M_AIR / (R * temperature_k)


def isothermal_equivalent(c: float, ambient_k: float, release_k: float) -> float:
    """The workbook's non-isothermal correction: the curves are for an isothermal release; a cold
    (or hot) release at concentration c corresponds to the curve value c/(c + (1-c)·Ta/T0)."""
    return c / (c + (1.0 - c) * ambient_k / release_k)


class _Common(BaseModel):
    gas_density: float = Field(gt=0, le=100, description="density of the released gas at release conditions ρ0, kg/m³")
    release_temperature: float = Field(gt=0, le=1000, description="temperature of the released gas T0, K")
    wind_speed_10m: float = Field(gt=0, le=30, description="wind speed at 10 m height u10, m/s")
    concentration: float = Field(gt=0, lt=1, description="concentration of interest Cm (e.g. LFL), volume fraction")
    initial_concentration: float = Field(default=1.0, gt=0, le=1,
                                         description="concentration of the gas as released C0, volume fraction")
    ambient_temperature: float = Field(default=298.15, ge=233.15, le=323.15, description="air temperature Ta, K")
    ambient_pressure: float = Field(default=101325.0, ge=50000, le=110000, description="air pressure, Pa")
    ambient_density: float | None = Field(default=None, gt=0, le=2,
                                          description="air density ρa, kg/m³ (default: ideal gas from Ta and pressure)")
    release_duration: float | None = Field(default=None, gt=0,
                                           description="release duration Rd, s (checks the continuous/instantaneous choice)")


class DenseGasOut(BaseModel):
    distance: float = Field(description="downwind distance at which the maximum ground concentration falls to Cm, m")
    alpha: float = Field(description="workbook abscissa α (dimensionless)")
    beta: float = Field(description="workbook ordinate β = log10(x / length scale)")
    length_scale: float = Field(description="D = (q0/u)^½ (continuous) or V0^⅓ (instantaneous), m")
    reduced_gravity: float = Field(description="g0' = g·(ρ0-ρa)/ρa, m/s²")
    ambient_density: float = Field(description="ρa used, kg/m³")
    density_criterion: float = Field(description="the workbook's dense-gas group for this release (dimensionless)")
    curve_ratio: float = Field(description="Cm/C0 looked up on the curves, after the non-isothermal correction")
    duration_group: float | None = Field(default=None, description="u·Rd/x at the result, if Rd was given")


def _prepare(p: _Common, criterion_name: str, criterion: Callable[[float], float], threshold: float
             ) -> tuple[float, float, float]:
    rho_a = p.ambient_density or air_density(p.ambient_temperature, p.ambient_pressure)
    g0 = G * (p.gas_density - rho_a) / rho_a
    if g0 <= 0:
        raise OutOfRange("gas density ρ0", p.gas_density, rho_a, None, "kg/m³",
                         why="not denser than air: a passive or buoyant (Gaussian) model applies")
    value = criterion(g0)
    if value < threshold:
        raise OutOfRange(criterion_name, value, threshold, None,
                         why="not dense enough for the Britter-McQuaid correlations: a passive (Gaussian) model applies")
    if p.concentration >= p.initial_concentration:
        raise OutOfRange("concentration Cm", p.concentration, None, p.initial_concentration,
                         why="must be below the released concentration C0")
    c_star = isothermal_equivalent(p.concentration, p.ambient_temperature, p.release_temperature)
    return rho_a, g0, c_star / p.initial_concentration


def _check_alpha(alpha: float) -> None:
    if not ALPHA_RANGE[0] <= alpha <= ALPHA_RANGE[1]:
        raise OutOfRange("workbook group α", alpha, *ALPHA_RANGE, why="outside the range the nomograms are drawn over")


class DenseGasContinuousIn(_Common):
    release_rate: float = Field(gt=0, le=1e5, description="volumetric release rate of the gas at release conditions q0, m³/s")


@register("dense_gas_continuous",
          "Britter-McQuaid dense-gas plume: downwind distance to a concentration for a continuous ground-level release",
          DenseGasContinuousIn, DenseGasOut, sources=SOURCES)
def dense_gas_continuous(p: DenseGasContinuousIn) -> DenseGasOut:
    u, q0 = p.wind_speed_10m, p.release_rate
    d = math.sqrt(q0 / u)
    rho_a, g0, ratio = _prepare(p, "continuous dense-gas group (g0'·q0/(u³·D))^⅓",
                                lambda g0: (g0 * q0 / (u ** 3 * d)) ** (1 / 3), CONTINUOUS_CRITERION)
    alpha = 0.2 * math.log10(g0 ** 2 * q0 / u ** 5)
    _check_alpha(alpha)
    beta = beta_for_ratio(PLUME_CURVES, alpha, ratio)
    x = d * 10 ** beta
    group = None
    if p.release_duration is not None:
        group = u * p.release_duration / x
        if group < CONTINUOUS_IF:
            raise OutOfRange("duration group u·Rd/x", group, CONTINUOUS_IF, None,
                             why="release too short to be a plume at this distance; below 0.6 use dense_gas_instantaneous")
    return DenseGasOut(distance=x, alpha=alpha, beta=beta, length_scale=d, reduced_gravity=g0, ambient_density=rho_a,
                       density_criterion=(g0 * q0 / (u ** 3 * d)) ** (1 / 3), curve_ratio=ratio, duration_group=group)


class DenseGasInstantaneousIn(_Common):
    release_volume: float = Field(gt=0, le=1e7, description="initial volume of the released gas cloud V0, m³")


@register("dense_gas_instantaneous",
          "Britter-McQuaid dense-gas puff: downwind distance to a concentration for an instantaneous ground-level release",
          DenseGasInstantaneousIn, DenseGasOut, sources=SOURCES)
def dense_gas_instantaneous(p: DenseGasInstantaneousIn) -> DenseGasOut:
    u, v0 = p.wind_speed_10m, p.release_volume
    scale = v0 ** (1 / 3)
    rho_a, g0, ratio = _prepare(p, "instantaneous dense-gas group (g0'·V0^⅓)^½/u",
                                lambda g0: math.sqrt(g0 * scale) / u, INSTANTANEOUS_CRITERION)
    alpha = 0.5 * math.log10(g0 * scale / u ** 2)
    _check_alpha(alpha)
    beta = beta_for_ratio(PUFF_CURVES, alpha, ratio)
    x = scale * 10 ** beta
    group = None
    if p.release_duration is not None:
        group = u * p.release_duration / x
        if group > INSTANTANEOUS_IF:
            raise OutOfRange("duration group u·Rd/x", group, None, INSTANTANEOUS_IF,
                             why="release too long to be a puff at this distance; above 2.5 use dense_gas_continuous")
    return DenseGasOut(distance=x, alpha=alpha, beta=beta, length_scale=scale, reduced_gravity=g0,
                       ambient_density=rho_a, density_criterion=math.sqrt(g0 * scale) / u, curve_ratio=ratio,
                       duration_group=group)
