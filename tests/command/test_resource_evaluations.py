"""An expert's evaluations after incidents (RES-2): recorded by an operator, listed newest first by
GET /api/resources/{id}/evaluations for any reader, with the running mean on the resource itself.
The resources page shows this list and adds to it."""

from __future__ import annotations


def _expert(service, op, name="危化品专家 测试"):
    r = service.post("/api/resources", json={"kind": "expert", "name": name, "phone": "13800000001"}, headers=op)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_evaluations_are_listed_newest_first_with_the_incident_and_the_rating(service):
    op, viewer = service.as_role("duty_officer"), service.as_role("viewer")
    eid = _expert(service, op)
    other = _expert(service, op, "另一位专家")
    iid = service.post("/api/incidents", json={"type": "leak", "title": "罐区泄漏 Tank farm leak", "level": "orange",
                                               "location": {"name": "3号储罐"}}, headers=op).json()["id"]
    assert service.get(f"/api/resources/{eid}/evaluations", headers=viewer).json() == []

    r = service.post(f"/api/resources/{eid}/evaluations", json={"score": 4, "incident_id": iid, "note": "处置建议及时"},
                     headers=op)
    assert r.status_code == 201, r.text
    assert r.json() == {"score": 4.0, "evaluations": 1}
    r = service.post(f"/api/resources/{eid}/evaluations", json={"score": 2}, headers=service.as_role("commander"))
    assert r.status_code == 201, r.text
    service.post(f"/api/resources/{other}/evaluations", json={"score": 5}, headers=op)

    got = service.get(f"/api/resources/{eid}/evaluations", headers=viewer)
    assert got.status_code == 200, got.text
    rows = got.json()
    assert [(e["score"], e["incident_id"], e["incident_title"], e["note"]) for e in rows] == [
        (2, None, None, ""), (4, iid, "罐区泄漏 Tank farm leak", "处置建议及时")]
    assert rows[0]["actor"] == "commander" and rows[1]["actor"] == "duty_officer"
    assert all(e["resource_id"] == eid and e["at"] for e in rows)
    assert service.get(f"/api/resources/{eid}", headers=viewer).json()["rating"] == {"score": 3.0, "evaluations": 2}
    # paging
    page = service.get(f"/api/resources/{eid}/evaluations", params={"limit": 1, "offset": 1}, headers=viewer).json()
    assert [e["score"] for e in page] == [4]


def test_evaluations_refusals(service):
    op, viewer = service.as_role("duty_officer"), service.as_role("viewer")
    eid = _expert(service, op)
    mat = service.post("/api/resources", json={"kind": "material", "name": "吸附棉"}, headers=op).json()["id"]
    # Only experts are evaluated; a material simply has none.
    assert service.post(f"/api/resources/{mat}/evaluations", json={"score": 3}, headers=op).status_code == 422
    assert service.get(f"/api/resources/{mat}/evaluations", headers=viewer).json() == []
    # Bad input, unknown incident: refused, nothing recorded.
    for body in ({"score": 0}, {"score": 6}, {"score": 3, "incident_id": 999_999}, {"score": 3, "extra": 1}):
        assert service.post(f"/api/resources/{eid}/evaluations", json=body, headers=op).status_code == 422, body
    assert service.get(f"/api/resources/{eid}/evaluations", headers=viewer).json() == []
    # A viewer reads but does not evaluate; nobody reads without signing in.
    assert service.post(f"/api/resources/{eid}/evaluations", json={"score": 3}, headers=viewer).status_code == 403
    assert service.get(f"/api/resources/{eid}/evaluations").status_code == 401
    assert service.get("/api/resources/999999/evaluations", headers=viewer).status_code == 404
    assert service.get(f"/api/resources/{eid}/evaluations", params={"limit": 0}, headers=viewer).status_code == 422
    assert service.get(f"/api/resources/{eid}/evaluations", params={"limit": 1001}, headers=viewer).status_code == 422
