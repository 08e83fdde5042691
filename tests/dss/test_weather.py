"""Pasquill–Gifford stability class: the published table cell by cell, the notes (overcast, transition), the
solar-elevation route, and the classes the worked examples of test_plume.py state."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from command.dss import registry
from command.dss.weather import StabilityIn, insolation_from_sun, stability_class

# Pasquill (1961) as printed by NOAA ARL READY (https://www.ready.noaa.gov/READYpgclass.php) and Turner (1970)
# Table 1: (wind m/s, strong, moderate, slight, night > 4/8 cloud, night ≤ 4/8 cloud).
PUBLISHED = [
    (1.5, "A", "A-B", "B", "E", "F"),
    (2.5, "A-B", "B", "C", "E", "F"),
    (4.0, "B", "B-C", "C", "D", "E"),
    (5.5, "C", "C-D", "D", "D", "D"),
    (8.0, "C", "D", "D", "D", "D"),
]


@pytest.mark.parametrize("row", PUBLISHED)
def test_table_cells(row: tuple) -> None:
    u, *cells = row
    for insolation, cell in zip(("strong", "moderate", "slight"), cells[:3]):
        out = stability_class(StabilityIn(wind_speed_10m=u, night=False, insolation=insolation))
        assert out.table_entry == cell
        assert out.stability == max(cell.split("-"))  # spanning cells resolve to the more stable class
    assert stability_class(StabilityIn(wind_speed_10m=u, night=True, cloud_oktas=6)).table_entry == cells[3]
    assert stability_class(StabilityIn(wind_speed_10m=u, night=True, cloud_fraction=0.25)).table_entry == cells[4]


def test_bin_edges_are_lower_inclusive() -> None:
    # "2–3 m/s" starts at 2: 2.0 is in the second row, 6.0 in "> 6"
    assert stability_class(StabilityIn(wind_speed_10m=2.0, night=False, insolation="strong")).table_entry == "A-B"
    assert stability_class(StabilityIn(wind_speed_10m=6.0, night=False, insolation="strong")).table_entry == "C"


def test_overcast_and_transition_are_neutral() -> None:
    for night in (True, False):
        out = stability_class(StabilityIn(wind_speed_10m=1.0, night=night, insolation="strong", cloud_oktas=8))
        assert out.stability == "D"
    assert stability_class(StabilityIn(wind_speed_10m=1.0, transition=True)).stability == "D"


def test_worked_example_classes() -> None:
    # De Visscher (2014) Example 2.1: moderate insolation, 7 m/s → D (see test_plume.py)
    assert stability_class(StabilityIn(wind_speed_10m=7, night=False, insolation="moderate")).stability == "D"
    # Crowl & Louvar (2011) Example 5-1: "overcast day", 6 m/s → D
    assert stability_class(StabilityIn(wind_speed_10m=6, night=False, cloud_oktas=8)).stability == "D"


def test_solar_elevation_route() -> None:
    # Turner (1964) altitude bands, clear sky
    assert insolation_from_sun(65, 0, None) == "strong"
    assert insolation_from_sun(45, 2, None) == "moderate"
    assert insolation_from_sun(20, None, None) == "slight"
    assert insolation_from_sun(10, 0, None) is None  # weak: D
    # > 5/10 cloud: one step down under a high ceiling, two under a low or unknown one
    assert insolation_from_sun(65, 6, 3000) == "moderate"
    assert insolation_from_sun(65, 6, 1000) == "slight"
    assert insolation_from_sun(65, 6, None) == "slight"
    out = stability_class(StabilityIn(wind_speed_10m=2.5, solar_elevation_deg=65, cloud_fraction=0.0))
    assert (out.insolation, out.table_entry, out.stability) == ("strong", "A-B", "B")
    night = stability_class(StabilityIn(wind_speed_10m=2.5, solar_elevation_deg=-10, cloud_oktas=1))
    assert night.night and night.stability == "F"
    low_sun = stability_class(StabilityIn(wind_speed_10m=1.0, solar_elevation_deg=8))
    assert low_sun.stability == "D"


def test_refusals() -> None:
    with pytest.raises(ValidationError):
        StabilityIn(wind_speed_10m=-1, night=True)
    with pytest.raises(ValidationError):
        StabilityIn(wind_speed_10m=3, night=True, cloud_oktas=9)
    with pytest.raises(ValidationError):
        StabilityIn(wind_speed_10m=3, night=True, cloud_oktas=2, cloud_fraction=0.25)
    with pytest.raises(ValidationError):
        StabilityIn(wind_speed_10m=3)  # neither day/night nor sun elevation


def test_registered() -> None:
    out = registry.run("stability_class", {"wind_speed_10m": 4, "night": True, "cloud_oktas": 2})
    assert out.stability == "E"
