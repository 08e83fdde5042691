"""Resources import/export with per-row errors (RES-1, RES-2), statistics (RES-3), the offline
map with nearest resources by road (RES-4), duty roster and dispatch records (CMD-1, CMD-3, CMD-7)."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

DEMO = Path(__file__).resolve().parents[2] / "deploy" / "demo"

GOOD = [
    {"kind": "material", "code": "M-1", "name": "吸附棉", "category": "吸附棉", "site": "depot", "quantity": "200",
     "unit": "kg", "lon": "121.4005", "lat": "30.8005", "expires_on": "2030-01-01"},
    {"kind": "team", "code": "T-1", "name": "园区消防队", "category": "消防", "site": "fire-station",
     "members": "张三;李四", "lon": "121.409", "lat": "30.8005"},
    {"kind": "expert", "code": "E-1", "name": "王教授", "category": "危化品", "phone": "+8613700000000"},
]


def _csv(rows) -> bytes:
    cols = sorted({k for r in rows for k in r})
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols)
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def test_import_errors_all_or_nothing_partial_xlsx_export(service):
    op, viewer = service.as_role("duty_officer"), service.as_role("viewer")
    bad = GOOD + [
        {"kind": "spaceship", "name": "X"},
        {"kind": "material", "name": "过期药品", "quantity": "-1"},
        {"kind": "material", "code": "M-1", "name": "重复编码"},
        {"kind": "vehicle", "name": "车", "expires_on": "2026-13-01"},
    ]
    r = service.post("/api/resources/import", files={"file": ("r.csv", _csv(bad), "text/csv")}, headers=op)
    assert r.status_code == 422
    rep = r.json()
    assert rep["applied"] is False and rep["imported"] == 0
    errs = {(e["row"], e["field"]) for e in rep["errors"]}
    assert {(5, "kind"), (6, "quantity"), (7, "code"), (8, "expires_on")} <= errs
    assert service.get("/api/resources", headers=viewer).json() == []  # nothing imported
    r = service.post("/api/resources/import?partial=true", files={"file": ("r.csv", _csv(bad), "text/csv")}, headers=op)
    assert r.status_code == 200 and r.json()["imported"] == 3 and r.json()["rejected"] == 4
    assert service.post("/api/resources/import", files={"file": ("r.txt", b"x", "text/plain")}, headers=op).status_code == 422
    # XLSX import, including a date cell.
    import datetime

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["kind", "name", "category", "quantity", "expires_on"])
    ws.append(["material", "防毒面具", "防护", 40, datetime.datetime(2026, 12, 1)])
    buf = io.BytesIO()
    wb.save(buf)
    r = service.post("/api/resources/import", files={"file": ("r.xlsx", buf.getvalue(), "application/octet-stream")}, headers=op)
    assert r.status_code == 200 and r.json()["imported"] == 1, r.text
    items = service.get("/api/resources", params={"kind": "team"}, headers=viewer).json()
    assert items[0]["members"] == ["张三", "李四"]
    exp = service.get("/api/resources/export", params={"format": "csv"}, headers=viewer)
    rows = list(csv.DictReader(io.StringIO(exp.content.decode("utf-8-sig"))))
    assert {r["name"] for r in rows} == {"吸附棉", "园区消防队", "王教授", "防毒面具"}
    x = service.get("/api/resources/export", params={"format": "xlsx"}, headers=viewer)
    ws = openpyxl.load_workbook(io.BytesIO(x.content)).active
    assert ws.max_row == 5
    # Re-importing the export of coded rows collides on code: a clear per-row error.
    r = service.post("/api/resources/import", files={"file": ("again.csv", exp.content, "text/csv")}, headers=op)
    assert r.status_code == 422 and any(e["field"] == "code" for e in r.json()["errors"])

    st = service.get("/api/resources/stats", params={"within_days": 30}, headers=viewer).json()
    assert {x["key"]: x["count"] for x in st["by_kind"]} == {"expert": 1, "material": 2, "team": 1}
    assert [e["name"] for e in st["expiring"]] == ["防毒面具"]
    expert = next(r for r in service.get("/api/resources", params={"kind": "expert"}, headers=viewer).json())
    for s in (5, 3):
        service.post(f"/api/resources/{expert['id']}/evaluations", json={"score": s}, headers=op)
    assert service.get(f"/api/resources/{expert['id']}", headers=viewer).json()["rating"] == {"score": 4.0, "evaluations": 2}
    assert service.post(f"/api/resources/{items[0]['id']}/evaluations", json={"score": 3}, headers=op).status_code == 422


def test_map_nearest_cameras_positions(db_url, make_config, tmp_path):
    """RES-4, CMD-3: offline layers, nearest resources by road with the route, nearest cameras,
    personnel positions from the location system (service role only)."""
    from fastapi.testclient import TestClient

    from command.app import create_app
    from command.services.auth import add_user, issue_token
    from watchpost.db import make_engine, make_sessionmaker, session_scope

    cfg = make_config(db_url, map={"site_plan": str(DEMO / "site_plan.geojson"), "road_graph": str(DEMO / "road_graph.json")},
                      vision={"media_root": str(tmp_path / "m"), "spool_path": str(tmp_path / "s.sqlite"),
                              "cameras": [{"id": "cam-tank", "url": "file.mp4", "location": {"lon": 121.4035, "lat": 30.8030}},
                                          {"id": "cam-gate", "url": "file.mp4", "location": {"lon": 121.41, "lat": 30.8045}}]})
    engine = make_engine(db_url)
    with session_scope(make_sessionmaker(engine)) as s:
        tok = {r: issue_token(s, add_user(s, r, "Password-1-" + r, r), "api", None) for r in ("duty_officer", "service", "viewer")}
    engine.dispose()
    h = {r: {"Authorization": f"Bearer {t}"} for r, t in tok.items()}
    with TestClient(create_app(cfg)) as c:
        near = c.post("/api/resources", json={"kind": "material", "name": "近处泡沫", "category": "泡沫",
                                              "lon": 121.4001, "lat": 30.8001}, headers=h["duty_officer"]).json()
        far = c.post("/api/resources", json={"kind": "material", "name": "远处泡沫", "category": "泡沫",
                                             "lon": 121.4099, "lat": 30.8089}, headers=h["duty_officer"]).json()
        c.post("/api/resources", json={"kind": "team", "name": "队", "lon": 121.4, "lat": 30.8}, headers=h["duty_officer"])
        inc = c.post("/api/incidents", json={"type": "leak", "title": "泄漏", "location": {"lon": 121.4041, "lat": 30.8037}},
                     headers=h["duty_officer"]).json()
        r = c.get(f"/api/incidents/{inc['id']}/nearest-resources", params={"kind": "material", "k": 5}, headers=h["viewer"])
        assert r.status_code == 200, r.text
        got = r.json()
        assert [x["resource"]["id"] for x in got] == [near["id"], far["id"]]
        assert got[0]["route"]["type"] == "LineString" and len(got[0]["route"]["coordinates"]) >= 3
        assert got[0]["distance_m"] < got[1]["distance_m"]
        cams = c.get(f"/api/incidents/{inc['id']}/cameras", headers=h["viewer"]).json()
        assert [x["id"] for x in cams] == ["cam-tank", "cam-gate"]
        pos = {"positions": [{"person_id": "p1", "name": "张三", "lon": 121.401, "lat": 30.801, "at": "2026-11-24T10:00:00Z"}]}
        assert c.post("/api/positions", json=pos, headers=h["duty_officer"]).status_code == 403
        assert c.post("/api/positions", json=pos, headers=h["service"]).json() == {"accepted": 1}
        older = {"positions": [{"person_id": "p1", "lon": 0, "lat": 0, "at": "2026-11-24T09:00:00Z"}]}
        assert c.post("/api/positions", json=older, headers=h["service"]).json() == {"accepted": 0}
        lay = c.get("/api/map/layers", headers=h["viewer"]).json()
        assert any(f["properties"]["kind"] == "major_hazard" for f in lay["site_plan"]["features"])
        assert len(lay["resources"]["features"]) == 3 and len(lay["cameras"]["features"]) == 2
        assert lay["personnel"]["features"][0]["properties"]["name"] == "张三"
        assert lay["personnel"]["features"][0]["geometry"]["coordinates"] == [121.401, 30.801]
        assert lay["incidents"]["features"][0]["properties"]["id"] == inc["id"]


def test_duty_roster_handover_vehicle_trips(service):
    """CMD-1, CMD-7: shifts, who is on duty now (the on_duty contract), handover notes, vehicle records."""
    from command.services.duty import on_duty

    op, viewer = service.as_role("duty_officer"), service.as_role("viewer")
    now = service.app.state.wp.clock.now()
    day = {"role": "值班长", "person": "张三", "phone": "+8613911110001",
           "starts_at": (now - timedelta(hours=2)).isoformat(), "ends_at": (now + timedelta(hours=6)).isoformat()}
    night = day | {"person": "李四", "starts_at": (now + timedelta(hours=6)).isoformat(),
                   "ends_at": (now + timedelta(hours=18)).isoformat()}
    sid = service.post("/api/duty/shifts", json=day, headers=op).json()["id"]
    service.post("/api/duty/shifts", json=night, headers=op)
    assert service.post("/api/duty/shifts", json=day, headers=op).status_code == 409  # overlapping duplicate
    bad = day | {"ends_at": day["starts_at"]}
    assert service.post("/api/duty/shifts", json=bad, headers=op).status_code == 422
    assert [s["person"] for s in service.get("/api/duty/now", headers=viewer).json()] == ["张三"]
    later = (now + timedelta(hours=7)).isoformat()
    assert [s["person"] for s in service.get("/api/duty/now", params={"at": later, "role": "值班长"}, headers=viewer).json()] == ["李四"]
    with service.app.state.wp.sessions() as db:
        assert [s.person for s in on_duty(db, now, "值班长")] == ["张三"]
        assert on_duty(db, now, "不存在") == []
    assert service.post(f"/api/duty/shifts/{sid}/handover", json={"note": " "}, headers=op).status_code == 422
    r = service.post(f"/api/duty/shifts/{sid}/handover", json={"note": "罐区A液位计需复核"}, headers=op)
    assert r.json()["handover_note"] == "罐区A液位计需复核" and r.json()["handed_over_at"]
    t = service.post("/api/dispatch/vehicles", json={"vehicle": "消防车 沪A-119", "driver": "王五", "origin": "消防站",
                                                     "destination": "罐区A", "purpose": "泄漏处置"}, headers=op).json()
    assert service.post(f"/api/dispatch/vehicles/{t['id']}/arrived", headers=op).status_code == 200
    assert service.post(f"/api/dispatch/vehicles/{t['id']}/arrived", headers=op).status_code == 409
    trips = service.get("/api/dispatch/vehicles", headers=viewer).json()
    assert trips[0]["arrived_at"] and trips[0]["driver"] == "王五"


def test_every_route_of_mine_requires_a_role(service):
    """NFR: every plans/resources/duty/dispatch/map route depends on require(...) (no public routes)."""
    from fastapi.routing import APIRoute

    from command.api import dispatch, duty, map, plans, resources

    mine = [r for m in (plans, resources, duty, dispatch, map) for r in m.router.routes if isinstance(r, APIRoute)]
    assert len(mine) > 30

    def roles(dep):
        found = []
        for d in dep.dependencies:
            if hasattr(d.call, "allowed_roles"):
                found.append(d.call.allowed_roles)
            found += roles(d)
        return found

    for r in mine:
        assert roles(r.dependant), f"{r.path} has no role check"
        path = re.sub(r"\{(\w+)\}", lambda m: "arrived" if m.group(1) == "event" else "1", r.path)
        anon = service.request(next(iter(r.methods)), path)
        assert anon.status_code == 401, (r.path, anon.status_code)


def test_nearest_by_road_box_search_is_exact(sqlite_url):
    """RES-4: reading a growing box around the incident gives exactly the full search's answer."""
    import json
    import random

    from command.db.models.resources import Resource
    from command.domain.routing import RoadGraph, nearest
    from command.services.resources import locatable, nearest_by_road
    from watchpost.db import make_engine, make_sessionmaker

    g = RoadGraph(json.loads((DEMO / "road_graph.json").read_text()))
    rng = random.Random(11)
    engine = make_engine(sqlite_url)
    with make_sessionmaker(engine)() as db:
        db.add_all(Resource(kind="material", name=f"r{i}", lon=121.399 + rng.random() * 0.012,
                            lat=30.799 + rng.random() * 0.011) for i in range(600))
        db.commit()
        for _ in range(10):
            origin = (121.4 + rng.random() * 0.01, 30.8 + rng.random() * 0.009)
            for k in (1, 5, 20):
                box = [(r.target_id, round(r.distance_m, 6)) for r in nearest_by_road(db, g, origin, "material", None, k)]
                full = [(r.target_id, round(r.distance_m, 6)) for r in nearest(g, origin, locatable(db, "material"), k)]
                assert box == full
    engine.dispose()
