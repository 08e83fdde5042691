"""People inside a radius of an incident, for the situation map (CMD-3, DSS-2, RES-4; issue #24)."""

from __future__ import annotations

from pathlib import Path

DEMO = Path(__file__).resolve().parents[2] / "deploy" / "demo"


def test_personnel_within_radius_of_an_incident(db_url, make_config, tmp_path):
    """GET /api/incidents/{id}/personnel?radius_m=: the latest positions within the straight-line
    radius, nearest first, each with its distance; the radius is bounded; an incident without a
    location is a 409 and a missing one a 404; readers may ask, nobody anonymous; the camera layer
    says whether each camera is enabled."""
    from fastapi.testclient import TestClient

    from command.app import create_app
    from command.services.auth import add_user, issue_token
    from watchpost.db import make_engine, make_sessionmaker, session_scope

    cfg = make_config(db_url, map={"site_plan": str(DEMO / "site_plan.geojson"), "road_graph": str(DEMO / "road_graph.json")},
                      vision={"media_root": str(tmp_path / "media"), "spool_path": str(tmp_path / "spool.sqlite"),
                              "cameras": [{"id": "cam-on", "url": "f.mp4", "location": {"lon": 121.404, "lat": 30.8037}},
                                          {"id": "cam-off", "url": "f.mp4", "enabled": False,
                                           "location": {"lon": 121.405, "lat": 30.8037}}]})
    engine = make_engine(db_url)
    with session_scope(make_sessionmaker(engine)) as s:
        tok = {r: issue_token(s, add_user(s, r, "Password-1-" + r, r), "api", None) for r in ("duty_officer", "service", "viewer")}
    engine.dispose()
    h = {r: {"Authorization": f"Bearer {t}"} for r, t in tok.items()}
    with TestClient(create_app(cfg)) as c:
        inc = c.post("/api/incidents", json={"type": "leak", "title": "泄漏", "location": {"lon": 121.4041, "lat": 30.8037}},
                     headers=h["duty_officer"]).json()
        # ~1 m per 0.00001° of latitude here: 50 m, 150 m, 400 m north of the incident, and one 90 m east.
        pos = [{"person_id": "far", "name": "远", "lon": 121.4041, "lat": 30.8037 + 0.0036, "at": "2026-11-24T10:00:00Z"},
               {"person_id": "mid", "name": "中", "lon": 121.4041, "lat": 30.8037 + 0.00135, "at": "2026-11-24T10:00:00Z"},
               {"person_id": "near", "name": "近", "floor": "2F", "lon": 121.4041, "lat": 30.8037 + 0.00045,
                "at": "2026-11-24T10:00:00Z"},
               {"person_id": "east", "name": "东", "lon": 121.4041 + 0.00094, "lat": 30.8037, "at": "2026-11-24T10:00:00Z"}]
        assert c.post("/api/positions", json={"positions": pos}, headers=h["service"]).json() == {"accepted": 4}
        url = f"/api/incidents/{inc['id']}/personnel"
        got = c.get(url, params={"radius_m": 200}, headers=h["viewer"])
        assert got.status_code == 200, got.text
        people = got.json()
        assert [p["person_id"] for p in people] == ["near", "east", "mid"]
        assert 45 < people[0]["distance_m"] < 55 and 140 < people[2]["distance_m"] < 160
        assert people[0]["name"] == "近" and people[0]["floor"] == "2F" and people[0]["at"].startswith("2026-11-24T10:00")
        assert [p["person_id"] for p in c.get(url, headers=h["viewer"]).json()] == ["near", "east", "mid"]  # default 300 m
        assert [p["person_id"] for p in c.get(url, params={"radius_m": 60}, headers=h["viewer"]).json()] == ["near"]
        assert len(c.get(url, params={"radius_m": 1000}, headers=h["viewer"]).json()) == 4
        for bad in (0, -5, 20_001, "x"):
            assert c.get(url, params={"radius_m": bad}, headers=h["viewer"]).status_code == 422, bad
        assert c.get(url).status_code == 401
        assert c.get("/api/incidents/9999/personnel", headers=h["viewer"]).status_code == 404
        nowhere = c.post("/api/incidents", json={"type": "leak", "title": "无位置"}, headers=h["duty_officer"]).json()
        assert c.get(f"/api/incidents/{nowhere['id']}/personnel", headers=h["viewer"]).status_code == 409

        cams = {f["properties"]["id"]: f["properties"] for f in c.get("/api/map/layers", headers=h["viewer"]).json()["cameras"]["features"]}
        assert cams["cam-on"]["enabled"] is True and cams["cam-off"]["enabled"] is False
