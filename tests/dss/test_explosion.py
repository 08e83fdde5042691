"""TNT equivalence with the Kingery-Bulmash / Swisdak blast curves, the TNO multi-energy method with
MSB's printed fit of its blast curves, and the zoning thresholds (DSS-2).

No textbook worked example of the Kingery-Bulmash hemispherical fit, nor a multi-energy example with
a printed answer, could be obtained here (docs/decision-support.md); the checks are an independent
published implementation's printed output, the agreement of two fits of the same data, the figures
the MSB guidance prints beside its tables, and scaling invariants."""

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


P0_MSB = 101_300.0  # Pa: the p0 of MSB's dimensionless definitions


def test_multi_energy_tables_as_printed_meet_at_their_breakpoints() -> None:
    # MSB B02-121 tables 5.2 / 5.3 (= B06-105 tables 4.2 / 4.3) give each curve as power laws joined at
    # printed breakpoints. Adjacent printed segments meet to within 1.5 % (strength 9 at R' 0.20: 5 vs
    # 4.93), so a mistyped coefficient would show here as a step.
    for table in (ex.ME_OVERPRESSURE, ex.ME_DURATION):
        assert set(table) == set(range(1, 11))
        for strength, segs in table.items():
            assert segs[-1][2] is None
            for (a, b, last), (a2, b2, _) in zip(segs, segs[1:]):
                assert a2 * last ** b2 == pytest.approx(a * last ** b, rel=0.015), (strength, last)
    # The plateau of curves 1-9 is their source strength (van den Berg 1985), as is table 5.1's maximum.
    for strength in range(1, 10):
        assert ex.ME_OVERPRESSURE[strength][0][:2] == (ex.ME_STRENGTH[strength], 0.0)


def test_multi_energy_against_the_figures_msb_prints() -> None:
    # B06-105 §4.3.2: "for strength 5 the maximum side-on overpressure is Ps+ ≈ 20.3 kPa".
    assert ex.me_scaled_overpressure(5, 0.3) * P0_MSB / 1e3 == pytest.approx(20.3, rel=0.01)
    # B06-105 §5.1: curves 6-10 give the same overpressure beyond R' ≈ 2 and the same duration beyond
    # R' ≈ 10; "for 100 MJ or 1000 MJ the former is r = 20 m and r = 43 m".
    for r in (2.4, 5.0, 20.0):
        assert len({ex.me_scaled_overpressure(s, r) for s in range(6, 11)}) == 1
    assert len({ex.me_scaled_duration(s, 10.6) for s in range(6, 11)}) == 1
    for energy_j, printed_m in ((100e6, 20.0), (1000e6, 43.0)):
        assert 2 * (energy_j / P0_MSB) ** (1 / 3) == pytest.approx(printed_m, rel=0.01)
    # B06-105 §4.3.2: beyond R' 0.9 a strength-7 blast carries the largest impulse, more than strength 10.
    for r in (0.95, 1.5, 3.0, 10.0, 50.0):
        impulse = {s: ex.me_scaled_overpressure(s, r) * ex.me_scaled_duration(s, r) / 2 for s in (7, 10)}
        assert impulse[7] >= impulse[10]


def test_multi_energy_curves_decay_order_and_stop_at_their_range() -> None:
    rs = [0.1 * 1.02 ** i for i in range(350) if 0.1 * 1.02 ** i <= 100]
    for strength in range(1, 11):
        ps = [ex.me_scaled_overpressure(strength, r) for r in rs]
        valid = [p for p in ps if p is not None]
        assert ps[:len(valid)] == valid          # valid from R' 0.1 until the fit's Ps' 0.001 floor, then None
        assert min(valid) >= ex.ME_PS_MIN
        # Non-increasing outward, but for the printed steps where segments meet (≤ 1.5 %).
        assert all(b <= a * 1.015 for a, b in zip(valid, valid[1:])), strength
    # A stronger curve never lies below a weaker one (to the printed steps).
    for r in rs:
        got = [p for p in (ex.me_scaled_overpressure(s, r) for s in range(1, 11)) if p is not None]
        assert all(b >= a * 0.985 for a, b in zip(got, got[1:])), r
    assert ex.me_scaled_overpressure(7, 0.09) is None and ex.me_scaled_overpressure(7, 101) is None
    assert ex.me_scaled_overpressure(1, 10.0) is None   # 0.007 × 10^-0.98 < 0.001: below the tables' floor
    assert ex.me_scaled_duration(7, 100.0) == pytest.approx(0.35 * 100 ** 0.11)   # footnote 1: beyond 10.49


def test_multi_energy_blast_at_distances_and_levels() -> None:
    out = ex.tno_multi_energy(ex.MultiEnergyIn(cloud_volume_m3=2094, strength=7, distances_m=[5, 30, 100],
                                               levels_kpa=[500, 68.9, 6.9, 0.05]))
    near, at30, at100 = out.points
    assert near.inside_charge and not at30.inside_charge
    # R' = 0.72 on curve 7's second segment: Ps' = 0.48 / 0.72; t' = 0.30 × 0.72^0.29.
    assert at30.overpressure_kpa == pytest.approx(0.48 / at30.sachs_scaled_distance * 101.325)
    assert at30.positive_phase_s == pytest.approx(0.30 * at30.sachs_scaled_distance ** 0.29 * out.sachs_length_m / 340.3)
    assert at30.impulse_pa_s == pytest.approx(at30.overpressure_kpa * 1e3 * at30.positive_phase_s / 2)
    assert at100.overpressure_kpa < at30.overpressure_kpa
    lv = out.level_distances_m
    assert lv["500"] is None          # above curve 7's 1 × p0: not reached
    assert lv["0.05"] is None         # Ps' below the fits' 0.001 floor
    for level in (68.9, 6.9):         # each level distance lands back on its level
        r = lv[f"{level:g}"]
        again = ex.tno_multi_energy(ex.MultiEnergyIn(cloud_volume_m3=2094, strength=7, distances_m=[r]))
        assert again.points[0].overpressure_kpa == pytest.approx(level, rel=1e-9)
    # Sachs scaling: 8 × the energy puts each level twice as far.
    big = ex.tno_multi_energy(ex.MultiEnergyIn(cloud_volume_m3=8 * 2094, strength=7, levels_kpa=[68.9, 6.9]))
    assert big.level_distances_m["6.9"] == pytest.approx(2 * lv["6.9"])
    # A plateau level: curve 5 holds 0.2 p0 to R' 0.60, then falls; the level is met at the plateau's end.
    flat = ex.tno_multi_energy(ex.MultiEnergyIn(cloud_volume_m3=1000, strength=5, levels_kpa=[0.2 * 101.325]))
    assert flat.level_distances_m[f"{0.2 * 101.325:g}"] == pytest.approx(0.60 * flat.sachs_length_m, rel=1e-3)
    assert "MSB" in out.limitation


def test_multi_energy_charge_on_the_ccps_1999_problem_statement() -> None:
    # CCPS (1999) multi-energy example as transcribed in github.com/dsagacetamejia/An-lisis-de-consecuencias
    # ("Ejemplo 2.21 completo.ipynb"): 2094 m³ stoichiometric cloud, 3.5 MJ/m³, p0 101 325 Pa, target 30 m.
    # The notebook prints E = 7 329 000 000 J and R' = 0.72 (its author's arithmetic, not the book's answer;
    # its overpressure is its author's reading of the chart, not a printed answer, and is not compared).
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
