"""Gaussian plume (continuous release) and puff (instantaneous release) for passive, neutrally buoyant gas.

Plume, wind along +x, release at height h, ground reflection by an image source at -h:

    C(x, y, z) = Q / (2π u σy σz) · exp(-y²/2σy²) · [exp(-(z-h)²/2σz²) + exp(-(z+h)²/2σz²)]

σy(x), σz(x) are Briggs' (1973) fits to the Pasquill–Gifford curves, open country and urban, valid
for 100 m ≤ x ≤ 10 km (Hanna, Briggs & Hosker 1982; Griffiths 1994). Puff of mass M whose centre is at
x = u·t:

    C = 2M / ((2π)^{3/2} σx σy σz) · exp(-(x-ut)²/2σx²) · exp(-y²/2σy²) · ½[exp(-(z-h)²/2σz²) + exp(-(z+h)²/2σz²)]

with Slade's (1968) puff coefficients σ = a·(ut)^b as tabulated by CCPS (1999) and Crowl & Louvar, σx = σy.
No mixing-height lid, no deposition, no plume rise: the release height given is the effective height.

``plume_footprint`` evaluates the plume on a grid (numpy, vectorised: σ depends on x only, so the
grid is an outer product of 1-D profiles), contours each threshold with contourpy (installed with
matplotlib) and measures distance and width on a dense 1-D centreline profile, where the contour is
analytic: half-width w(x) = σy·sqrt(2 ln(C(x,0,z)/T)).
"""

from __future__ import annotations

import math
from typing import Literal

import contourpy
import numpy as np
from pydantic import BaseModel, Field, model_validator

from command.dss.registry import register
from command.dss.validity import check
from command.dss.weather import Stability

Terrain = Literal["rural", "urban"]
X_MIN, X_MAX = 100.0, 10_000.0  # m: range of the data Briggs fitted; σ is not extrapolated outside it
R_GAS = 8.314462618  # J/(mol K)
WGS84_A, WGS84_E2 = 6_378_137.0, 6.69437999014e-3  # semi-major axis (m), first eccentricity squared

# Briggs (1973): σ = a·x·(1 + b·x)^c, x in m. Open country per class; urban classes A-B and E-F share fits.
_BRIGGS: dict[Terrain, dict[str, tuple[tuple[float, float, float], tuple[float, float, float]]]] = {
    "rural": {
        "A": ((0.22, 1e-4, -0.5), (0.20, 0.0, 1.0)),
        "B": ((0.16, 1e-4, -0.5), (0.12, 0.0, 1.0)),
        "C": ((0.11, 1e-4, -0.5), (0.08, 2e-4, -0.5)),
        "D": ((0.08, 1e-4, -0.5), (0.06, 1.5e-3, -0.5)),
        "E": ((0.06, 1e-4, -0.5), (0.03, 3e-4, -1.0)),
        "F": ((0.04, 1e-4, -0.5), (0.016, 3e-4, -1.0)),
    },
    "urban": {
        "A": ((0.32, 4e-4, -0.5), (0.24, 1e-3, 0.5)),
        "B": ((0.32, 4e-4, -0.5), (0.24, 1e-3, 0.5)),
        "C": ((0.22, 4e-4, -0.5), (0.20, 0.0, 1.0)),
        "D": ((0.16, 4e-4, -0.5), (0.14, 3e-4, -0.5)),
        "E": ((0.11, 4e-4, -0.5), (0.08, 1.5e-3, -0.5)),
        "F": ((0.11, 4e-4, -0.5), (0.08, 1.5e-3, -0.5)),
    },
}
# Slade (1968) instantaneous-puff coefficients, σy = σx = a·x^b, σz = c·x^d, x = distance of the puff centre, m.
_PUFF: dict[str, tuple[float, float, float, float]] = {
    "A": (0.18, 0.92, 0.60, 0.75), "B": (0.14, 0.92, 0.53, 0.73), "C": (0.10, 0.92, 0.34, 0.71),
    "D": (0.06, 0.92, 0.15, 0.70), "E": (0.04, 0.92, 0.10, 0.65), "F": (0.02, 0.89, 0.05, 0.61),
}

BRIGGS_SOURCES = (
    "Briggs G.A. (1973) Diffusion estimation for small emissions, ATDL contribution 79, NOAA (σy, σz fits)",
    "Hanna S.R., Briggs G.A., Hosker R.P. (1982) Handbook on Atmospheric Diffusion, DOE/TIC-11223, Table 4.5",
    "Griffiths R.F. (1994) Errors in the use of the Briggs parameterization for atmospheric dispersion "
    "coefficients. Atmos. Environ. 28:2861–2865",
    "Crowl D.A., Louvar J.F. (2011) Chemical Process Safety, 3rd ed., ch. 5, Example 5-1 (worked example)",
    "De Visscher A. (2014) Air Dispersion Modeling: Foundations and Applications, Wiley, Example 2.1 (worked example)",
)


def briggs_sigmas(x: np.ndarray | float, stability: str, terrain: Terrain = "rural") -> tuple[np.ndarray, np.ndarray]:
    """σy, σz (m) at downwind distance(s) x (m). Vectorised; no range check (callers check or clip)."""
    x = np.asarray(x, dtype=float)
    (ay, by, cy), (az, bz, cz) = _BRIGGS[terrain][stability]
    return ay * x * (1 + by * x) ** cy, az * x * (1 + bz * x) ** cz


def puff_sigmas(distance: float, stability: str) -> tuple[float, float, float]:
    a, b, c, d = _PUFF[stability]
    sy = a * distance ** b
    return sy, sy, c * distance ** d


def plume_concentration(q_kg_s: float, u: float, h: float, x: np.ndarray | float, y: np.ndarray | float,
                        z: np.ndarray | float, sy: np.ndarray | float, sz: np.ndarray | float) -> np.ndarray:
    """Ground-reflected Gaussian plume, kg/m³; all arrays broadcast together."""
    y, z, sy, sz = (np.asarray(a, dtype=float) for a in (y, z, sy, sz))
    vertical = np.exp(-0.5 * ((z - h) / sz) ** 2) + np.exp(-0.5 * ((z + h) / sz) ** 2)
    return q_kg_s / (2 * np.pi * u * sy * sz) * np.exp(-0.5 * (y / sy) ** 2) * vertical


def puff_concentration(m_kg: float, h: float, dx: np.ndarray | float, y: np.ndarray | float, z: np.ndarray | float,
                       sx: float, sy: float, sz: float) -> np.ndarray:
    """Ground-reflected Gaussian puff, kg/m³; dx = x − u·t, distance from the puff centre along the wind."""
    dx, y, z = (np.asarray(a, dtype=float) for a in (dx, y, z))
    vertical = np.exp(-0.5 * ((z - h) / sz) ** 2) + np.exp(-0.5 * ((z + h) / sz) ** 2)
    return (m_kg / ((2 * np.pi) ** 1.5 * sx * sy * sz) * np.exp(-0.5 * (dx / sx) ** 2)
            * np.exp(-0.5 * (y / sy) ** 2) * vertical)


def wgs84_radii(lat_deg: float) -> tuple[float, float]:
    """Meridional (M) and prime-vertical (N) radii of curvature of the WGS-84 ellipsoid at lat_deg, m.
    A mean-sphere radius would put points 0.3–0.7 % off in distance; these are exact locally."""
    s2 = math.sin(math.radians(lat_deg)) ** 2
    w = 1.0 - WGS84_E2 * s2
    return WGS84_A * (1.0 - WGS84_E2) / w ** 1.5, WGS84_A / math.sqrt(w)


def local_to_lonlat(xy: np.ndarray, source_lon: float, source_lat: float, wind_from_deg: float) -> np.ndarray:
    """Local plume metres (x downwind, y to the left of the wind) → lon/lat, degrees.

    The wind comes FROM ``wind_from_deg`` (meteorological, clockwise from north), so +x points to the
    bearing wind_from + 180°. Local plane with the ellipsoid's radii at the source; the east offset uses the
    segment's mean latitude. Within the ≤ 10 km the plume covers the position is within ~15 m (at 60° N;
    less further south) of the geodesic one — far inside the plume model's own uncertainty. The result is
    in whatever datum the source position is given in (WGS-84, or GCJ-02 on Chinese base maps)."""
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    b = math.radians(wind_from_deg + 180.0)
    east = xy[:, 0] * math.sin(b) - xy[:, 1] * math.cos(b)
    north = xy[:, 0] * math.cos(b) + xy[:, 1] * math.sin(b)
    m, n = wgs84_radii(source_lat)
    lat = source_lat + np.degrees(north / m)
    lon = source_lon + np.degrees(east / (n * np.cos(np.radians(0.5 * (source_lat + lat)))))
    return np.column_stack([lon, lat])


# --------------------------------------------------------------------------------------------- models

class _Release(BaseModel):
    wind_speed: float = Field(ge=1.0, le=30.0, description="mean wind speed at the release height, m/s (the plume "
                                                           "equation neglects along-wind diffusion, which dominates "
                                                           "in calm air; 1 m/s is our floor)")
    stability: Stability = Field(description="Pasquill–Gifford class A–F (see stability_class)")
    release_height_m: float = Field(0.0, ge=0, le=500, description="effective release height above ground, m (no "
                                                                    "mixing-height lid is modelled; 500 m is our cap)")


class PlumeIn(_Release):
    release_rate_kg_s: float = Field(gt=0, le=1e4, description="continuous release rate, kg/s")
    terrain: Terrain = Field("rural", description="Briggs fit: rural (open country) or urban")
    x_m: float = Field(gt=0, le=X_MAX, description="downwind distance, m (Briggs σ: 100 m–10 km)")
    y_m: float = Field(0.0, ge=-X_MAX, le=X_MAX, description="crosswind distance from the centreline, m")
    z_m: float = Field(0.0, ge=0, le=2000, description="receptor height above ground, m")
    sigma_y_m: float | None = Field(None, gt=0, description="crosswind σy, m: overrides Briggs (e.g. read off a chart)")
    sigma_z_m: float | None = Field(None, gt=0, description="vertical σz, m: overrides Briggs")

    @model_validator(mode="after")
    def _pair(self) -> "PlumeIn":
        if (self.sigma_y_m is None) != (self.sigma_z_m is None):
            raise ValueError("give both sigma_y_m and sigma_z_m, or neither")
        return self


class PlumeOut(BaseModel):
    concentration_mg_m3: float = Field(description="time-mean (≈10 min) concentration at (x, y, z), mg/m³")
    centreline_ground_mg_m3: float = Field(description="at (x, 0, 0), mg/m³")
    sigma_y_m: float
    sigma_z_m: float


def _sigmas(p: PlumeIn) -> tuple[float, float]:
    if p.sigma_y_m is not None and p.sigma_z_m is not None:
        return p.sigma_y_m, p.sigma_z_m
    check("x_m", p.x_m, X_MIN, X_MAX, "m", "Briggs σy/σz fits")
    sy, sz = briggs_sigmas(p.x_m, p.stability, p.terrain)
    return float(sy), float(sz)


@register("gaussian_plume", "Continuous point release: Gaussian plume with ground reflection, Briggs rural/urban σ; "
          "concentration at a point", PlumeIn, PlumeOut, sources=BRIGGS_SOURCES)
def gaussian_plume(p: PlumeIn) -> PlumeOut:
    sy, sz = _sigmas(p)
    c = plume_concentration(p.release_rate_kg_s, p.wind_speed, p.release_height_m, p.x_m, p.y_m, p.z_m, sy, sz)
    c0 = plume_concentration(p.release_rate_kg_s, p.wind_speed, p.release_height_m, p.x_m, 0.0, 0.0, sy, sz)
    return PlumeOut(concentration_mg_m3=float(c) * 1e6, centreline_ground_mg_m3=float(c0) * 1e6,
                    sigma_y_m=sy, sigma_z_m=sz)


class PuffIn(_Release):
    mass_kg: float = Field(gt=0, le=1e6, description="mass released instantaneously, kg")
    time_s: float = Field(gt=0, le=86_400, description="time since the release, s (puff centre at x = u·t)")
    x_m: float = Field(ge=0, le=X_MAX + 5_000, description="downwind distance of the receptor, m")
    y_m: float = Field(0.0, ge=-X_MAX, le=X_MAX, description="crosswind distance, m")
    z_m: float = Field(0.0, ge=0, le=2000, description="receptor height above ground, m")
    sigma_x_m: float | None = Field(None, gt=0, description="along-wind σx, m: overrides Slade's coefficients")
    sigma_y_m: float | None = Field(None, gt=0, description="crosswind σy, m: overrides")
    sigma_z_m: float | None = Field(None, gt=0, description="vertical σz, m: overrides")

    @model_validator(mode="after")
    def _all_or_none(self) -> "PuffIn":
        given = [s is not None for s in (self.sigma_x_m, self.sigma_y_m, self.sigma_z_m)]
        if any(given) and not all(given):
            raise ValueError("give all of sigma_x_m, sigma_y_m, sigma_z_m, or none")
        return self


class PuffOut(BaseModel):
    concentration_mg_m3: float = Field(description="concentration at (x, y, z) at time t, mg/m³")
    centre_x_m: float = Field(description="downwind position of the puff centre, u·t, m")
    centre_ground_mg_m3: float = Field(description="at the puff centre on the ground, mg/m³")
    sigma_x_m: float
    sigma_y_m: float
    sigma_z_m: float


@register("gaussian_puff", "Instantaneous point release: Gaussian puff with ground reflection, Slade puff σ; "
          "concentration at a point and time", PuffIn, PuffOut,
          sources=("Slade D.H. (ed.) (1968) Meteorology and Atomic Energy, USAEC TID-24190 (puff σ)",
                   "AIChE/CCPS (1999) Guidelines for Consequence Analysis of Chemical Releases, §2.3 (puff equation "
                   "and coefficient table)",
                   "Crowl D.A., Louvar J.F. (2011) Chemical Process Safety, 3rd ed., ch. 5 (puff σ table)"))
def gaussian_puff(p: PuffIn) -> PuffOut:
    centre = p.wind_speed * p.time_s
    if p.sigma_x_m is not None and p.sigma_y_m is not None and p.sigma_z_m is not None:
        sx, sy, sz = p.sigma_x_m, p.sigma_y_m, p.sigma_z_m
    else:
        check("puff centre distance u·t", centre, X_MIN, X_MAX, "m",
              "puff σ coefficients, same range as the plume fits")
        sx, sy, sz = puff_sigmas(centre, p.stability)
    c = puff_concentration(p.mass_kg, p.release_height_m, p.x_m - centre, p.y_m, p.z_m, sx, sy, sz)
    c0 = puff_concentration(p.mass_kg, p.release_height_m, 0.0, 0.0, 0.0, sx, sy, sz)
    return PuffOut(concentration_mg_m3=float(c) * 1e6, centre_x_m=centre, centre_ground_mg_m3=float(c0) * 1e6,
                   sigma_x_m=sx, sigma_y_m=sy, sigma_z_m=sz)


class Threshold(BaseModel):
    name: str = Field(description="e.g. 'AEGL-2 (60 min)', 'ERPG-2', 'IDLH'")
    value: float = Field(gt=0, description="concentration threshold in the unit below")
    unit: Literal["mg/m3", "ppm"] = "mg/m3"


class FootprintIn(_Release):
    release_rate_kg_s: float = Field(gt=0, le=1e4, description="continuous release rate, kg/s")
    terrain: Terrain = Field("rural", description="Briggs fit: rural (open country) or urban")
    thresholds: list[Threshold] = Field(min_length=1, max_length=12, description="levels to contour (AEGL/ERPG/IDLH …)")
    molar_mass_g_mol: float | None = Field(None, gt=1, le=1000, description="needed for thresholds in ppm, g/mol")
    air_temperature_k: float = Field(298.15, ge=223, le=323, description="for ppm ↔ mg/m³, K")
    air_pressure_pa: float = Field(101_325, ge=50_000, le=110_000, description="for ppm ↔ mg/m³, Pa")
    receptor_height_m: float = Field(0.0, ge=0, le=100, description="height of the footprint plane, m")
    grid_n: int = Field(500, ge=50, le=2000, description="grid points along each axis")
    source_lon: float | None = Field(None, ge=-180, le=180, description="release longitude, degrees")
    source_lat: float | None = Field(None, ge=-85, le=85, description="release latitude, degrees")
    wind_from_deg: float | None = Field(None, ge=0, le=360, description="direction the wind blows FROM, degrees "
                                                                        "clockwise from north")

    @model_validator(mode="after")
    def _consistent(self) -> "FootprintIn":
        if any(t.unit == "ppm" for t in self.thresholds) and self.molar_mass_g_mol is None:
            raise ValueError("thresholds in ppm need molar_mass_g_mol")
        geo = [v is not None for v in (self.source_lon, self.source_lat, self.wind_from_deg)]
        if any(geo) and not all(geo):
            raise ValueError("give source_lon, source_lat and wind_from_deg together, or none")
        return self


class Contour(BaseModel):
    name: str
    threshold_mg_m3: float
    downwind_distance_m: float | None = Field(description="farthest downwind point above the threshold, m (None: "
                                                          "never reached between 100 m and 10 km)")
    nearest_distance_m: float | None = Field(description="nearest point above it, m "
                                                         "(100 = reached at the near-field edge)")
    max_width_m: float = Field(description="largest crosswind width of the area above the threshold, m")
    at_distance_m: float | None = Field(description="where that width occurs, m")
    area_m2: float = Field(description="area of the polygons, m²")
    from_near_field: bool = Field(description="above the threshold already at 100 m: the area continues, unmodelled, "
                                              "to the source")
    beyond_range: bool = Field(description="still above the threshold at 10 km: distance is a lower bound")
    polygons: list[list[list[list[float]]]] = Field(description="per polygon, its rings (outer first, then holes) "
                                                                "as [x, y] local metres, wind along +x")
    polygons_lonlat: list[list[list[list[float]]]] | None = Field(None, description="same rings as [lon, lat]")


class FootprintOut(BaseModel):
    contours: list[Contour]
    grid_x_m: tuple[float, float, int] = Field(description="grid x start, end, points")
    grid_y_m: tuple[float, float, int] = Field(description="grid y start, end, points")
    near_field_m: float = Field(X_MIN, description="within this distance of the source σ is not modelled")


def _to_mg_m3(t: Threshold, p: FootprintIn) -> float:
    if t.unit == "mg/m3":
        return t.value
    molar_volume_l = R_GAS * p.air_temperature_k / p.air_pressure_pa * 1000.0  # L/mol
    return t.value * (p.molar_mass_g_mol or 0.0) / molar_volume_l


def _profile(threshold_mg: float, x: np.ndarray, c0: np.ndarray, sy: np.ndarray) -> dict:
    """Distance and width from the dense 1-D centreline profile (analytic contour)."""
    above = c0 >= threshold_mg
    if not above.any():
        return dict(downwind_distance_m=None, nearest_distance_m=None, max_width_m=0.0, at_distance_m=None,
                    from_near_field=False, beyond_range=False)
    idx = np.flatnonzero(above)
    far, near = idx[-1], idx[0]

    def crossing(i: int, j: int) -> float:  # log-linear interpolation of C = T between samples i and j
        # a tall stack's ground concentration underflows to exactly 0 near the source: floor it before the log
        li, lj = math.log(max(c0[i], 1e-300)), math.log(max(c0[j], 1e-300))
        f = (math.log(threshold_mg) - li) / (lj - li) if lj != li else 0.0
        return float(x[i] + f * (x[j] - x[i]))

    half = sy[idx] * np.sqrt(2.0 * np.log(c0[idx] / threshold_mg))
    k = int(np.argmax(half))
    return dict(downwind_distance_m=crossing(far, far + 1) if far + 1 < len(x) else float(x[-1]),
                nearest_distance_m=crossing(near - 1, near) if near > 0 else float(x[0]),
                max_width_m=float(2 * half[k]), at_distance_m=float(x[idx[k]]),
                from_near_field=bool(near == 0), beyond_range=bool(far == len(x) - 1))


@register("plume_footprint", "Continuous release: areas above each threshold (AEGL/ERPG/IDLH) on a grid, with "
          "downwind distance, max width and polygons in local metres and lon/lat", FootprintIn, FootprintOut,
          sources=BRIGGS_SOURCES)
def plume_footprint(p: FootprintIn) -> FootprintOut:
    q_mg = p.release_rate_kg_s * 1e6  # mg/s, so concentrations come out in mg/m³
    h, zr = p.release_height_m, p.receptor_height_m
    levels = [(t.name, _to_mg_m3(t, p)) for t in p.thresholds]

    # 1) dense centreline profile over the valid range: distances, widths, and the grid's extent
    xs = np.geomspace(X_MIN, X_MAX, 4000)
    sy1, sz1 = briggs_sigmas(xs, p.stability, p.terrain)
    c0 = plume_concentration(q_mg, p.wind_speed, h, xs, 0.0, zr, sy1, sz1)
    profiles = [_profile(t, xs, c0, sy1) for _, t in levels]
    reach = max((pr["downwind_distance_m"] or 0.0) for pr in profiles)
    half_w = max(pr["max_width_m"] for pr in profiles) / 2
    x_end = min(X_MAX, max(2 * X_MIN, 1.1 * reach))
    y_end = max(10.0, 1.2 * half_w)

    # 2) grid: σ depends on x only, so each column is one 1-D Gaussian in y (outer product)
    n = p.grid_n
    gx = np.linspace(X_MIN, x_end, n)
    gy = np.linspace(-y_end, y_end, n)
    sy, sz = briggs_sigmas(gx, p.stability, p.terrain)
    col = plume_concentration(q_mg, p.wind_speed, h, gx, 0.0, zr, sy, sz)  # centreline, shape (n,)
    grid = col[None, :] * np.exp(-0.5 * (gy[:, None] / sy[None, :]) ** 2)  # rows = y, columns = x

    gen = contourpy.contour_generator(gx, gy, grid, fill_type=contourpy.FillType.OuterOffset)
    contours: list[Contour] = []
    for (name, t_mg), prof in zip(levels, profiles):
        polys: list[list[list[list[float]]]] = []
        area = 0.0
        if prof["downwind_distance_m"] is not None:
            points, offsets = gen.filled(t_mg, np.inf)
            for pts, offs in zip(points, offsets):
                rings = [pts[a:b] for a, b in zip(offs[:-1], offs[1:])]
                area += _ring_area(rings[0]) - sum(_ring_area(r) for r in rings[1:])
                polys.append([np.round(r, 2).tolist() for r in rings])
        lonlat = None
        if p.source_lon is not None and p.source_lat is not None and p.wind_from_deg is not None:
            lonlat = [[np.round(local_to_lonlat(np.asarray(r), p.source_lon, p.source_lat, p.wind_from_deg), 7).tolist()
                       for r in poly] for poly in polys]
        contours.append(Contour(name=name, threshold_mg_m3=t_mg, area_m2=area, polygons=polys,
                                polygons_lonlat=lonlat, **prof))
    return FootprintOut(contours=contours, grid_x_m=(float(gx[0]), float(gx[-1]), n),
                        grid_y_m=(float(gy[0]), float(gy[-1]), n))


def _ring_area(ring: np.ndarray) -> float:
    """Shoelace area, m² (absolute: contourpy orients outer rings and holes oppositely)."""
    x, y = ring[:, 0], ring[:, 1]
    return abs(0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))

