"""The bundled substance table (``substances.yaml``): common chemicals of Chinese chemical parks with
their physical properties, flammability limits and toxic thresholds, every number with its source.
``get("氯气")``, ``get("chlorine")`` or ``get("7782-50-5")`` returns a typed ``Substance``; a value
the table does not have is ``None``, never a default. Unit conversions ppm ↔ mg/m³ are at 25 °C and
1 atm (molar volume 24.45 L/mol), the convention of the AEGL, ERPG and NIOSH tables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, field_validator

from command.dss.registry import register

TABLE = Path(__file__).with_name("substances.yaml")
MOLAR_VOLUME_25C = 24.45  # L/mol of an ideal gas at 25 °C and 101.325 kPa
R = 8.314462618  # J/(mol·K)

# Every numeric property a substance may carry, with its unit in the table.
PROPERTIES: dict[str, str] = {
    "molecular_weight": "g/mol",
    "boiling_point": "K",
    "liquid_density_at_bp": "kg/m3",
    "heat_of_vaporisation_at_bp": "kJ/kg",
    "heat_of_combustion_lhv": "MJ/kg",
    "lfl": "vol%",
    "ufl": "vol%",
    "idlh": "ppm",
    "aegl1_60min": "ppm",
    "aegl2_60min": "ppm",
    "aegl3_60min": "ppm",
    "erpg1": "ppm",
    "erpg2": "ppm",
    "erpg3": "ppm",
}


class Value(BaseModel):
    value: float | None
    unit: str
    source: str | None = None  # a key of the table's ``sources``
    checked: bool | None = None  # compared with a retrieved copy of the source when the table was written
    note: str | None = None


class Substance(BaseModel):
    key: str
    name_zh: str
    name_en: str
    cas: str
    aliases: list[str] = Field(default_factory=list)
    note: str | None = None
    values: dict[str, Value]

    def value(self, prop: str) -> float | None:
        """The number for ``prop`` (a key of PROPERTIES, in its unit there), or None if the table has none."""
        if prop not in PROPERTIES:
            raise KeyError(f"no property {prop!r}; one of {', '.join(PROPERTIES)}")
        v = self.values.get(prop)
        return None if v is None else v.value

    def vapour_density(self, temperature: float = 298.15, pressure: float = 101325.0) -> float | None:
        """Ideal-gas density of the vapour, kg/m³ (None without a molecular weight)."""
        mw = self.value("molecular_weight")
        return None if mw is None else pressure * mw / 1000.0 / (R * temperature)

    def ppm_to_mg_m3(self, ppm: float) -> float:
        return ppm_to_mg_m3(ppm, self._mw())

    def mg_m3_to_ppm(self, mg_m3: float) -> float:
        return mg_m3_to_ppm(mg_m3, self._mw())

    def _mw(self) -> float:
        mw = self.value("molecular_weight")
        if mw is None:
            raise ValueError(f"{self.name_en}: no molecular weight in the table, so no ppm ↔ mg/m³ conversion")
        return mw


def ppm_to_mg_m3(ppm: float, molecular_weight: float) -> float:
    """Volume fraction (ppm) to mass concentration (mg/m³) at 25 °C, 1 atm."""
    return ppm * molecular_weight / MOLAR_VOLUME_25C


def mg_m3_to_ppm(mg_m3: float, molecular_weight: float) -> float:
    return mg_m3 * MOLAR_VOLUME_25C / molecular_weight


@lru_cache(maxsize=1)
def _load() -> tuple[dict[str, str], dict[str, Substance]]:
    raw = yaml.safe_load(TABLE.read_text(encoding="utf-8"))
    out: dict[str, Substance] = {}
    for key, entry in raw["substances"].items():
        values = {p: Value.model_validate(entry[p]) for p in PROPERTIES if p in entry}
        out[key] = Substance(key=key, name_zh=entry["name_zh"], name_en=entry["name_en"], cas=str(entry["cas"]),
                             aliases=[str(a) for a in entry.get("aliases") or []], note=entry.get("note"),
                             values=values)
    return dict(raw["sources"]), out


def sources() -> dict[str, str]:
    return _load()[0]


def all_substances() -> dict[str, Substance]:
    return dict(_load()[1])


def _norm(s: str) -> str:
    return s.strip().lower().replace("_", " ").replace("-", " ")


def get(name_or_cas: str) -> Substance:
    """By key, English or Chinese name, alias or CAS number; KeyError naming what exists otherwise."""
    want = _norm(name_or_cas)
    for s in _load()[1].values():
        names = [s.key, s.name_en, s.name_zh, s.cas, *s.aliases]
        if want in {_norm(n) for n in names}:
            return s
    raise KeyError(f"no substance {name_or_cas!r} in the table; one of "
                   + ", ".join(f"{s.name_en} ({s.cas})" for s in _load()[1].values()))


class SubstanceIn(BaseModel):
    name: str = Field(description="English or Chinese name, alias or CAS number, e.g. chlorine, 氯气, 7782-50-5")

    @field_validator("name")
    @classmethod
    def _known(cls, v: str) -> str:
        try:  # an unknown name is an input error (the CLI prints it), not a crash
            get(v)
        except KeyError as e:
            raise ValueError(e.args[0]) from None
        return v


class SubstanceOut(BaseModel):
    key: str
    name_zh: str
    name_en: str
    cas: str
    note: str | None = None
    values: dict[str, Value] = Field(description="each property with its unit, source and whether it was checked")
    sources: dict[str, str] = Field(description="the full citation of each source used")
    missing: list[str] = Field(description="properties the table leaves out for this substance")
    threshold_units: Literal["ppm"] = "ppm"


@register("substance", "Look up a substance in the bundled table: properties, flammability limits, toxic thresholds, "
                       "each with its source", SubstanceIn, SubstanceOut,
          sources=("command/dss/substances.yaml (sources listed per value)",))
def substance(p: SubstanceIn) -> SubstanceOut:
    s = get(p.name)
    used = {v.source for v in s.values.values() if v.source}
    return SubstanceOut(key=s.key, name_zh=s.name_zh, name_en=s.name_en, cas=s.cas, note=s.note, values=s.values,
                        sources={k: v for k, v in sources().items() if k in used},
                        missing=[k for k in PROPERTIES if s.values.get(k) is None or s.values[k].value is None])
