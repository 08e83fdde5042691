"""Decision support over the API (issue #25, DSS-1..3): model runs at an incident with the zones on
the park map and what lies inside them, the weather station feed (a local HTTP server), stale
readings refused, re-runs reproducing, fire zones as circles, refusals, and the consultation room.
Both backends (SQLite, PostgreSQL)."""

from __future__ import annotations

import json
import math
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

DEMO = Path(__file__).resolve().parents[2] / "deploy" / "demo"
SRC = (121.4050, 30.8027)  # the incident: tank farm A of the demo park
M_LON = 1 / (111_320 * math.cos(math.radians(SRC[1])))  # degrees per metre, near enough for placing people
M_LAT = 1 / 110_850


def east(m: float, north: float = 0.0) -> tuple[float, float]:
    return round(SRC[0] + m * M_LON, 7), round(SRC[1] + north * M_LAT, 7)


def metres(a, b) -> float:  # noqa: ANN001
    from command.dss.plume import wgs84_radii

    m, n = wgs84_radii(SRC[1])
    return math.hypot(math.radians(b[0] - a[0]) * n * math.cos(math.radians(SRC[1])), math.radians(b[1] - a[1]) * m)


class Station:
    """A weather station: a stdlib HTTP server in a thread answering its JSON."""

    def __init__(self):
        self.payload: dict = {}
        self.hits = 0
        station = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                station.hits += 1
                body = json.dumps(station.payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):  # noqa: ANN002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/latest.json"

    def observe(self, ws: float, wd: float, t: float, at: datetime) -> None:
        self.payload = {"id": "AWS-07", "time": at.isoformat(), "data": {"ws": ws, "wd": wd, "t": t}}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def station():
    s = Station()
    yield s
    s.close()


@pytest.fixture
def dss(db_url, make_config, tmp_path, station):
    """A running app with the demo site plan, two located cameras, a weather station, users per role."""
    from fastapi.testclient import TestClient

    from command.app import create_app
    from command.services.auth import add_user, issue_token
    from watchpost.db import make_engine, make_sessionmaker, session_scope

    cams = [{"id": "cam-east", "name": "罐区东", "url": "file:/dev/null", "location": dict(zip(("lon", "lat"), east(200)))},
            {"id": "cam-west", "name": "罐区西", "url": "file:/dev/null", "location": dict(zip(("lon", "lat"), east(-400)))}]
    cfg = make_config(
        db_url, map={"site_plan": str(DEMO / "site_plan.geojson")},
        vision={"media_root": str(tmp_path / "media"), "spool_path": str(tmp_path / "spool.sqlite"), "cameras": cams},
        dss={"weather": {"kind": "http", "name": "park-aws", "url": station.url, "poll_s": 0.01, "max_age_s": 600,
                         "fields": {"wind_speed_m_s": "data.ws", "wind_from_deg": "data.wd", "temperature_c": "data.t",
                                    "observed_at": "time", "station": "id"}},
             "consult_dir": str(tmp_path / "consult"), "consult_max_file_mb": 0.01})
    engine = make_engine(db_url)
    tokens = {}
    with session_scope(make_sessionmaker(engine)) as s:
        for i, role in enumerate(["admin", "commander", "duty_officer", "drill_organizer", "viewer", "service"]):
            u = add_user(s, role, "Password-1-" + role, role, phone=f"+86138000000{i:02d}")
            tokens[role] = issue_token(s, u, "api", None)
    engine.dispose()
    app = create_app(cfg)
    with TestClient(app) as client:
        client.as_role = lambda role: {"Authorization": f"Bearer {tokens[role]}"}
        client.engine_url = db_url
        yield client


def _incident(c, location=True, exercise=False) -> int:  # noqa: ANN001
    body = {"type": "leak", "title": "液氨泄漏", "level": "orange", "exercise": exercise}
    if location:
        body["location"] = {"name": "罐区 A", "lon": SRC[0], "lat": SRC[1]}
    r = c.post("/api/incidents", json=body, headers=c.as_role("duty_officer"))
    assert r.status_code == 201, r.text
    return r.json()["id"]


# People placed by hand around the ammonia plume (wind from the west: it drifts east).
PEOPLE = {
    "duty_officer": east(-50),  # 50 m upwind: inside the 100 m near field every zone is closed with
    "p-300e": east(300),        # AEGL-3 (reaches ~435 m)
    "p-1000e": east(1000),      # AEGL-2 (~1.36 km), not AEGL-3
    "p-2500e": east(2500),      # AEGL-1 (~4.1 km) only
    "p-500w": east(-500),       # upwind: outside
    "p-500n": east(0, 500),     # crosswind: outside
}
AMMONIA = {"release_rate_kg_s": 5.0, "grid_n": 400}
MANUAL = {"source": "manual", "wind_speed_m_s": 3.0, "wind_from_deg": 270.0, "stability": "D", "temperature_c": 20.0}


def _populate(c) -> dict:  # noqa: ANN001
    now = datetime.now(timezone.utc).isoformat()
    pos = [{"person_id": pid, "name": pid.upper(), "lon": lon, "lat": lat, "at": now} for pid, (lon, lat) in PEOPLE.items()]
    assert c.post("/api/positions", json={"positions": pos}, headers=c.as_role("service")).status_code == 200
    ids = {}
    for name, (lon, lat) in (("洗消车", east(600)), ("应急物资点西", east(-800))):
        r = c.post("/api/resources", json={"kind": "vehicle", "name": name, "lon": lon, "lat": lat},
                   headers=c.as_role("admin"))
        assert r.status_code == 201, r.text
        ids[name] = r.json()["id"]
    return ids


def _zone(sim: dict, name: str) -> dict:
    return next(z for z in sim["zones"] if z["name"].startswith(name))


def _audit_actions(url: str) -> list[str]:
    from sqlalchemy import select

    from command.db.models.audit import AuditEntry
    from watchpost.db import make_engine, make_sessionmaker, session_scope

    engine = make_engine(url)
    try:
        with session_scope(make_sessionmaker(engine)) as s:
            return list(s.execute(select(AuditEntry.action).order_by(AuditEntry.seq)).scalars())
    finally:
        engine.dispose()


def _push_events(url: str, topic: str) -> list[dict]:
    from sqlalchemy import select

    from command.db.models.push import PushEventRow
    from watchpost.db import make_engine, make_sessionmaker, session_scope

    engine = make_engine(url)
    try:
        with session_scope(make_sessionmaker(engine)) as s:
            return [{"action": e.action, "data": e.data} for e in
                    s.execute(select(PushEventRow).where(PushEventRow.topic == topic).order_by(PushEventRow.id)).scalars()]
    finally:
        engine.dispose()


# --------------------------------------------------------------------------------------------- runs

def test_ammonia_footprint_zones_with_what_lies_inside(dss):
    c = dss
    res_ids = _populate(c)
    iid = _incident(c)
    r = c.post("/api/simulations", json={"incident_id": iid, "model": "plume_footprint", "params": AMMONIA,
                                         "substance": "氨", "weather": MANUAL}, headers=c.as_role("duty_officer"))
    assert r.status_code == 201, r.text
    sim = r.json()
    # What went in: the thresholds and molar mass from the table, the wind from the manual weather, the
    # release point from the incident; all recorded.
    p = sim["params"]
    assert [t["name"] for t in p["thresholds"]] == ["AEGL-3 (60 min)", "AEGL-2 (60 min)", "AEGL-1 (60 min)"]
    assert p["molar_mass_g_mol"] == pytest.approx(17.0305) and p["substance"] == "ammonia"
    assert (p["wind_speed"], p["wind_from_deg"], p["stability"]) == (3.0, 270.0, "D")
    assert p["air_temperature_k"] == pytest.approx(293.15)
    assert (p["source_lon"], p["source_lat"]) == SRC and sim["release_point"] == {"lon": SRC[0], "lat": SRC[1]}
    w = sim["weather"]
    assert w["source"] == "manual" and w["wind_speed_m_s"] == 3.0 and w["observed_at"]
    assert w["release_point_from"] == "incident"
    assert w["filled"] == {"wind_speed": "wind_speed_m_s", "wind_from_deg": "wind_from_deg", "stability": "stability",
                           "air_temperature_k": "temperature_k"}
    v = sim["versions"]
    assert v["model"] == "plume_footprint" and v["watchpost"] and v["substances"].startswith("sha256:")
    assert sim["seconds"] > 0 and sim["incident_id"] == iid and sim["actor"] == "duty_officer"

    # Zones: levels from config, polygons in lon/lat, and the people, cameras, sensors, areas inside.
    z3, z2, z1 = (_zone(sim, n) for n in ("AEGL-3", "AEGL-2", "AEGL-1"))
    assert (z3["level"], z2["level"], z1["level"]) == ("evacuate", "shelter", "warn")
    assert z3["threshold"] == {"value": 1100.0, "unit": "ppm", "mg_m3": pytest.approx(1100 * 17.0305 / (8.3144626 * 293.15 / 101.325), rel=1e-6)}  # at 20 °C
    assert z3["polygon"]["type"] in ("Polygon", "MultiPolygon") and z3["includes_near_field_m"] == 100.0
    inside = {n: sorted(x["person_id"] for x in _zone(sim, n)["people"]) for n in ("AEGL-3", "AEGL-2", "AEGL-1")}
    assert inside == {"AEGL-3": ["duty_officer", "p-300e"], "AEGL-2": ["duty_officer", "p-1000e", "p-300e"],
                      "AEGL-1": ["duty_officer", "p-1000e", "p-2500e", "p-300e"]}
    assert [z["counts"]["people"] for z in (z3, z2, z1)] == [2, 3, 4]
    me = next(x for x in z3["people"] if x["person_id"] == "duty_officer")
    assert me["phone"] == "+8613800000002" and me["person"] == "DUTY_OFFICER"  # phone: the user of that name
    assert [x["id"] for x in z3["cameras"]] == ["cam-east"] and z1["counts"]["cameras"] == 1
    assert "GS-02" in [s["id"] for s in z3["sensors"]] and "GS-01" not in [s["id"] for z in (z3, z2, z1)
                                                                              for s in z["sensors"]]
    assert z3["counts"]["residential"] == 0 and "海湾花园" in [a["name"] for a in z1["residential"]]
    assert [x["id"] for x in z2["resources"]] == [res_ids["洗消车"]] and z3["counts"]["resources"] == 0
    assert all(res_ids["应急物资点西"] not in [x["id"] for x in z["resources"]] for z in (z3, z2, z1))
    for z in (z3, z2, z1):
        assert z["counts"] == {k: len(z[k]) for k in ("people", "enterprises", "residential", "cameras", "sensors",
                                                       "resources")}

    # Stored, listed, on the incident's timeline, pushed on "dss", audited.
    assert c.get(f"/api/simulations/{sim['id']}", headers=c.as_role("viewer")).json() == sim
    listed = c.get(f"/api/simulations?incident_id={iid}", headers=c.as_role("viewer")).json()
    assert [s["id"] for s in listed] == [sim["id"]]
    tl = c.get(f"/api/incidents/{iid}", headers=c.as_role("viewer")).json()["timeline"]
    assert any(t["kind"] == "simulation" and t["data"]["simulation_id"] == sim["id"] for t in tl)
    ev = _push_events(c.engine_url, "dss")
    assert ev[-1]["action"] == "simulation" and ev[-1]["data"]["id"] == sim["id"]
    assert ev[-1]["data"]["zones"][0]["counts"]["people"] == 2
    assert "dss.simulation.run" in _audit_actions(c.engine_url)

    # Re-run: the same inputs give the same result.
    r = c.post(f"/api/simulations/{sim['id']}/rerun", headers=c.as_role("commander"))
    assert r.status_code == 201, r.text
    again = r.json()
    assert again["reproduced"] is True and again["of"] == sim["id"] and again["id"] != sim["id"]
    assert again["result"] == sim["result"] and again["params"] == sim["params"] and again["weather"] == sim["weather"]
    assert [z["counts"] for z in again["zones"]] == [z["counts"] for z in sim["zones"]]
    assert c.get(f"/api/simulations/{again['id']}", headers=c.as_role("viewer")).json()["reproduced"] is True
    assert "dss.simulation.rerun" in _audit_actions(c.engine_url)


def test_chlorine_standalone_run_with_a_release_point_and_derived_stability(dss):
    c = dss
    lon, lat = east(-200)
    r = c.post("/api/simulations", json={"model": "plume_footprint", "substance": "chlorine",
                                         "params": {"release_rate_kg_s": 1.0, "lon": lon, "lat": lat, "grid_n": 200},
                                         "weather": {"source": "manual", "wind_speed_m_s": 2.5, "wind_from_deg": 45,
                                                     "cloud_oktas": 2, "observed_at": "2026-01-15T14:00:00+00:00"}},
               headers=c.as_role("commander"))
    assert r.status_code == 201, r.text
    sim = r.json()
    assert sim["incident_id"] is None and sim["release_point"] == {"lon": lon, "lat": lat}
    assert sim["weather"]["release_point_from"] == "params"
    # 22:00 in Shanghai, clear sky, 2.5 m/s: night, ≤ 4/8 cloud → F (Pasquill table)
    assert sim["weather"]["stability_from"] == "stability_class" and sim["weather"]["solar_elevation_deg"] < 0
    assert sim["params"]["stability"] == "F"
    assert [z["name"] for z in sim["zones"]] == ["AEGL-3 (60 min)", "AEGL-2 (60 min)", "AEGL-1 (60 min)"]
    # Wind from the NE: the footprint lies to the SW of the release point.
    ring = np.array(sim["zones"][1]["polygon"]["coordinates"][0] if sim["zones"][1]["polygon"]["type"] == "Polygon"
                    else sim["zones"][1]["polygon"]["coordinates"][0][0])
    far = ring[np.argmax((ring[:, 0] - lon) ** 2 + (ring[:, 1] - lat) ** 2)]
    assert far[0] < lon and far[1] < lat


def test_station_feed_is_used_and_recorded(dss, station):
    c = dss
    observed = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(seconds=30)
    station.observe(4.2, 225.0, 18.5, observed)
    now = c.get("/api/weather/now", headers=c.as_role("viewer"))
    assert now.status_code == 200, now.text
    got = now.json()
    assert (got["station"], got["wind_speed_m_s"], got["wind_from_deg"], got["temperature_c"]) == ("AWS-07", 4.2, 225.0,
                                                                                                     18.5)
    assert got["stale"] is False and datetime.fromisoformat(got["observed_at"]) == observed
    iid = _incident(c)
    hits = station.hits
    r = c.post("/api/simulations", json={"incident_id": iid, "model": "plume_footprint", "substance": "ammonia",
                                         "params": AMMONIA | {"stability": "D"}, "weather": {"source": "station"}},
               headers=c.as_role("duty_officer"))
    assert r.status_code == 201, r.text
    sim = r.json()
    assert station.hits > hits  # asked the station for this run
    w = sim["weather"]
    assert w["source"] == "station" and w["station"] == "AWS-07" and w["station_url"] == station.url
    assert datetime.fromisoformat(w["observed_at"]) == observed and 0 <= w["age_s"] <= 600
    assert (w["wind_speed_m_s"], w["wind_from_deg"], w["temperature_k"]) == (4.2, 225.0, pytest.approx(291.65))
    assert (sim["params"]["wind_speed"], sim["params"]["wind_from_deg"]) == (4.2, 225.0)
    assert "stability" not in w["filled"] and sim["params"]["stability"] == "D"  # params' own value kept

    # Weather left out: the station fills what params lack.
    r = c.post("/api/simulations", json={"incident_id": iid, "model": "gaussian_plume",
                                         "params": {"release_rate_kg_s": 1, "x_m": 500, "stability": "D"}},
               headers=c.as_role("duty_officer"))
    assert r.status_code == 201, r.text
    assert r.json()["weather"]["source"] == "station" and r.json()["params"]["wind_speed"] == 4.2


def test_stale_station_reading_is_refused(dss, station):
    c = dss
    station.observe(3.0, 90.0, 10.0, datetime.now(timezone.utc) - timedelta(hours=2))
    iid = _incident(c)
    r = c.post("/api/simulations", json={"incident_id": iid, "model": "plume_footprint", "substance": "ammonia",
                                         "params": AMMONIA, "weather": {"source": "station"}},
               headers=c.as_role("duty_officer"))
    assert r.status_code == 409, r.text
    assert "old" in r.json()["detail"] and "max_age_s" in r.json()["detail"] and "manual" in r.json()["detail"]
    assert c.get("/api/weather/now", headers=c.as_role("viewer")).json()["stale"] is True
    assert c.get(f"/api/simulations?incident_id={iid}", headers=c.as_role("viewer")).json() == []
    # An unreadable answer: no reading, with the station's error.
    station.payload = {"data": {"ws": "calm"}}
    import command.services.weather_feed as wf

    f = wf.feed(c.app.state.wp)
    with f._lock:  # after a poll in flight (it may have read the old answer) has kept its reading
        f.latest = None
    f.poll_once()  # the station loop's next tick (the service runs it in the background)
    r = c.post("/api/simulations", json={"incident_id": iid, "model": "gaussian_plume",
                                         "params": {"release_rate_kg_s": 1, "x_m": 500, "stability": "D"},
                                         "weather": {"source": "station"}}, headers=c.as_role("duty_officer"))
    assert r.status_code == 503 and "not a number" in r.json()["detail"]


def test_fire_and_explosion_zones_are_circles(dss):
    c = dss
    iid = _incident(c)
    now = datetime.now(timezone.utc).isoformat()
    pos = [{"person_id": "near", "lon": east(30)[0], "lat": east(30)[1], "at": now},
           {"person_id": "far", "lon": east(5000)[0], "lat": east(5000)[1], "at": now}]
    c.post("/api/positions", json={"positions": pos}, headers=c.as_role("service"))
    r = c.post("/api/simulations", json={"incident_id": iid, "model": "pool_fire", "weather": MANUAL, "params": {
        "diameter_m": 20, "burning_rate_kg_m2_s": 0.055, "heat_of_combustion_mj_kg": 43.7, "distance_m": 60}},
               headers=c.as_role("commander"))
    assert r.status_code == 201, r.text
    sim = r.json()
    assert sim["params"]["wind_speed_10m_m_s"] == 3.0 and sim["params"]["ambient_k"] == pytest.approx(293.15)
    dist = sim["result"]["level_distances_m"]
    assert [z["name"] for z in sim["zones"]] == ["lethal", "severe", "injury", "warning"]
    assert [z["level"] for z in sim["zones"]] == ["evacuate", "evacuate", "shelter", "warn"]
    for z, level in zip(sim["zones"], ("37.5", "12.5", "5", "1.6")):
        assert z["shape"] == "circle" and z["radius_m"] == dist[level] and z["threshold"]["unit"] == "kW/m²"
        if dist[level] is None:
            assert z["polygon"] is None and z["counts"]["people"] == 0
            continue
        ring = z["polygon"]["coordinates"][0]
        radii = [metres(SRC, pt) for pt in ring]
        assert max(radii) == pytest.approx(dist[level], rel=2e-3) and min(radii) == pytest.approx(dist[level], rel=2e-3)
        assert [p["person_id"] for p in z["people"]] == (["near"] if dist[level] > 31 else [])

    r = c.post("/api/simulations", json={"incident_id": iid, "model": "tnt_explosion", "params": {"tnt_mass_kg": 100}},
               headers=c.as_role("commander"))
    assert r.status_code == 201, r.text
    blast = r.json()
    assert blast["weather"]["source"] == "none"
    assert [z["threshold"]["value"] for z in blast["zones"]] == [68.9, 20.7, 13.8, 6.9, 2.07]
    assert all(z["shape"] == "circle" and z["threshold"]["unit"] == "kPa" for z in blast["zones"])
    # 100 kg TNT: 68.9 kPa reaches ~18 m, 20.7 kPa ~37 m; "near" stands 30 m away.
    assert [z["counts"]["people"] for z in blast["zones"]] == [0, 1, 1, 1, 1]
    assert blast["zones"][1]["people"][0]["person_id"] == "near" and blast["zones"][4]["level"] == "warn"

    # The TNO multi-energy blast of a 2094 m³ congested cloud, strength 7, zones the same way.
    r = c.post("/api/simulations", json={"incident_id": iid, "model": "tno_multi_energy",
                                         "params": {"cloud_volume_m3": 2094, "strength": 7}}, headers=c.as_role("commander"))
    assert r.status_code == 201, r.text
    me = r.json()
    dist = me["result"]["level_distances_m"]
    assert [z["threshold"]["value"] for z in me["zones"]] == [68.9, 20.7, 13.8, 6.9, 2.07]
    assert [z["radius_m"] for z in me["zones"]] == [dist[k] for k in ("68.9", "20.7", "13.8", "6.9", "2.07")]
    # 68.9 kPa reaches ~29 m: "near", 30 m away, is outside it and inside the 20.7 kPa ring.
    assert 25 < dist["68.9"] < 30 and [z["counts"]["people"] for z in me["zones"]] == [0, 1, 1, 1, 1]


def test_refusals(dss):
    c = dss
    iid = _incident(c)
    h = c.as_role("duty_officer")
    # A model's range refusal names the field and the range.
    r = c.post("/api/simulations", json={"incident_id": iid, "model": "gaussian_plume", "weather": MANUAL,
                                         "params": {"release_rate_kg_s": 1, "x_m": 50}}, headers=h)
    assert r.status_code == 422, r.text
    err = r.json()["detail"][0]
    assert err["loc"] == ["body", "params", "x_m"] and "[100, 10000]" in err["msg"] and err["type"] == "out_of_range"
    # A bound in the model's inputs, with a value that came from the weather.
    r = c.post("/api/simulations", json={"incident_id": iid, "model": "plume_footprint", "substance": "ammonia",
                                         "params": AMMONIA, "weather": MANUAL | {"wind_speed_m_s": 0.5}}, headers=h)
    assert r.status_code == 422
    err = r.json()["detail"][0]
    assert err["loc"] == ["body", "params", "wind_speed"] and "weather" in err["msg"] and "1" in err["msg"]
    # Bad weather, unknown params, a value given twice, an unknown substance.
    r = c.post("/api/simulations", json={"model": "gaussian_plume", "params": {},
                                         "weather": MANUAL | {"wind_from_deg": 400}}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][:3] == ["body", "weather", "manual"]
    r = c.post("/api/simulations", json={"incident_id": iid, "model": "gaussian_plume", "weather": MANUAL,
                                         "params": {"release_rate_kg_s": 1, "x_m": 500, "colour": "red"}}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "params", "colour"]
    r = c.post("/api/simulations", json={"incident_id": iid, "model": "gaussian_plume", "weather": MANUAL,
                                         "params": {"release_rate_kg_s": 1, "x_m": 500, "wind_speed": 2}}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "params", "wind_speed"]
    r = c.post("/api/simulations", json={"incident_id": iid, "model": "plume_footprint", "substance": "unobtainium",
                                         "params": AMMONIA, "weather": MANUAL}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "substance"]
    # Unknown model.
    r = c.post("/api/simulations", json={"model": "crystal_ball", "params": {}}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "model"]
    # An incident without a location and no release point: 409 with the reason.
    r = c.post("/api/incidents", json={"type": "leak", "title": "无位置"}, headers=h)
    nowhere = r.json()["id"]
    r = c.post("/api/simulations", json={"incident_id": nowhere, "model": "plume_footprint", "substance": "ammonia",
                                         "params": AMMONIA, "weather": MANUAL}, headers=h)
    assert r.status_code == 409 and "no location" in r.json()["detail"]
    r = c.post("/api/simulations", json={"model": "plume_footprint", "substance": "ammonia", "params": AMMONIA,
                                         "weather": MANUAL}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "params", "lon"]
    # Missing incident, missing simulation.
    r = c.post("/api/simulations", json={"incident_id": 999999, "model": "tnt_explosion",
                                         "params": {"tnt_mass_kg": 1}}, headers=h)
    assert r.status_code == 404
    assert c.get("/api/simulations/999999", headers=h).status_code == 404
    assert c.post("/api/simulations/999999/rerun", headers=h).status_code == 404
    # Roles: a viewer reads but does not run; a drill organiser runs on exercise incidents only.
    body = {"incident_id": iid, "model": "tnt_explosion", "params": {"tnt_mass_kg": 10}}
    assert c.post("/api/simulations", json=body, headers=c.as_role("viewer")).status_code == 403
    assert c.get("/api/dss/models", headers=c.as_role("viewer")).status_code == 200
    assert c.post("/api/simulations", json=body, headers=c.as_role("drill_organizer")).status_code == 403
    drill = _incident(c, exercise=True)
    r = c.post("/api/simulations", json=body | {"incident_id": drill}, headers=c.as_role("drill_organizer"))
    assert r.status_code == 201 and r.json()["exercise"] is True
    assert not any(s["model"] == "tnt_explosion" and s["incident_id"] == iid
                   for s in c.get("/api/simulations", headers=h).json())


def test_models_substances_and_no_station(dss, db_url, make_config):
    c = dss
    models = {m["name"]: m for m in c.get("/api/dss/models", headers=c.as_role("viewer")).json()}
    assert {"plume_footprint", "pool_fire", "tnt_explosion", "dense_gas_continuous"} <= set(models)
    assert models["plume_footprint"]["inputs"]["properties"]["wind_speed"]["minimum"] == 1.0
    assert models["plume_footprint"]["draws_zones"] and models["plume_footprint"]["sources"]
    subs = {s["key"]: s for s in c.get("/api/dss/substances", headers=c.as_role("viewer")).json()}
    assert subs["chlorine"]["cas"] == "7782-50-5" and subs["chlorine"]["mw"] == pytest.approx(70.906)
    assert {"name": "AEGL-3 (60 min)", "value": 20.0, "unit": "ppm"} in subs["chlorine"]["thresholds"]

    from fastapi.testclient import TestClient

    from command.app import create_app

    with TestClient(create_app(make_config(db_url), run_background=False)) as bare:
        from command.services.auth import add_user, issue_token
        from watchpost.db import session_scope

        with session_scope(bare.app.state.wp.sessions) as s:
            tok = issue_token(s, add_user(s, "v2", "Password-1-v2", "viewer"), "api", None)
        r = bare.get("/api/weather/now", headers={"Authorization": f"Bearer {tok}"})
        assert r.status_code == 404 and "no weather station configured" in r.json()["detail"]


# --------------------------------------------------------------------------------------------- consultation

def test_consultation_room(dss):
    c = dss
    iid = _incident(c)
    h = c.as_role("commander")
    r = c.post(f"/api/incidents/{iid}/consult", data={"body": "请专家研判氨气扩散范围"},
               files={"file": ("研判意见.txt", "下风向 1.4 km 内就地避险".encode(), "text/plain")}, headers=h)
    assert r.status_code == 201, r.text
    m = r.json()
    assert (m["incident_id"], m["author"], m["role"], m["body"]) == (iid, "commander", "commander", "请专家研判氨气扩散范围")
    f = m["file"]
    assert f["name"] == "研判意见.txt" and f["type"] == "text/plain" and f["size"] == len("下风向 1.4 km 内就地避险".encode())
    assert len(f["sha256"]) == 64 and f["url"] == f"/api/incidents/{iid}/consult/{m['id']}/file"
    got = c.get(f["url"], headers=c.as_role("viewer"))
    assert got.status_code == 200 and got.content == "下风向 1.4 km 内就地避险".encode()
    assert got.headers["content-disposition"].startswith("attachment")
    # A message without a file; the list in order.
    r = c.post(f"/api/incidents/{iid}/consult", data={"body": "收到"}, headers=c.as_role("duty_officer"))
    assert r.status_code == 201 and r.json()["file"] is None
    msgs = c.get(f"/api/incidents/{iid}/consult", headers=c.as_role("viewer")).json()
    assert [x["body"] for x in msgs] == ["请专家研判氨气扩散范围", "收到"]
    assert [x["body"] for x in c.get(f"/api/incidents/{iid}/consult?after_id={m['id']}",
                                     headers=c.as_role("viewer")).json()] == ["收到"]
    # On the timeline (kind consult), pushed on "consult", audited.
    tl = c.get(f"/api/incidents/{iid}", headers=c.as_role("viewer")).json()["timeline"]
    entries = [t for t in tl if t["kind"] == "consult"]
    assert [t["data"]["message_id"] for t in entries] == [x["id"] for x in msgs]
    assert entries[0]["data"]["file"]["sha256"] == f["sha256"]
    ev = _push_events(c.engine_url, "consult")
    assert [e["action"] for e in ev] == ["message", "message"] and ev[0]["data"] == m
    assert _audit_actions(c.engine_url).count("consult.message") == 2
    # The size limit (0.01 MB here), an empty message, a viewer, a missing file, another incident's file.
    r = c.post(f"/api/incidents/{iid}/consult", data={"body": "大文件"},
               files={"file": ("big.bin", b"x" * 20_000, "application/octet-stream")}, headers=h)
    assert r.status_code == 413 and "consult_max_file_mb" in r.json()["detail"]
    assert c.post(f"/api/incidents/{iid}/consult", data={"body": "  "}, headers=h).status_code == 422
    assert c.post(f"/api/incidents/{iid}/consult", data={"body": "hi"}, headers=c.as_role("viewer")).status_code == 403
    assert c.post("/api/incidents/999999/consult", data={"body": "hi"}, headers=h).status_code == 404
    assert c.get(f"/api/incidents/{iid}/consult/{msgs[1]['id']}/file", headers=h).status_code == 404
    other = _incident(c)
    assert c.get(f"/api/incidents/{other}/consult/{m['id']}/file", headers=h).status_code == 404
    # A drill organiser consults on exercise incidents only.
    assert c.post(f"/api/incidents/{iid}/consult", data={"body": "hi"},
                  headers=c.as_role("drill_organizer")).status_code == 403
    drill = _incident(c, exercise=True)
    assert c.post(f"/api/incidents/{drill}/consult", data={"body": "hi"},
                  headers=c.as_role("drill_organizer")).status_code == 201


# --------------------------------------------------------------------------------------------- pure parts

def test_zone_counting_is_vectorised_for_a_large_park():
    """5,000 people and 50,000 resources against a footprint's three zones: well under a second."""
    from command.dss import registry
    from command.services import zones

    rng = np.random.default_rng(7)
    n_people, n_res = 5_000, 50_000
    people = [{"person": f"p{i}", "person_id": f"p{i}", "phone": "", "lon": float(x), "lat": float(y)}
              for i, (x, y) in enumerate(zip(rng.uniform(121.38, 121.46, n_people), rng.uniform(30.78, 30.83, n_people)))]
    res = [{"id": i, "name": f"r{i}", "kind": "material", "category": "", "status": "available", "lon": float(x),
            "lat": float(y)} for i, (x, y) in enumerate(zip(rng.uniform(121.38, 121.46, n_res),
                                                            rng.uniform(30.78, 30.83, n_res)))]
    park = zones.Park(zones.Points.of(people), zones.Points.of([]), zones.Points.of(res),
                      zones.site_plan_features(json.loads((DEMO / "site_plan.geojson").read_text(encoding="utf-8"))))
    params = {"wind_speed": 2.0, "stability": "F", "release_rate_kg_s": 5.0, "molar_mass_g_mol": 17.0305,
              "thresholds": [{"name": n, "value": v, "unit": "ppm"} for n, v in (("AEGL-3", 1100), ("AEGL-2", 160),
                                                                                 ("AEGL-1", 30))],
              "source_lon": SRC[0], "source_lat": SRC[1], "wind_from_deg": 300.0}
    result = registry.run("plume_footprint", params).model_dump(mode="json")
    shapes = zones.toxic_zones(result, params, {"AEGL-3": "evacuate"}, "warn")
    t0 = time.perf_counter()
    out = zones.fill(shapes, park, list_max=100)
    elapsed = time.perf_counter() - t0
    assert elapsed < 1.0, elapsed
    # Against a plain point-in-polygon loop on a sample of resources.
    from shapely.geometry import Point, shape

    for z, s in zip(out, shapes):
        assert z["counts"]["people"] == sum(s.geom.intersects(Point(p["lon"], p["lat"])) for p in people)
        assert len(z["resources"]) == min(100, z["counts"]["resources"]) and z["truncated"] == (
            max(z["counts"].values()) > 100)
        assert shape(z["polygon"]).equals(s.geom)
    assert out[2]["counts"]["resources"] > out[0]["counts"]["resources"] > 0


def test_station_message_parsing():
    from command.services.weather_feed import parse
    from watchpost.config import WeatherStation

    now = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
    cfg = WeatherStation(kind="bus", name="aws", wind_speed_unit="km/h",
                         fields={"wind_speed_m_s": "ws", "wind_from_deg": "wd", "temperature_c": "", "observed_at": "t",
                                 "cloud_oktas": "cloud"})
    r = parse({"ws": 36, "wd": 360, "t": 1772352000, "cloud": 3}, cfg, now)
    assert (r.wind_speed_m_s, r.wind_from_deg, r.temperature_c, r.cloud_oktas) == (10.0, 0.0, None, 3.0)
    assert r.observed_at == datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc) and r.station == "aws"
    assert parse({"ws": 1, "wd": 1, "t": "2026-03-01T16:00:00+08:00"}, cfg, now).observed_at == now
    for bad, why in (({"wd": 1, "t": 0}, "wind_speed_m_s"), ({"ws": 1, "wd": 400, "t": 0}, "wind_from_deg"),
                     ({"ws": 1, "wd": 1}, "observed_at"), ({"ws": 1, "wd": 1, "t": "yesterday"}, "observed_at"),
                     ([1, 2], "JSON object")):
        with pytest.raises(ValueError, match=why):
            parse(bad, cfg, now)


def test_bus_station_keeps_the_newest_reading():
    from command.services.weather_feed import WeatherFeed
    from watchpost.bus import InProcessBus
    from watchpost.clock import FakeClock
    from watchpost.config import WeatherStation

    clock = FakeClock(datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc))
    bus = InProcessBus()
    f = WeatherFeed(WeatherStation(kind="bus", topic="weather/aws1", max_age_s=300), clock, bus)
    bus.publish("weather/aws1", {"wind_speed_m_s": 3, "wind_from_deg": 90, "observed_at": "2026-03-01T07:59:00Z"})
    bus.publish("weather/aws1", {"wind_speed_m_s": 9, "wind_from_deg": 90, "observed_at": "2026-03-01T07:50:00Z"})
    assert f.current().wind_speed_m_s == 3.0  # the late, older message did not replace it
    clock.advance(600)
    from command.services.weather_feed import Stale

    with pytest.raises(Stale, match="older than"):
        f.current()
