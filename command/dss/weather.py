"""Pasquill–Gifford stability class A–F from the 10 m wind speed, cloud cover and day/night.

The table is Pasquill (1961) as given by Turner (1970, Table 1) and NOAA READY: daytime columns by
incoming solar radiation (insolation: strong / moderate / slight), night-time columns by cloud
cover. Where the insolation is not given it is derived from the solar elevation and the cloud cover
with Turner's (1964) insolation classes (solar altitude > 60°, 35–60°, 15–35°, ≤ 15°) and his
cloud reduction (more than 5/10 cloud lowers the class by two steps under a ceiling below 7000 ft
(2134 m), by one step under a higher ceiling; 8/8 overcast is neutral D). A table cell spanning two
classes ("A-B") is reported as such and resolved to the *more stable* of the two, because the
footprint of a ground-level release grows with stability and an emergency estimate should err long.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from command.dss.registry import register

Stability = Literal["A", "B", "C", "D", "E", "F"]
Insolation = Literal["strong", "moderate", "slight"]

# Rows: upper bound of the 10 m wind speed bin (m/s, exclusive); columns: strong, moderate, slight
# insolation, night with > 4/8 cloud (or thin overcast), night with ≤ 4/8 cloud. Pasquill (1961);
# the night entries below 2 m/s follow NOAA READY's rendering (Turner 1970 leaves them blank).
_TABLE: tuple[tuple[float, tuple[str, str, str, str, str]], ...] = (
    (2.0, ("A", "A-B", "B", "E", "F")),
    (3.0, ("A-B", "B", "C", "E", "F")),
    (5.0, ("B", "B-C", "C", "D", "E")),
    (6.0, ("C", "C-D", "D", "D", "D")),
    (float("inf"), ("C", "D", "D", "D", "D")),
)
_COLUMN = {"strong": 0, "moderate": 1, "slight": 2}
_LEVELS: tuple[Insolation, ...] = ("slight", "moderate", "strong")  # index + 1 = Turner's index 2..4


class StabilityIn(BaseModel):
    wind_speed_10m: float = Field(ge=0, le=60, description="wind speed at 10 m above ground, m/s")
    night: bool | None = Field(None, description="true between 1 h before sunset and 1 h after sunrise "
                                                 "(Pasquill's night); derived from solar_elevation_deg if omitted")
    insolation: Insolation | None = Field(None, description="daytime incoming solar radiation: strong (sunny "
                                                            "midsummer midday), moderate, slight (sunny midwinter "
                                                            "midday); derived from solar_elevation_deg if omitted")
    solar_elevation_deg: float | None = Field(None, ge=-90, le=90,
                                              description="sun's altitude above the horizon, degrees")
    cloud_oktas: float | None = Field(None, ge=0, le=8, description="total cloud cover, oktas (eighths of sky)")
    cloud_fraction: float | None = Field(None, ge=0, le=1, description="total cloud cover as a fraction of sky, 0–1")
    cloud_ceiling_m: float | None = Field(None, ge=0, le=20000, description="height of the cloud base, m "
                                                                           "(only used with > 5/10 daytime cloud; "
                                                                           "if omitted a low ceiling is assumed)")
    transition: bool = Field(False, description="the hour before or after night as defined above: neutral D")

    @model_validator(mode="after")
    def _consistent(self) -> "StabilityIn":
        if self.cloud_oktas is not None and self.cloud_fraction is not None:
            raise ValueError("give cloud cover once: cloud_oktas or cloud_fraction")
        if self.night is None and self.solar_elevation_deg is None and not self.transition:
            raise ValueError("give night (true/false) or solar_elevation_deg")
        return self


class StabilityOut(BaseModel):
    stability: Stability = Field(description="Pasquill–Gifford class used for dispersion "
                                             "(A most unstable … F most stable)")
    table_entry: str = Field(description="the Pasquill table cell, e.g. 'B-C' when it spans two classes")
    night: bool
    insolation: Insolation | None = Field(description="daytime insolation class used "
                                                      "(None at night / overcast / transition)")
    cloud_oktas: float | None
    notes: list[str]


def insolation_from_sun(elevation_deg: float, oktas: float | None, ceiling_m: float | None) -> Insolation | None:
    """Turner (1964): altitude band → insolation; > 5/10 cloud lowers it by 1 (ceiling ≥ 2134 m) or 2 steps.
    None means "weak" (index 1, altitude ≤ 15° or cloud-reduced), which the Pasquill table treats as D."""
    index = 4 if elevation_deg > 60 else 3 if elevation_deg > 35 else 2 if elevation_deg > 15 else 1
    if oktas is not None and oktas > 4.0:  # > 5/10 of the sky
        index -= 1 if (ceiling_m is not None and ceiling_m >= 2134.0) else 2
    return _LEVELS[index - 2] if index >= 2 else None


def _more_stable(entry: str) -> Stability:
    return max(entry.split("-"))  # type: ignore[return-value]  # "A" < "B" < … < "F"


@register("stability_class", "Pasquill–Gifford stability class A–F from 10 m wind, cloud cover and day/night "
          "(or solar elevation)", StabilityIn, StabilityOut,
          sources=("Pasquill F. (1961) The estimation of the dispersion of windborne material. Meteorol. Mag. 90:33–49",
                   "Turner D.B. (1970) Workbook of Atmospheric Dispersion Estimates, US EPA AP-26, Table 1",
                   "Turner D.B. (1964) A diffusion model for an urban area. J. Appl. Meteorol. 3:83–91 "
                   "(insolation from solar altitude and cloud)",
                   "NOAA ARL READY, Pasquill Stability Classes, https://www.ready.noaa.gov/READYpgclass.php"))
def stability_class(p: StabilityIn) -> StabilityOut:
    oktas = p.cloud_oktas if p.cloud_oktas is not None else (None if p.cloud_fraction is None else 8 * p.cloud_fraction)
    night = p.night if p.night is not None else bool(p.solar_elevation_deg is not None and p.solar_elevation_deg <= 0)
    notes: list[str] = []
    row = next(cells for top, cells in _TABLE if p.wind_speed_10m < top)
    insolation: Insolation | None = None
    if p.transition:
        entry = "D"
        notes.append("hour before/after night: neutral D regardless of wind and sky (Pasquill 1961 note)")
    elif oktas is not None and oktas >= 8:
        entry = "D"
        notes.append("overcast (8/8): neutral D day or night (Pasquill 1961 note)")
    elif night:
        # > 4/8 cloud keeps the ground from cooling radiatively: less stable column
        entry = row[3] if oktas is not None and oktas > 4 else row[4]
        if oktas is None:
            notes.append("night without cloud cover given: clear sky (≤ 4/8) assumed, the more stable column")
    else:
        insolation = p.insolation
        if insolation is None:
            if p.solar_elevation_deg is None:
                raise ValueError("daytime: give insolation or solar_elevation_deg")
            insolation = insolation_from_sun(p.solar_elevation_deg, oktas, p.cloud_ceiling_m)
            if oktas is not None and oktas > 4 and p.cloud_ceiling_m is None:
                notes.append("cloud ceiling not given: low ceiling (< 2134 m) assumed, insolation lowered two steps")
        if insolation is None:
            entry = "D"
            notes.append("weak insolation (sun ≤ 15° or cloud-reduced): neutral D (Turner 1964 index 1)")
        else:
            entry = row[_COLUMN[insolation]]
    if "-" in entry:
        notes.append(f"table cell {entry} spans two classes; the more stable one is used "
                     "(longer ground-level footprint)")
    return StabilityOut(stability=_more_stable(entry), table_entry=entry, night=night, insolation=insolation,
                        cloud_oktas=oktas, notes=notes)
