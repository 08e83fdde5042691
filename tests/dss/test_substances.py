"""The bundled substance table (command/dss/substances.yaml) and its accessor."""

from __future__ import annotations

import math

import pytest
import yaml
from pydantic import ValidationError

from command.dss import substances as S


def test_table_parses_and_covers_the_park_chemicals() -> None:
    subs = S.all_substances()
    assert 12 <= len(subs) <= 25
    for name in ("chlorine", "ammonia", "hydrogen sulfide", "benzene", "toluene", "methanol", "LPG", "ethylene",
                 "propylene", "hydrogen", "hydrogen chloride", "sulfur dioxide", "carbon monoxide", "acrylonitrile",
                 "ethylene oxide", "vinyl chloride", "gasoline"):
        assert S.get(name)
    cas = [s.cas for s in subs.values()]
    assert len(cas) == len(set(cas))


def test_every_number_has_a_known_source_and_the_tables_unit() -> None:
    raw = yaml.safe_load(S.TABLE.read_text(encoding="utf-8"))
    sources = raw["sources"]
    for key, entry in raw["substances"].items():
        for prop, unit in S.PROPERTIES.items():
            assert prop in entry, f"{key}: {prop} missing (write null rather than leave it out)"
            v = entry[prop]
            assert v["unit"] == unit, f"{key}.{prop}"
            if v["value"] is not None:
                assert isinstance(v["value"], (int, float)) and math.isfinite(v["value"])
                assert v.get("source") in sources, f"{key}.{prop} has no known source"
                assert isinstance(v.get("checked"), bool), f"{key}.{prop}: say whether it was checked"


def test_ppm_mg_m3_round_trip() -> None:
    for s in S.all_substances().values():
        if s.value("molecular_weight") is None:
            with pytest.raises(ValueError):
                s.ppm_to_mg_m3(1.0)
            continue
        for ppm in (0.1, 1.0, 300.0):
            assert s.mg_m3_to_ppm(s.ppm_to_mg_m3(ppm)) == pytest.approx(ppm, rel=1e-12)


def test_conversion_matches_niosh_pocket_guide() -> None:
    # NIOSH Pocket Guide to Chemical Hazards (2005-149), chlorine: "1 ppm = 2.90 mg/m3"
    assert S.get("chlorine").ppm_to_mg_m3(1.0) == pytest.approx(2.90, abs=0.005)


def test_spot_values_against_their_sources() -> None:
    cl2 = S.get("7782-50-5")
    assert cl2.value("idlh") == 10  # NIOSH IDLH documentation, chlorine: revised IDLH 10 ppm
    assert cl2.value("molecular_weight") == pytest.approx(70.906)  # Cl2 from IUPAC atomic weights
    assert cl2.value("boiling_point") == pytest.approx(239.11)  # CRC Handbook: -34.04 °C
    h2s = S.get("硫化氢")
    # AEGL (NRC) 60-min 0.51 / 27 / 50 ppm and AIHA ERPG 0.1 / 30 / 100 ppm
    assert [h2s.value(f"aegl{i}_60min") for i in (1, 2, 3)] == [0.51, 27, 50]
    assert [h2s.value(f"erpg{i}") for i in (1, 2, 3)] == [0.1, 30, 100]
    assert h2s.value("lfl") == 4.0  # IEC 60079-20-1 (and NIOSH IDLH documentation: LEL 4.0 %)
    assert S.get("hydrogen chloride").value("idlh") == 45  # NIOSH 2025 IDLH value profile
    # Perry's 8th ed. liquid density of methane at its boiling point ≈ 422 kg/m³ (LNG)
    assert S.get("LNG").value("liquid_density_at_bp") == pytest.approx(422.5, abs=1)
    assert S.get("hydrogen").value("heat_of_combustion_lhv") == pytest.approx(120.0, rel=0.005)


def test_gaps_are_null_not_guessed() -> None:
    gas = S.get("gasoline")
    assert gas.value("molecular_weight") is None and gas.value("idlh") is None
    assert S.get("chlorine").value("lfl") is None  # non-flammable
    assert S.get("hydrogen").value("aegl2_60min") is None  # no AEGL for a simple asphyxiant


def test_lookup_by_name_alias_and_cas() -> None:
    assert S.get("Chlorine") is S.get("氯气") is S.get("7782-50-5") is S.get("Cl2")
    assert S.get("液化石油气").key == "propane"
    with pytest.raises(KeyError):
        S.get("unobtainium")


def test_vapour_density_is_ideal_gas() -> None:
    # chlorine at 25 °C, 1 atm: 70.906 g/mol / 24.465 L/mol ≈ 2.898 kg/m³
    assert S.get("chlorine").vapour_density() == pytest.approx(2.898, abs=0.002)


def test_substance_model_lists_sources_and_gaps() -> None:
    out = S.substance(S.SubstanceIn(name="ammonia"))
    assert out.values["idlh"].value == 300 and "NIOSH_IDLH" in out.sources
    assert "gasoline" not in out.name_en.lower() and out.missing == []
    assert "molecular_weight" in S.substance(S.SubstanceIn(name="gasoline")).missing
    with pytest.raises(ValidationError):
        S.SubstanceIn(name="unobtainium")
