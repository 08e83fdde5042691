"""Consequence-model runs for an incident or on their own (DSS-1..3): the wind inputs filled from the
weather (given by hand, or the station's latest reading), the release point from the incident's
location when not given, the zones drawn on the park map with what lies inside them, and a record
of everything that went in: the model's complete inputs, the weather values used and where they came
from, the model, ``watchpost`` and substance-table versions, and the time it took. Re-running a
record runs the model on its stored inputs: the same inputs and versions give the same result
(``reproduced``).

Functions flush in the caller's transaction; the API commits."""

from __future__ import annotations

import hashlib
import json
import math
import time
from datetime import datetime
from functools import lru_cache
from typing import Annotated, Any, Literal

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from command.db.models.dss import Simulation
from command.db.models.incidents import Incident
from command.dss import registry
from command.dss import substances as subst
from command.dss.validity import OutOfRange
from command.errors import Conflict, NotFound
from command.services import audit, incidents, weather_feed, zones
from command.state import ServiceState
from watchpost import __version__
from watchpost.config import Dss
from watchpost.fields import Id, Instant, JsonObject, Text

ModelName = Literal[tuple(registry.load_all())]  # type: ignore[valid-type]
Stability = Literal["A", "B", "C", "D", "E", "F"]

# Keys a run's params may carry beside the model's inputs: the release point, and the substance whose
# thresholds filled a toxic footprint. They are stored with the inputs and set aside again on a re-run.
RESERVED = ("lon", "lat", "substance")

# The model inputs each weather value fills: {model: {input: weather key}}. Temperatures are in K.
WIND_INPUTS: dict[str, dict[str, str]] = {
    "plume_footprint": {"wind_speed": "wind_speed_m_s", "wind_from_deg": "wind_from_deg", "stability": "stability",
                        "air_temperature_k": "temperature_k"},
    "gaussian_plume": {"wind_speed": "wind_speed_m_s", "stability": "stability"},
    "gaussian_puff": {"wind_speed": "wind_speed_m_s", "stability": "stability"},
    "dense_gas_continuous": {"wind_speed_10m": "wind_speed_m_s", "ambient_temperature": "temperature_k"},
    "dense_gas_instantaneous": {"wind_speed_10m": "wind_speed_m_s", "ambient_temperature": "temperature_k"},
    "pool_fire": {"wind_speed_10m_m_s": "wind_speed_m_s", "ambient_k": "temperature_k"},
    "bleve_fireball": {"ambient_k": "temperature_k"},
    "stability_class": {"wind_speed_10m": "wind_speed_m_s", "cloud_oktas": "cloud_oktas"},
}


class ManualWeather(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: Literal["manual"]
    wind_speed_m_s: float = Field(ge=0, le=60, allow_inf_nan=False, description="mean wind speed, m/s")
    wind_from_deg: float = Field(ge=0, le=360, allow_inf_nan=False, description="direction the wind blows FROM, "
                                                                                "degrees clockwise from north")
    stability: Stability | None = Field(None, description="Pasquill-Gifford class; derived (stability_class) "
                                                          "from wind, cloud and the sun's elevation if omitted")
    temperature_c: float | None = Field(None, ge=-60, le=60, allow_inf_nan=False, description="air temperature, °C")
    cloud_oktas: float | None = Field(None, ge=0, le=8, allow_inf_nan=False, description="cloud cover, oktas")
    observed_at: Instant | None = Field(None, description="when these values were observed (default: now)")


class StationWeather(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: Literal["station"]


WeatherIn = Annotated[ManualWeather | StationWeather, Field(discriminator="source")]


class SimulationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    incident_id: Id | None = None
    model: ModelName = Field(description="a registered model (GET /api/dss/models)")
    params: JsonObject = Field(default_factory=dict, description="the model's inputs (GET /api/dss/models), plus "
                               "lon/lat of the release point (default: the incident's location)")
    weather: WeatherIn | None = Field(None, description="fills the model's wind inputs; omitted: the params' own "
                                      "values, else the station's latest reading when one is configured")
    substance: Text | None = Field(None, max_length=100, description="plume_footprint: thresholds (AEGL-3/2/1, "
                                   "else ERPG) and molar mass from the substance table when params leave them out")


# --------------------------------------------------------------------------------------------- helpers

def _refuse(loc: tuple, msg: str, kind: str = "value_error") -> RequestValidationError:
    return RequestValidationError([{"loc": ("body", *loc), "msg": msg, "type": kind}])


@lru_cache(maxsize=4)
def _file_sha256(path: str, _mtime: float) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def versions(model: str) -> dict:
    table = subst.TABLE
    return {"model": model, "watchpost": __version__,
            "substances": "sha256:" + _file_sha256(str(table), table.stat().st_mtime)}


def solar_elevation_deg(at: datetime, lon: float, lat: float) -> float:
    """The sun's elevation above the horizon, degrees (NOAA's general solar position equations after
    Spencer 1971; within about 0.5°, ample for Turner's insolation bands)."""
    at = at.astimezone() if at.tzinfo is None else at
    utc = at.utctimetuple()
    hour = utc.tm_hour + utc.tm_min / 60 + utc.tm_sec / 3600
    g = 2 * math.pi / 365 * (utc.tm_yday - 1 + (hour - 12) / 24)
    eqtime = 229.18 * (0.000075 + 0.001868 * math.cos(g) - 0.032077 * math.sin(g) - 0.014615 * math.cos(2 * g)
                       - 0.040849 * math.sin(2 * g))
    decl = (0.006918 - 0.399912 * math.cos(g) + 0.070257 * math.sin(g) - 0.006758 * math.cos(2 * g)
            + 0.000907 * math.sin(2 * g) - 0.002697 * math.cos(3 * g) + 0.00148 * math.sin(3 * g))
    ha = math.radians((hour * 60 + eqtime + 4 * lon) / 4 - 180)
    phi = math.radians(lat)
    cz = math.sin(phi) * math.sin(decl) + math.cos(phi) * math.cos(decl) * math.cos(ha)
    return 90.0 - math.degrees(math.acos(max(-1.0, min(1.0, cz))))


def _json(value: Any) -> Any:
    return json.loads(json.dumps(value))


# --------------------------------------------------------------------------------------------- inputs

def _thresholds_for(s: subst.Substance) -> list[dict]:
    for names in ((("AEGL-3 (60 min)", "aegl3_60min"), ("AEGL-2 (60 min)", "aegl2_60min"),
                   ("AEGL-1 (60 min)", "aegl1_60min")),
                  (("ERPG-3", "erpg3"), ("ERPG-2", "erpg2"), ("ERPG-1", "erpg1")),
                  (("IDLH", "idlh"),)):
        found = [{"name": n, "value": s.value(p), "unit": "ppm"} for n, p in names if s.value(p)]
        if found:
            return found
    return []


def _release_point(db: Session, params: dict, incident: Incident | None, needed: bool,
                   model: str) -> tuple[float | None, float | None, str | None]:
    lon, lat = params.pop("lon", None), params.pop("lat", None)
    if model == "plume_footprint":
        if lon is None and lat is None:
            lon, lat = params.get("source_lon"), params.get("source_lat")
        elif (params.get("source_lon"), params.get("source_lat")) not in ((None, None), (lon, lat)):
            raise _refuse(("params", "source_lon"), "differs from params lon/lat: give the release point once")
    if (lon is None) != (lat is None):
        raise _refuse(("params", "lon" if lon is None else "lat"), "give the release point's lon and lat together")
    if lon is not None:
        for key, v, bound in (("lon", lon, 180), ("lat", lat, 85)):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not -bound <= v <= bound:
                raise _refuse(("params", key), f"must be a number in [-{bound}, {bound}]")
        return float(lon), float(lat), "params"
    if not needed:
        return None, None, None
    if incident is not None:
        if incident.lon is None or incident.lat is None:
            raise Conflict(f"incident {incident.id} has no location (lon/lat): give the release point as params "
                           "lon and lat")
        return incident.lon, incident.lat, "incident"
    raise _refuse(("params", "lon"), f"{model} draws zones around the release point: give params lon and lat, "
                                     "or an incident_id whose incident has a location")


def _weather_values(state: ServiceState, w: ManualWeather | StationWeather) -> dict:
    now = state.clock.now()
    if isinstance(w, ManualWeather):
        return {"source": "manual", "station": None, "wind_speed_m_s": w.wind_speed_m_s,
                "wind_from_deg": w.wind_from_deg % 360.0, "temperature_c": w.temperature_c,
                "cloud_oktas": w.cloud_oktas, "stability": w.stability,
                "observed_at": (w.observed_at or now).isoformat(), "entered_at": now.isoformat()}
    f = weather_feed.feed(state)
    if f is None:
        raise _refuse(("weather", "source"), "no weather station configured (dss.weather); give the weather by "
                                             "hand (source manual)")
    r = f.current()  # 503 with the station's error, or 409 when stale
    return {"source": "station", "station": r.station, "wind_speed_m_s": r.wind_speed_m_s,
            "wind_from_deg": r.wind_from_deg, "temperature_c": r.temperature_c, "cloud_oktas": r.cloud_oktas,
            "stability": None, "observed_at": r.observed_at.isoformat(), "received_at": r.received_at.isoformat(),
            "age_s": round(r.age_s(now), 1), "max_age_s": f.cfg.max_age_s,
            "station_kind": f.cfg.kind, "station_url": f.cfg.url if f.cfg.kind == "http" else None,
            "station_topic": f.cfg.topic if f.cfg.kind == "bus" else None}


def _stability(state: ServiceState, w: dict, lon: float | None, lat: float | None) -> None:
    """Fill ``w['stability']`` from the Pasquill table when not given, recording how."""
    if w.get("stability"):
        w["stability_from"] = w["source"]
        return
    if lon is None:
        station = state.config.dss.weather.location
        lon, lat = (station.lon, station.lat) if station else (None, None)
    if lon is None or lat is None:
        raise _refuse(("weather", "stability"), "give the stability class: with no release point or station "
                                                "location the sun's elevation (day or night) is unknown")
    at = datetime.fromisoformat(w["observed_at"])
    elevation = round(solar_elevation_deg(at, lon, lat), 2)
    inputs = {"wind_speed_10m": min(w["wind_speed_m_s"], 60.0), "solar_elevation_deg": elevation}
    if w.get("cloud_oktas") is not None:
        inputs["cloud_oktas"] = w["cloud_oktas"]
    out = registry.run("stability_class", inputs)
    w.update(stability=out.stability, stability_from="stability_class", solar_elevation_deg=elevation,
             stability_table_entry=out.table_entry, stability_notes=out.notes)


def prepare(db: Session, state: ServiceState, body: SimulationIn,
            incident: Incident | None) -> tuple[dict, dict, tuple[float | None, float | None, str | None]]:
    """The model's complete inputs (as a dict for validation), the weather record, and the release point."""
    m = registry.get(body.model)
    params = dict(body.params)
    for key in params:
        if key not in m.inputs.model_fields and key not in ("lon", "lat"):
            raise _refuse(("params", key), f"not an input of {body.model}; its inputs: "
                          f"{', '.join(m.inputs.model_fields)} (and lon, lat: the release point)", "extra_forbidden")
    lon, lat, point_from = _release_point(db, params, incident, body.model in ZONE_MODELS, body.model)

    substance_key = None
    if body.substance is not None:
        try:
            s = subst.get(body.substance)
        except KeyError as e:
            raise _refuse(("substance",), e.args[0]) from None
        substance_key = s.key
        if body.model == "plume_footprint":
            if "thresholds" not in params:
                found = _thresholds_for(s)
                if not found:
                    raise _refuse(("substance",), f"the table has no toxic threshold (AEGL, ERPG, IDLH) for "
                                                  f"{s.name_en}; give params thresholds")
                params["thresholds"] = found
            if "molar_mass_g_mol" not in params and s.value("molecular_weight"):
                params["molar_mass_g_mol"] = s.value("molecular_weight")

    wants = WIND_INPUTS.get(body.model, {})
    weather = body.weather
    if weather is None and wants:
        required = [k for k in wants if m.inputs.model_fields[k].is_required()]
        if body.model == "plume_footprint" and lon is not None:
            required.append("wind_from_deg")
        if any(k not in params for k in required) and weather_feed.feed(state) is not None:
            weather = StationWeather(source="station")
    if weather is None:
        w: dict = {"source": "params" if wants else "none",
                   **{k: params[k] for k in wants if k in params}}
    else:
        w = _weather_values(state, weather)
        if w.get("temperature_c") is not None:
            w["temperature_k"] = round(w["temperature_c"] + 273.15, 2)
        if "stability" in wants and "stability" not in params:
            _stability(state, w, lon, lat)
        filled = {}
        for field_name, key in wants.items():
            if w.get(key) is None:
                continue
            if field_name in params:
                raise _refuse(("params", field_name), f"also given by the weather ({w['source']}); give it once: "
                                                      "in params, or in the weather")
            params[field_name] = w[key]
            filled[field_name] = key
        w["filled"] = filled
    if body.model == "plume_footprint" and lon is not None:
        params.setdefault("source_lon", lon)
        params.setdefault("source_lat", lat)
    if substance_key:
        w["substance"] = substance_key
    return params, w, (lon, lat, point_from)


def _validate(model: str, params: dict, filled: dict | None = None) -> BaseModel:
    m = registry.get(model)
    try:
        return m.inputs.model_validate(params)
    except ValidationError as e:
        errors = []
        for err in e.errors():
            loc = tuple(err.get("loc", ()))
            msg = err.get("msg", "")
            if filled and loc and loc[0] in filled:
                msg += f" (the value came from the weather's {filled[loc[0]]})"
            errors.append({"loc": ("body", "params", *loc), "msg": msg, "type": err.get("type", "value_error")})
        raise RequestValidationError(errors) from None


def _run(model: str, inputs: BaseModel) -> dict:
    m = registry.get(model)
    try:
        out = m.run(inputs)
    except OutOfRange as e:
        raise RequestValidationError([{"loc": ("body", "params", e.what), "msg": str(e), "type": "out_of_range"}]) \
            from None
    except ValueError as e:  # a model's own refusal of a combination of inputs
        raise RequestValidationError([{"loc": ("body", "params"), "msg": str(e), "type": "value_error"}]) from None
    except ArithmeticError as e:  # overflow or division by zero at the edge of the bounds: no usable answer
        raise RequestValidationError([{"loc": ("body", "params"), "type": "out_of_range",
                                       "msg": f"{model} cannot compute these inputs ({type(e).__name__}: {e})"}]) \
            from None
    result = out.model_dump(mode="json")
    if not _finite(result):
        raise RequestValidationError([{"loc": ("body", "params"), "type": "out_of_range",
                                       "msg": f"{model} gives a non-finite number for these inputs"}])
    return _json(result)


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(_finite(v) for v in value)
    return True


def _toxic(cfg: Dss, params: dict, result: dict, lon: float, lat: float) -> list[zones.ZoneShape]:
    return zones.toxic_zones(result, params, cfg.toxic_levels, cfg.default_level)


def _thermal(cfg: Dss, params: dict, result: dict, lon: float, lat: float) -> list[zones.ZoneShape]:
    return zones.ring_zones(result.get("level_distances_m") or {}, params.get("levels_kw_m2") or [], "thermal",
                            lon, lat, cfg.fire_levels, cfg.default_level)


def _blast(cfg: Dss, params: dict, result: dict, lon: float, lat: float) -> list[zones.ZoneShape]:
    return zones.ring_zones(result.get("level_distances_m") or {}, params.get("levels_kpa") or [],
                            "overpressure", lon, lat, cfg.blast_levels, cfg.default_level)


def _dense_gas(cfg: Dss, params: dict, result: dict, lon: float, lat: float) -> list[zones.ZoneShape]:
    c = params["concentration"]
    return [zones.distance_zone(f"{c * 100:g} vol%", result.get("distance"), lon, lat, cfg.dense_gas_level,
                                {"value": c, "unit": "volume fraction"},
                                "Britter-McQuaid gives the downwind distance only: the circle of that radius "
                                "around the release covers any wind direction")]


# The models that draw zones (and so need a release point), each with how its result becomes zones.
ZONERS = {"plume_footprint": _toxic, "dense_gas_continuous": _dense_gas, "dense_gas_instantaneous": _dense_gas,
          "pool_fire": _thermal, "bleve_fireball": _thermal, "tnt_explosion": _blast, "tno_multi_energy": _blast}
ZONE_MODELS = tuple(ZONERS)


def zone_shapes(state: ServiceState, model: str, params: dict, result: dict, lon: float | None,
                lat: float | None) -> list[zones.ZoneShape]:
    zoner = ZONERS.get(model)
    if zoner is None or lon is None or lat is None:
        return []
    return zoner(state.config.dss, params, result, lon, lat)


# --------------------------------------------------------------------------------------------- records

def get(db: Session, simulation_id: int) -> Simulation:
    s = db.get(Simulation, simulation_id)
    if s is None:
        raise NotFound(f"simulation {simulation_id} not found")
    return s


def search(db: Session, incident_id: int | None = None, limit: int = 50) -> list[Simulation]:
    q = select(Simulation)
    if incident_id is not None:
        q = q.where(Simulation.incident_id == incident_id)
    return list(db.execute(q.order_by(Simulation.at.desc(), Simulation.id.desc()).limit(limit)).scalars())


def to_json(s: Simulation) -> dict:
    params = s.params or {}
    point = {"lon": params.get("lon"), "lat": params.get("lat")} if params.get("lon") is not None else None
    out = {"id": s.id, "incident_id": s.incident_id, "model": s.model, "params": params, "weather": s.weather,
           "release_point": point, "result": s.result, "zones": s.zones, "versions": s.versions,
           "seconds": s.seconds, "exercise": s.exercise, "actor": s.actor, "at": s.at.isoformat()}
    rerun = (s.versions or {}).get("rerun")
    if rerun:
        out |= {"reproduced": rerun.get("reproduced"), "of": rerun.get("of")}
    return out


def summary(s: Simulation) -> dict:
    return {"id": s.id, "incident_id": s.incident_id, "model": s.model, "at": s.at.isoformat(), "actor": s.actor,
            "exercise": s.exercise, "weather": s.weather, "versions": s.versions, "seconds": s.seconds,
            "zones": [{"name": z["name"], "level": z["level"], "reached": z.get("reached"), "counts": z["counts"]}
                      for z in s.zones or []]}


def _store(db: Session, state: ServiceState, actor: str, incident: Incident | None, model: str, params: dict,
           weather: dict, result: dict, zone_list: list[dict], vers: dict, seconds: float, action: str) -> Simulation:
    now = state.clock.now()
    s = Simulation(incident_id=incident.id if incident else None, model=model, params=_json(params),
                   weather=_json(weather), result=result, zones=_json(zone_list), versions=vers,
                   seconds=round(seconds, 6), exercise=bool(incident and incident.exercise), actor=actor, at=now)
    db.add(s)
    db.flush()
    info = summary(s)
    if incident is not None:
        counts = "; ".join(f"{z['name']}: {z['counts']['people']} people" for z in zone_list)
        incidents.add_entry(db, incident, actor, "simulation", now, note=f"{model}" + (f" — {counts}" if counts else ""),
                            data={"simulation_id": s.id, "model": model,
                                  "zones": info["zones"], **({"rerun": vers["rerun"]} if "rerun" in vers else {})})
    audit.record(db, actor, f"dss.simulation.{action}", "simulation", s.id,
                 after=info | {"params": s.params}, clock=state.clock)
    state.push.record(db, "dss", "simulation", info)
    return s


def _compute(state: ServiceState, model: str, params: dict, lon: float | None, lat: float | None,
             filled: dict | None, db: Session) -> tuple[BaseModel, dict, list[dict], float]:
    inputs = _validate(model, params, filled)
    t0 = time.perf_counter()
    result = _run(model, inputs)
    used = _json(inputs.model_dump(mode="json"))
    shapes = zone_shapes(state, model, used, result, lon, lat)
    seconds = time.perf_counter() - t0
    zone_list = zones.fill(shapes, zones.load_park(db, state.config), state.config.dss.zone_list_max) if shapes else []
    return inputs, result, zone_list, seconds


def run(db: Session, state: ServiceState, actor: str, body: SimulationIn) -> Simulation:
    incident = None
    if body.incident_id is not None:
        incident = db.get(Incident, body.incident_id)
        if incident is None:
            raise NotFound(f"incident {body.incident_id} not found")
    params, weather, (lon, lat, point_from) = prepare(db, state, body, incident)
    inputs, result, zone_list, seconds = _compute(state, body.model, params, lon, lat, weather.get("filled"), db)
    stored = _json(inputs.model_dump(mode="json"))
    if lon is not None:
        stored |= {"lon": lon, "lat": lat}
        weather["release_point_from"] = point_from
    if weather.get("substance"):
        stored["substance"] = weather["substance"]
    return _store(db, state, actor, incident, body.model, stored, weather, result, zone_list,
                  versions(body.model), seconds, "run")


def rerun(db: Session, state: ServiceState, actor: str, simulation_id: int) -> Simulation:
    """Run the model again on the record's stored inputs; ``reproduced`` says whether the result is identical."""
    old = get(db, simulation_id)
    params = {k: v for k, v in (old.params or {}).items() if k not in RESERVED}
    lon, lat = (old.params or {}).get("lon"), (old.params or {}).get("lat")
    incident = db.get(Incident, old.incident_id) if old.incident_id is not None else None
    _inputs, result, zone_list, seconds = _compute(state, old.model, params, lon, lat, None, db)
    vers = versions(old.model)
    same_versions = all((old.versions or {}).get(k) == vers[k] for k in ("model", "watchpost", "substances"))
    vers["rerun"] = {"of": old.id, "reproduced": result == old.result, "same_versions": same_versions}
    return _store(db, state, actor, incident, old.model, dict(old.params or {}), dict(old.weather or {}), result,
                  zone_list, vers, seconds, "rerun")


def incident_of(db: Session, incident_id: int | None) -> Incident | None:
    return None if incident_id is None else incidents.get(db, incident_id)
