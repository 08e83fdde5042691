"""Response drafts (应急处置方案, DRL-5, issue #25): from a stored simulation's zones to zones with
actions, evacuation routes over the park's road graph to an assembly point outside the evacuation
zone, the nearest resources with their checks, the matching plan's cards and targeted warnings;
edited while a draft, sent through the comms outbox only when a commander approves; CAP 1.2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.plans.sample import park_plan, publish

DEMO = Path(__file__).resolve().parents[2] / "deploy" / "demo"
ROLES = ["admin", "commander", "duty_officer", "drill_organizer", "evaluator", "viewer", "service"]

RELEASE = (121.403, 30.8025)
EVAC = [[121.4025, 30.8015], [121.4065, 30.8015], [121.4065, 30.8040], [121.4025, 30.8040], [121.4025, 30.8015]]
SHELTER = [[121.4020, 30.8005], [121.4092, 30.8005], [121.4092, 30.8062], [121.4020, 30.8062], [121.4020, 30.8005]]
P_IN1 = {"person": "张三", "phone": "+8613900000101", "lon": 121.4035, "lat": 30.8028}
P_IN2 = {"person": "李四", "phone": "+8613900000102", "lon": 121.4052, "lat": 30.8032}
P_SHELTER = {"person": "王五", "phone": "+8613900000103", "lon": 121.4083, "lat": 30.8052}
P_OUT = {"person": "赵六", "phone": "+8613900000104", "lon": 121.4005, "lat": 30.8080}


def _zones() -> list[dict]:
    """As the simulation service stores them: nested polygons, each listing everyone inside it."""
    return [
        {"name": "AEGL-3", "level": "evacuate", "threshold": {"value": 1800, "unit": "ppm"},
         "polygon": {"type": "Polygon", "coordinates": [EVAC]}, "people": [P_IN1, P_IN2],
         "enterprises": [], "residential": [], "cameras": [], "sensors": [], "resources": [],
         "counts": {"people": 2, "enterprises": 0, "residential": 0, "cameras": 0, "sensors": 0, "resources": 0}},
        {"name": "AEGL-2", "level": "shelter", "threshold": {"value": 800, "unit": "ppm"},
         "polygon": {"type": "Polygon", "coordinates": [SHELTER]}, "people": [P_IN1, P_IN2, P_SHELTER],
         "enterprises": [], "residential": [], "cameras": [], "sensors": [], "resources": [],
         "counts": {"people": 3, "enterprises": 0, "residential": 0, "cameras": 0, "sensors": 0, "resources": 0}},
        {"name": "AEGL-1", "level": "warn", "polygon": {"type": "Polygon", "coordinates": []}, "people": []},
    ]


@pytest.fixture
def svc(db_url, make_config):
    """Like the ``service`` fixture (SQLite and PostgreSQL, a user per role), with the demo site plan
    and road graph configured and no background loops (nothing may be sent behind the test's back)."""
    from fastapi.testclient import TestClient

    from command.app import create_app
    from command.services.auth import add_user, issue_token
    from watchpost.db import make_engine, make_sessionmaker, session_scope

    cfg = make_config(db_url, map={"site_plan": str(DEMO / "site_plan.geojson"),
                                   "road_graph": str(DEMO / "road_graph.json")}, park_name="演示园区")
    engine = make_engine(db_url)
    with session_scope(make_sessionmaker(engine)) as s:
        tokens = {r: issue_token(s, add_user(s, r, "Password-1-" + r, r), "api", None) for r in ROLES}
    engine.dispose()
    with TestClient(create_app(cfg, run_background=False)) as c:
        c.as_role = lambda role: {"Authorization": f"Bearer {tokens[role]}"}
        yield c


def _resource(c, **kw) -> dict:
    r = c.post("/api/resources", json=kw, headers=c.as_role("duty_officer"))
    assert r.status_code == 201, r.text
    return r.json()


def _incident(c, exercise: bool = False) -> int:
    role = "drill_organizer" if exercise else "duty_officer"
    r = c.post("/api/incidents", json={"type": "leak", "title": "罐区A苯泄漏", "level": "orange", "exercise": exercise,
                                       "location": {"name": "罐区A", "site": "tank-farm-a",
                                                    "lon": RELEASE[0], "lat": RELEASE[1]}}, headers=c.as_role(role))
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _simulation(c, incident_id: int, exercise: bool = False, zones: list | None = None) -> int:
    from command.db.models.dss import Simulation

    st = c.app.state.wp
    with st.sessions() as db:
        sim = Simulation(incident_id=incident_id, model="plume_footprint",
                         params={"substance": "benzene", "lon": RELEASE[0], "lat": RELEASE[1], "release_rate_kg_s": 2.0,
                                 "stability": "D"},
                         weather={"source": "manual", "wind_speed_m_s": 3.0, "wind_from_deg": 270.0},
                         result={"contours": []}, zones=_zones() if zones is None else zones,
                         versions={"model": "1"}, seconds=0.2, exercise=exercise, actor="duty_officer", at=st.clock.now())
        db.add(sim)
        db.commit()
        return sim.id


def _setup(c, exercise: bool = False) -> dict:
    op = c.as_role("duty_officer")
    pid = c.post("/api/plans", json=park_plan(), headers=op).json()["id"]
    publish(c, pid)
    out = {"plan": pid}
    # Assembly points: the demo site plan has none, so shelters from the registry: one outside every
    # zone (north gate), one inside the evacuation zone (never chosen), one in the shelter zone only.
    out["gate"] = _resource(c, kind="shelter", name="北门应急避难场所", lon=121.4005, lat=30.8085)
    out["inside"] = _resource(c, kind="shelter", name="罐区避难点", lon=121.4040, lat=30.8030)
    out["sheltered"] = _resource(c, kind="shelter", name="东侧避难点", lon=121.4088, lat=30.8058)
    out["expired"] = _resource(c, kind="material", name="过期泡沫", category="泡沫灭火剂", quantity=10,
                               lon=121.4036, lat=30.8022, expires_on="2020-01-01")
    out["foam"] = _resource(c, kind="material", name="抗溶泡沫", category="泡沫灭火剂", quantity=30,
                            lon=121.4005, lat=30.8005)
    out["team"] = _resource(c, kind="team", name="园区消防队", category="消防", lon=121.409, lat=30.8005)
    out["far"] = _resource(c, kind="material", name="吸附棉", category="吸附棉", quantity=200, lon=121.4099, lat=30.8089)
    out["incident"] = _incident(c, exercise)
    out["simulation"] = _simulation(c, out["incident"], exercise)
    return out


def _outbox(c) -> list:
    from comms.models import OutboxRecord

    with c.app.state.wp.sessions() as db:
        return list(db.execute(select(OutboxRecord).order_by(OutboxRecord.id)).scalars())


def _inside(ring: list, pt: list) -> bool:
    from shapely.geometry import Point, Polygon

    return Polygon(ring).intersects(Point(pt))


def test_draft_zones_routes_resources_cards_warnings_then_approve(svc):
    s = _setup(svc)
    op, cmd, viewer = svc.as_role("duty_officer"), svc.as_role("commander"), svc.as_role("viewer")
    iid = s["incident"]
    r = svc.post(f"/api/incidents/{iid}/response-drafts", json={"simulation_id": s["simulation"]}, headers=op)
    assert r.status_code == 201, r.text
    d = r.json()
    assert d["status"] == "draft" and d["version"] == 1 and d["outbox_ids"] == []
    body = d["body"]

    # Zones: most severe first, the unreached warn level left out; each person counted in one zone only.
    assert [(z["name"], z["action"], z["people"]) for z in body["zones"]] == [("AEGL-3", "evacuate", 2),
                                                                             ("AEGL-2", "shelter", 1)]
    # Routes: from the evacuation zone, over the road graph, to the gate shelter outside every zone.
    graph = json.loads((DEMO / "road_graph.json").read_text())
    nodes = {tuple(xy) for xy in graph["nodes"].values()}
    routes = body["zones"][0]["routes"]
    assert routes and body["zones"][1]["routes"] == []
    for rt in routes:
        assert _inside(EVAC, rt["from"])
        # The gate shelter resource, or one of the demo site plan's assembly points: the nearest outside.
        assembly = {"北门应急避难场所": [121.4005, 30.8085]} | {
            f["properties"]["name"]: f["geometry"]["coordinates"]
            for f in json.loads((DEMO / "site_plan.geojson").read_text())["features"] if f["properties"].get("kind") == "assembly"}
        end = rt["coordinates"][-1]
        assert end == assembly[rt["assembly_point"]["name"]] and not _inside(EVAC, end)
        middle = rt["coordinates"][1:-1]
        assert middle and all(tuple(p) in nodes for p in middle)  # it follows the roads
        assert rt["length_m"] > 0 and rt["by"] == "road"
    assert not any(rt["assembly_point"]["name"] == "罐区避难点" for z in body["zones"] for rt in z["routes"])

    # Resources: nearest the release first, the expired one flagged, valid ones not.
    got = body["resources"]
    assert [x["distance_m"] for x in got] == sorted(x["distance_m"] for x in got)
    ids = [x["resource_id"] for x in got]
    assert ids[0] == s["expired"]["id"] and {s["foam"]["id"], s["team"]["id"], s["far"]["id"]} <= set(ids)
    assert s["gate"]["id"] not in ids  # shelters are assembly points, not response resources
    exp = got[0]
    assert exp["valid"] is False and any("expired" in f for f in exp["flags"])
    assert all(x["valid"] and not x["flags"] for x in got if x["resource_id"] != s["expired"]["id"])

    # The matching plan's action cards for the matched level (orange leak → II: all three cards).
    assert body["plan"]["plan_id"] == s["plan"] and body["plan"]["response_level"] == "II"
    assert [(c["card_id"], c["role"]) for c in body["action_cards"]] == [("c1", "现场指挥"), ("c2", "消防队长"),
                                                                        ("c3", "环保员")]
    assert body["action_cards"][0]["deadline_min"] == 5 and body["action_cards"][0]["plan_id"] == s["plan"]

    # Warnings: SMS to exactly the phones inside each zone, a broadcast per zone; Chinese text with the
    # substance, the action and the way out of the plume (wind from the west: go west, or north/south).
    sms = {w["zone"]: w for w in body["warnings"] if w["channel"] == "sms"}
    assert sorted(sms["AEGL-3"]["recipients"]) == [P_IN1["phone"], P_IN2["phone"]]
    assert sms["AEGL-2"]["recipients"] == [P_SHELTER["phone"]]
    assert P_OUT["phone"] not in json.dumps(body)
    evac = sms["AEGL-3"]["message"]
    assert "苯" in evac and "疏散" in evac and "上风向（西方）" in evac and routes[0]["assembly_point"]["name"] in evac
    assert "就地避险" in sms["AEGL-2"]["message"] and "关闭门窗" in sms["AEGL-2"]["message"]
    assert {(w["zone"], tuple(w["recipients"])) for w in body["warnings"] if w["channel"] == "broadcast"} == \
        {("AEGL-3", ("AEGL-3",)), ("AEGL-2", ("AEGL-2",))}
    assert len({w["id"] for w in body["warnings"]}) == len(body["warnings"])

    # CAP 1.2: valid against the XSD, the first area's polygon is the evacuation footprint.
    assert body["cap"]["identifier"] == f"watchpost-draft-{d['id']}-v1"
    cap = svc.get(f"/api/response-drafts/{d['id']}/cap.xml", headers=viewer)
    assert cap.status_code == 200 and cap.headers["content-type"].startswith("application/xml")
    from comms.cap import NS, validate

    doc = validate(cap.content)
    ns = {"c": NS}
    assert doc.findtext("c:status", namespaces=ns) == "Actual"
    assert [e.text for e in doc.findall("c:info/c:responseType", ns)] == ["Evacuate", "Shelter"]
    area = doc.find("c:info/c:area", ns)
    pts = [tuple(map(float, p.split(","))) for p in area.findtext("c:polygon", namespaces=ns).split()]
    from shapely.geometry import Polygon

    footprint = Polygon([(lon, lat) for lat, lon in pts])
    assert footprint.symmetric_difference(Polygon(EVAC)).area < 1e-10

    # Nothing is sent before approval.
    assert _outbox(svc) == []

    # Edit a message (version + 1, audited); bad input names the field.
    w = [dict(x) for x in body["warnings"]]
    target = next(x for x in w if x["channel"] == "sms" and x["zone"] == "AEGL-3")
    target["message"] = evac + " 现场指挥部电话 12345。"
    r = svc.patch(f"/api/response-drafts/{d['id']}", json={"warnings": w, "note": "核对后发布"}, headers=op)
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2 and r.json()["body"]["note"] == "核对后发布"
    assert r.json()["body"]["cap"]["identifier"].endswith("-v2")
    bad = svc.patch(f"/api/response-drafts/{d['id']}", json={"warnings": [{"channel": "fax", "recipients": ["x"],
                                                                           "message": "m"}]}, headers=op)
    assert bad.status_code == 422 and "channel" in bad.text
    bad = svc.patch(f"/api/response-drafts/{d['id']}", json={"resources": [{"resource_id": 999999}]}, headers=op)
    assert bad.status_code == 422 and "resources" in bad.text
    assert svc.patch(f"/api/response-drafts/{d['id']}", json={"note": "x"}, headers=viewer).status_code == 403
    audit = svc.get("/api/audit", params={"entity_type": "response_draft"}, headers=svc.as_role("admin"))
    if audit.status_code == 200:
        assert {"response_draft.create", "response_draft.update"} <= {a["action"] for a in audit.json()}
    assert _outbox(svc) == []

    # Approve: a duty officer may not, a commander may; then the messages are queued, exactly once.
    assert svc.post(f"/api/response-drafts/{d['id']}/approve", headers=op).status_code == 403
    assert svc.post(f"/api/response-drafts/{d['id']}/approve", headers=viewer).status_code == 403
    assert _outbox(svc) == []
    r = svc.post(f"/api/response-drafts/{d['id']}/approve", headers=cmd)
    assert r.status_code == 200, r.text
    sent = r.json()
    assert sent["status"] == "sent" and sent["approved_by"] == "commander" and sent["sent_at"]
    recs = _outbox(svc)
    assert sorted(x.id for x in recs) == sorted(sent["outbox_ids"])
    assert sorted(x.recipient for x in recs if x.channel == "sms") == sorted(
        [P_IN1["phone"], P_IN2["phone"], P_SHELTER["phone"]])
    assert sorted(x.recipient for x in recs if x.channel == "broadcast") == ["AEGL-2", "AEGL-3"]
    assert all(x.incident_id == iid and not x.exercise and x.status == "queued" for x in recs)
    assert next(x for x in recs if x.recipient == P_IN1["phone"]).body.endswith("现场指挥部电话 12345。")

    again = svc.post(f"/api/response-drafts/{d['id']}/approve", headers=cmd)
    assert again.status_code == 409 and "sent" in again.json()["detail"]
    late = svc.patch(f"/api/response-drafts/{d['id']}", json={"note": "改"}, headers=op)
    assert late.status_code == 409 and "sent" in late.json()["detail"]
    assert svc.post(f"/api/response-drafts/{d['id']}/discard", headers=op).status_code == 409
    assert len(_outbox(svc)) == len(recs)

    listed = svc.get(f"/api/incidents/{iid}/response-drafts", headers=viewer).json()
    assert [x["id"] for x in listed] == [d["id"]] and listed[0]["status"] == "sent"
    tl = svc.get(f"/api/incidents/{iid}", headers=viewer).json().get("timeline") or []
    assert any(t["kind"] == "response_plan" for t in tl)
    assert svc.get(f"/api/response-drafts/{d['id']}/cap.xml", headers=viewer).status_code == 200


def test_exercise_draft_goes_to_the_drill_sink(svc):
    from comms.dispatcher import Dispatcher

    s = _setup(svc, exercise=True)
    iid = s["incident"]
    org = svc.as_role("drill_organizer")
    r = svc.post(f"/api/incidents/{iid}/response-drafts", json={"simulation_id": s["simulation"]}, headers=org)
    assert r.status_code == 201, r.text
    did = r.json()["id"]
    cap = svc.get(f"/api/response-drafts/{did}/cap.xml", headers=org)
    assert b"<status>Exercise</status>" in cap.content
    assert svc.post(f"/api/response-drafts/{did}/approve", headers=org).status_code == 403
    r = svc.post(f"/api/response-drafts/{did}/approve", headers=svc.as_role("commander"))
    assert r.status_code == 200, r.text
    recs = _outbox(svc)
    assert sorted(x.recipient for x in recs if x.channel == "sms") == sorted(
        [P_IN1["phone"], P_IN2["phone"], P_SHELTER["phone"]])
    st = svc.app.state.wp
    d = Dispatcher(st.sessions, st.config, st.clock)
    assert all(x.exercise and x.body.startswith("【演练/EXERCISE】") for x in recs)
    assert {d.route(x) for x in recs} == {"drill"}


def test_bad_input_permissions_discard(svc):
    s = _setup(svc)
    op, viewer = svc.as_role("duty_officer"), svc.as_role("viewer")
    iid = s["incident"]
    url = f"/api/incidents/{iid}/response-drafts"
    assert svc.post(url, json={"simulation_id": s["simulation"]}, headers=viewer).status_code == 403
    r = svc.post(url, json={"simulation_id": 0}, headers=op)
    assert r.status_code == 422 and "simulation_id" in r.text
    r = svc.post(url, json={"simulation_id": 987654}, headers=op)
    assert r.status_code == 422 and "simulation_id" in r.json()["detail"]
    r = svc.post(url, json={}, headers=op)
    assert r.status_code == 422 and "simulation_id" in r.text
    other = _incident(svc)
    r = svc.post(f"/api/incidents/{other}/response-drafts", json={"simulation_id": s["simulation"]}, headers=op)
    assert r.status_code == 422 and "belongs to incident" in r.json()["detail"]
    assert svc.post("/api/incidents/987654/response-drafts", json={"simulation_id": s["simulation"]},
                    headers=op).status_code == 404
    # Drill organisers draft only for exercise incidents.
    r = svc.post(url, json={"simulation_id": s["simulation"]}, headers=svc.as_role("drill_organizer"))
    assert r.status_code == 403 and "exercise" in r.json()["detail"]
    # A simulation with unusable zones is refused naming the field.
    broken = _simulation(svc, iid, zones=[{"name": "x", "level": "flee", "polygon": {"type": "Polygon",
                                                                                     "coordinates": [EVAC]}}])
    r = svc.post(url, json={"simulation_id": broken}, headers=op)
    assert r.status_code == 422 and "level" in r.json()["detail"]

    d = svc.post(url, json={"simulation_id": s["simulation"]}, headers=op).json()
    assert svc.patch(f"/api/response-drafts/{d['id']}", json={}, headers=op).status_code == 422
    r = svc.patch(f"/api/response-drafts/{d['id']}", json={"zones": [{"name": "z", "action": "run",
                                                                       "polygon": {"type": "Polygon", "coordinates": [EVAC]}}]},
                  headers=op)
    assert r.status_code == 422 and "action" in r.text
    # Editing the zones moves the CAP footprint.
    smaller = [[121.403, 30.802], [121.405, 30.802], [121.405, 30.803], [121.403, 30.802]]
    r = svc.patch(f"/api/response-drafts/{d['id']}", json={"zones": [
        {"name": "AEGL-3", "action": "evacuate", "polygon": {"type": "Polygon", "coordinates": [smaller]}}]}, headers=op)
    assert r.status_code == 200, r.text
    assert r.json()["body"]["cap"]["area_polygon"][:3] == [list(p) for p in smaller][:3] or \
        sorted(map(tuple, r.json()["body"]["cap"]["area_polygon"])) == sorted(map(tuple, smaller))
    assert svc.get(f"/api/response-drafts/{d['id']}/cap.xml", headers=viewer).status_code == 200
    r = svc.post(f"/api/response-drafts/{d['id']}/discard", headers=op)
    assert r.status_code == 200 and r.json()["status"] == "discarded"
    r = svc.post(f"/api/response-drafts/{d['id']}/approve", headers=svc.as_role("commander"))
    assert r.status_code == 409 and "discarded" in r.json()["detail"]
    assert svc.get("/api/response-drafts/987654", headers=viewer).status_code == 404
    assert _outbox(svc) == []


def test_whole_path_through_the_simulation_service(svc):
    """With the simulation service (owner S): positions and contacts in, a plume run, the draft; the SMS go
    to exactly the phones whose positions lie inside a zone, once each."""
    from shapely.geometry import Point, shape

    from comms.models import Contact

    s = _setup(svc)
    op = svc.as_role("duty_officer")
    people = [P_IN1, P_IN2, P_SHELTER, P_OUT] + [
        {"person": f"员工{i}", "phone": f"+86137000{i:05d}", "lon": 121.4002 + 0.0009 * (i % 10),
         "lat": 30.8002 + 0.0009 * (i // 10)} for i in range(100)]
    at = svc.app.state.wp.clock.now().isoformat()
    pos = [{"person_id": f"p{i}", "name": p["person"], "lon": p["lon"], "lat": p["lat"], "at": at}
           for i, p in enumerate(people)]
    assert svc.post("/api/positions", json={"positions": pos}, headers=svc.as_role("service")).status_code == 200
    with svc.app.state.wp.sessions() as db:
        db.add_all(Contact(name=p["person"], phone=p["phone"]) for p in people)
        db.commit()
    r = svc.post("/api/simulations", json={
        "incident_id": s["incident"], "model": "plume_footprint", "substance": "benzene",
        "params": {"release_rate_kg_s": 5.0, "grid_n": 200},
        "weather": {"source": "manual", "wind_speed_m_s": 2.0, "wind_from_deg": 270.0, "stability": "F"}}, headers=op)
    if r.status_code in (404, 405):
        pytest.skip("the simulation service (POST /api/simulations) is not there")
    assert r.status_code == 201, r.text
    sim = r.json()
    r = svc.post(f"/api/incidents/{s['incident']}/response-drafts", json={"simulation_id": sim["id"]}, headers=op)
    assert r.status_code == 201, r.text
    body = r.json()["body"]
    reached = [z for z in sim["zones"] if z.get("polygon")]
    assert reached and [z["name"] for z in body["zones"]] == [z["name"] for z in sorted(
        reached, key=lambda z: ["evacuate", "shelter", "warn"].index(z["level"]))]
    geoms = [shape(z["polygon"]) for z in reached]
    inside = {p["phone"] for p in people if any(g.intersects(Point(p["lon"], p["lat"])) for g in geoms)}
    sms = [ph for w in body["warnings"] if w["channel"] == "sms" for ph in w["recipients"]]
    assert inside and sorted(sms) == sorted(inside)  # exactly those inside, each once
    for z in body["zones"]:
        for rt in z["routes"]:
            assert not any(g.intersects(Point(rt["coordinates"][-1])) for g, zz in zip(geoms, reached)
                           if zz["level"] == "evacuate")


def test_domain_pure_decisions():
    """The pure part: nested zones dedupe people, compass words, clusters, assembly points outside."""
    from command.domain import response_draft as rd

    ds = rd.decide_zones(_zones())
    assert [(d.name, d.action, [p["phone"] for p in d.people]) for d in ds] == [
        ("AEGL-3", "evacuate", [P_IN1["phone"], P_IN2["phone"]]), ("AEGL-2", "shelter", [P_SHELTER["phone"]])]
    assert rd.compass_zh(270) == "西" and rd.compass_zh(44) == "东北" and rd.compass_zh(359) == "北"
    ctx = rd.Context(substance="氯气", model="plume_footprint", wind_from_deg=0)
    assert rd.direction_away(ctx).startswith("向上风向（北方）")
    assert rd.direction_away(rd.Context(model="pool_fire", wind_from_deg=0)) == "背离事故点方向"
    groups = rd.cluster([(121.4035, 30.8028), (121.40351, 30.80281), (121.4060, 30.8035)])
    assert groups[0][2] == 2 and len(groups) == 2
    pts = [rd.AssemblyPoint("in", 121.404, 30.803), rd.AssemblyPoint("shelter-zone", 121.4088, 30.8058),
           rd.AssemblyPoint("out", 121.4005, 30.8085)]
    assert [p.name for p in rd.usable_assembly_points(pts, ds)] == ["out"]
    assert [p.name for p in rd.usable_assembly_points(pts[:2], ds)] == ["shelter-zone"]
    body = rd.draft_body(ctx, _zones(), [], None)
    assert body["zones"][0]["routes"] == [] and any("assembly" in n for n in body["notes"])
    assert len(body["cap"]["area_polygons"]) == 1
    with pytest.raises(ValueError, match="level"):
        rd.decide_zones([{"name": "x", "level": "flee", "polygon": {"type": "Polygon", "coordinates": [EVAC]}}])

