"""TNT equivalence with the Kingery-Bulmash / Swisdak blast curves, the TNO multi-energy charge, and
the zoning thresholds.

No textbook worked example of the Kingery-Bulmash hemispherical fit could be obtained here (see
var/dss-docs/fire_explosion.md); the checks are an independent published implementation's printed
output, the agreement of the two fits of the same data, and scaling invariants."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from command.dss import explosion as ex
from command.dss import registry, thresholds
from command.dss.validity import OutOfRange


def test_swisdak_against_an_independent_implementation() -> None:
    # kingery-bulmash 1.0 (PyPI, an implementation of Swisdak 1994), README: 10 000 kg TNT at 500 m prints
    # "Incident Pressure: 5.0549639655028455 kPa". Z = 500 / 10000^(1/3) = 23.21 lies in Swisdak's middle range.
    z = 500 / 10_000 ** (1 / 3)
    assert ex.swisdak_kpa(z) == pytest.approx(5.0549639655028455, rel=1e-9)
    assert ex.kingery_bulmash_kpa(z) == pytest.approx(5.0549639655028455, rel=0.01)


@pytest.mark.parametrize("z", [0.2, 0.5, 1, 2, 2.9, 5, 10, 20, 23.8, 30, 40])
def test_kingery_bulmash_and_swisdak_fits_agree(z: float) -> None:
    # Two published fits of the same Kingery-Bulmash data: they agree to within 1 % on 0.2 ≤ Z ≤ 40.
    assert ex.swisdak_kpa(z) == pytest.approx(ex.kingery_bulmash_kpa(z), rel=0.01)


def test_overpressure_decays_monotonically_on_the_kb_range() -> None:
    zs = [0.0531 * (40 / 0.0531) ** (i / 500) for i in range(501)]
    ps = [ex.kingery_bulmash_kpa(z) for z in zs]
    assert all(a > b for a, b in zip(ps, ps[1:]))


def test_hopkinson_cranz_cube_root_scaling() -> None:
    # Same Z, same overpressure: 10 kg at 20 m and 10 000 kg at 200 m.
    a = ex.tnt_explosion(ex.TntIn(tnt_mass_kg=10, distances_m=[20]))
    b = ex.tnt_explosion(ex.TntIn(tnt_mass_kg=10_000, distances_m=[200]))
    assert a.points[0].scaled_distance_m_kg13 == pytest.approx(b.points[0].scaled_distance_m_kg13)
    assert a.points[0].overpressure_kpa == pytest.approx(b.points[0].overpressure_kpa)
    assert b.level_distances_m["6.9"] == pytest.approx(10 * a.level_distances_m["6.9"], rel=1e-6)


def test_tnt_mass_and_level_round_trip() -> None:
    out = ex.tnt_explosion(ex.TntIn(fuel_mass_kg=1000, heat_of_combustion_mj_kg=46.35, yield_fraction=0.03))
    assert out.tnt_mass_kg == pytest.approx(0.03 * 1000 * 46.35 / 4.68)
    cube = out.tnt_mass_kg ** (1 / 3)
    for level, dist in out.level_distances_m.items():
        assert ex.side_on_overpressure_kpa(dist / cube) == pytest.approx(float(level), rel=1e-6)
    # Energy scaling: doubling the yield doubles W, so each level moves out by 2^(1/3).
    twice = ex.tnt_explosion(ex.TntIn(fuel_mass_kg=1000, heat_of_combustion_mj_kg=46.35, yield_fraction=0.06))
    assert twice.level_distances_m["20.7"] == pytest.approx(2 ** (1 / 3) * out.level_distances_m["20.7"], rel=1e-6)


def test_far_field_uses_swisdak_and_refuses_beyond_it() -> None:
    out = ex.tnt_explosion(ex.TntIn(tnt_mass_kg=1, distances_m=[100, 250], levels_kpa=[1.03, 0.1]))
    assert out.points[0].overpressure_kpa == pytest.approx(ex.swisdak_kpa(100))
    assert out.points[1].overpressure_kpa is None            # Z = 250 > 198.5: not extrapolated
    assert out.level_distances_m["0.1"] is None
    with pytest.raises(OutOfRange, match=r"\[0.0531, 40\]"):
        ex.kingery_bulmash_kpa(60)
    with pytest.raises(OutOfRange):
        ex.tnt_explosion(ex.TntIn(yield_fraction=0.05))     # neither TNT mass nor fuel
    with pytest.raises(ValidationError):
        ex.TntIn(tnt_mass_kg=1, tnt_energy_mj_kg=4686)       # kJ/kg slip refused


def test_multi_energy_charge_and_sachs_scaling() -> None:
    out = ex.tno_multi_energy(ex.MultiEnergyIn(cloud_volume_m3=5000, strength=7, distances_m=[100]))
    assert out.charge_energy_j == pytest.approx(3.5e6 * 5000)
    assert out.sachs_length_m == pytest.approx((3.5e6 * 5000 / 101_325) ** (1 / 3))
    assert out.points[0].sachs_scaled_distance == pytest.approx(100 / out.sachs_length_m)
    assert out.source_overpressure_kpa == pytest.approx(101.325)          # curve 7: 1 × p0
    assert (2 * math.pi / 3) * out.charge_radius_m ** 3 == pytest.approx(5000)
    # Sachs scaling: 8 × the energy at 2 × the distance gives the same scaled distance.
    big = ex.tno_multi_energy(ex.MultiEnergyIn(cloud_volume_m3=40_000, distances_m=[200]))
    assert big.points[0].sachs_scaled_distance == pytest.approx(out.points[0].sachs_scaled_distance)
    assert [ex.ME_STRENGTH[n] for n in range(1, 11)] == [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10]
    with pytest.raises(ValidationError):
        ex.MultiEnergyIn(cloud_volume_m3=1, strength=11)


def test_multi_energy_states_its_limitation_and_gives_no_uncited_decay() -> None:
    # No citable digitisation or fit of the blast-strength curves could be read (docs/decision-support.md,
    # "Search for a citable fit or digitisation"): the model must say so and must not return an
    # overpressure beyond the charge until a cited fit replaces this test.
    out = ex.tno_multi_energy(ex.MultiEnergyIn(cloud_volume_m3=5000, strength=7, distances_m=[100, 500]))
    assert "not computed" in out.limitation and "fig. 5.8" in out.limitation
    assert set(ex.MultiEnergyPoint.model_fields) == {"distance_m", "sachs_scaled_distance"}
    assert [f for f in ex.MultiEnergyOut.model_fields if "overpressure" in f] == ["source_overpressure_kpa"]


def test_multi_energy_charge_on_the_ccps_1999_problem_statement() -> None:
    # CCPS (1999) multi-energy example as transcribed in github.com/dsagacetamejia/An-lisis-de-consecuencias
    # ("Ejemplo 2.21 completo.ipynb"): 2094 m³ stoichiometric cloud, 3.5 MJ/m³, p0 101 325 Pa, target 30 m.
    # The notebook prints E = 7 329 000 000 J and R' = 0.72 (its author's arithmetic, not the book's answer;
    # its overpressure is read off the chart and is not compared).
    out = ex.tno_multi_energy(ex.MultiEnergyIn(cloud_volume_m3=2094, strength=7, distances_m=[30]))
    assert out.charge_energy_j == pytest.approx(7.329e9, rel=1e-9)
    assert round(out.points[0].sachs_scaled_distance, 2) == 0.72


def test_zones_from_a_model() -> None:
    out = ex.tnt_explosion(ex.TntIn(fuel_mass_kg=1000, heat_of_combustion_mj_kg=46.35))
    zs = thresholds.zones(out.level_distances_m, "overpressure")
    assert [z.level for z in zs] == [68.9, 20.7, 6.9, 2.07]
    assert all(z.source for z in zs)
    assert all(a.outer_radius_m < b.outer_radius_m for a, b in zip(zs, zs[1:]))
    assert all(b.inner_radius_m == a.outer_radius_m for a, b in zip(zs, zs[1:]))
    thermal = thresholds.zones({"37.5": None, "12.5": 70.0, "5": 97.0, "1.6": 145.0})
    assert thermal[0].outer_radius_m is None and thermal[1].inner_radius_m == 0.0


def test_models_are_registered() -> None:
    assert {"tnt_explosion", "tno_multi_energy"} <= set(registry.load_all())
