"""The resource registry's "expiring" view and search by code, which the console's resources page
reads (RES-2: validity and inspection of materials, vehicles and shelters; RES-1: quick query)."""

from __future__ import annotations

from datetime import timedelta


def _today(service):
    from command.services.resources import today

    return today(service.app.state.wp)


def test_expiring_within_lists_validity_and_inspection_due_soonest_first(service):
    """RES-2: ``expiring_within=N`` gives the resources whose validity ends or whose inspection falls
    due within N days, overdue ones included, soonest first; others and undated ones are left out."""
    op, viewer = service.as_role("duty_officer"), service.as_role("viewer")
    t = _today(service)
    day = lambda n: (t + timedelta(days=n)).isoformat()  # noqa: E731
    made = {}
    for name, kind, extra in [
            ("过期防毒面具 expired masks", "material", {"expires_on": day(-3)}),
            ("泡沫 foam in 10 d", "material", {"expires_on": day(10)}),
            ("消防车年检 engine inspection in 5 d", "vehicle", {"inspection_due_on": day(5), "expires_on": day(400)}),
            ("避难所 shelter inspection in 40 d", "shelter", {"inspection_due_on": day(40)}),
            ("无日期 no dates", "material", {}),
            ("远期 far validity", "material", {"expires_on": day(300)})]:
        r = service.post("/api/resources", json={"kind": kind, "name": name, **extra}, headers=op)
        assert r.status_code == 201, r.text
        made[name] = r.json()["id"]

    got = service.get("/api/resources", params={"expiring_within": 30}, headers=viewer)
    assert got.status_code == 200, got.text
    assert [r["name"] for r in got.json()] == ["过期防毒面具 expired masks", "消防车年检 engine inspection in 5 d",
                                              "泡沫 foam in 10 d"]
    expired = got.json()[0]
    assert expired["evaluation"]["valid"] is False and expired["expires_on"] == day(-3)

    wider = service.get("/api/resources", params={"expiring_within": 60, "kind": "shelter"}, headers=viewer).json()
    assert [r["id"] for r in wider] == [made["避难所 shelter inspection in 40 d"]]
    # 0 days: only what is due today or already overdue.
    assert [r["name"] for r in service.get("/api/resources", params={"expiring_within": 0}, headers=viewer).json()] \
        == ["过期防毒面具 expired masks"]
    # Without the parameter: everything, in id order.
    assert [r["id"] for r in service.get("/api/resources", headers=viewer).json()] == sorted(made.values())
    assert service.get("/api/resources", params={"expiring_within": -1}, headers=viewer).status_code == 422
    assert service.get("/api/resources", params={"expiring_within": 30}).status_code == 401


def test_search_matches_the_code_as_well_as_the_name(service):
    """RES-1: the registry's search box finds a resource by part of its name or of its code."""
    op, viewer = service.as_role("duty_officer"), service.as_role("viewer")
    service.post("/api/resources", json={"kind": "team", "name": "园区消防一队", "code": "FT-01"}, headers=op)
    service.post("/api/resources", json={"kind": "material", "name": "吸附棉", "code": "MAT-7"}, headers=op)
    q = lambda s: [r["name"] for r in service.get("/api/resources", params={"q": s}, headers=viewer).json()]  # noqa: E731
    assert q("FT-0") == ["园区消防一队"]
    assert q("吸附") == ["吸附棉"]
    assert q("%") == []  # a literal percent sign, not a wildcard
