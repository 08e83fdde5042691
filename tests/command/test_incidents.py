"""Incident lifecycle over the API and the statutory report clock (CMD-2)."""

from __future__ import annotations

from sqlalchemy import select

from command.db.models.warnings import Warning
from command.services import incidents, intake, scheduler
from tests.command.conftest import T0
from watchpost.events import AlarmEvent


def _post_alarm(service, sid, **kw):
    ev = {"source": "video", "source_event_id": sid, "type": "fire", "camera_id": sid,
          "location": {"name": "Tank A", "site": "s1", "lon": 120.0, "lat": 30.0}} | kw
    r = service.post("/api/alarms", json=ev, headers=service.as_role("service"))
    assert r.status_code == 201, r.text
    return r.json()


def test_full_lifecycle_over_api(service):
    """CMD-2: 接警 → verified → 上报 (+续报) → 应急启动 → 资源调度 → 处置部署 → 应急终止 → closed."""
    a1, a2 = _post_alarm(service, "i1"), _post_alarm(service, "i2", type="smoke")
    op = service.as_role("commander")
    r = service.post("/api/incidents", json={"alarm_ids": [a2["id"], a1["id"]]}, headers=op)
    assert r.status_code == 201, r.text
    inc = r.json()
    assert inc["status"] == "received" and inc["type"] == "fire" and inc["level"] == "red"  # most severe alarm leads
    assert sorted(inc["alarm_ids"]) == sorted([a1["id"], a2["id"]])
    assert inc["location"] == {"name": "Tank A", "site": "s1", "lon": 120.0, "lat": 30.0}
    assert inc["report_due_at"] and inc["next_followup_due_at"] is None
    iid = inc["id"]

    def move(to, **kw):
        return service.post(f"/api/incidents/{iid}/transitions", json={"to": to, **kw}, headers=op)

    r = move("deployed")
    assert r.status_code == 409 and "from received to deployed" in r.json()["detail"]
    assert move("verified", note="confirmed on camera").json()["status"] == "verified"
    # Filing the initial report from verified moves the incident to reported.
    r = service.post(f"/api/incidents/{iid}/reports", json={"kind": "initial", "body": "fire at tank A",
                                                            "to_authority": "park emergency office"}, headers=op)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "reported" and r.json()["next_followup_due_at"]
    r = service.post(f"/api/incidents/{iid}/reports", json={"kind": "initial", "body": "again"}, headers=op)
    assert r.status_code == 409 and "followup" in r.json()["detail"]
    r = move("activated")
    assert r.status_code == 409 and "response_level" in r.json()["detail"]
    assert move("activated", response_level="II").json()["response_level"] == "II"
    assert move("dispatching").status_code == 200
    assert service.post(f"/api/incidents/{iid}/reports", json={"kind": "followup", "body": "2 engines on site"},
                        headers=op).status_code == 201
    a3 = _post_alarm(service, "i3", camera_id="cam-x")
    linked = service.post(f"/api/incidents/{iid}/alarms", json={"alarm_ids": [a3["id"]]}, headers=op).json()
    assert a3["id"] in linked["alarm_ids"]
    for to in ("deployed", "terminated"):
        assert move(to).status_code == 200
    r = move("closed")
    assert r.status_code == 409 and "review" in r.json()["detail"]
    done = move("closed", note="after-action review held").json()
    assert done["status"] == "closed"
    tl = service.get(f"/api/incidents/{iid}/timeline", headers=service.as_role("viewer")).json()
    assert [(t["kind"], t["from"], t["to"]) for t in tl if t["kind"] == "transition"] == [
        ("transition", "received", "verified"), ("transition", "verified", "reported"),
        ("transition", "reported", "activated"), ("transition", "activated", "dispatching"),
        ("transition", "dispatching", "deployed"), ("transition", "deployed", "terminated"),
        ("transition", "terminated", "closed")]
    assert [t["data"]["kind"] for t in tl if t["kind"] == "report"] == ["initial", "followup"]
    assert all(t["actor"] == "commander" and t["at"] for t in tl)
    assert {t["kind"] for t in tl} >= {"created", "alarm_linked"}
    detail = service.get(f"/api/incidents/{iid}", headers=service.as_role("viewer")).json()
    assert {a["status"] for a in detail["alarms"]} == {"closed"} and len(detail["reports"]) == 2
    r = service.post(f"/api/incidents/{iid}/reports", json={"kind": "followup", "body": "late"}, headers=op)
    assert r.status_code == 409


def test_incident_api_errors(service):
    op = service.as_role("duty_officer")
    assert service.post("/api/incidents", json={}, headers=op).status_code == 422
    assert service.post("/api/incidents", json={"alarm_ids": [777]}, headers=op).status_code == 404
    assert service.post("/api/incidents", json={"type": "leak"}, headers=service.as_role("viewer")).status_code == 403
    manual = service.post("/api/incidents", json={"type": "leak", "title": "valve leak", "level": "orange",
                                                  "location": {"name": "Pump 4", "lon": 121.0, "lat": 31.0}}, headers=op)
    assert manual.status_code == 201 and manual.json()["alarm_ids"] == [] and manual.json()["level"] == "orange"
    iid = manual.json()["id"]
    r = service.post(f"/api/incidents/{iid}/transitions", json={"to": "nowhere"}, headers=op)
    assert r.status_code == 422 and "to" in r.text
    assert service.post("/api/incidents/999/transitions", json={"to": "verified"}, headers=op).status_code == 404
    a = _post_alarm(service, "x1")
    assert service.post("/api/incidents", json={"alarm_ids": [a["id"]]}, headers=op).status_code == 201
    r = service.post("/api/incidents", json={"alarm_ids": [a["id"]]}, headers=op)
    assert r.status_code == 409 and "already belongs" in r.json()["detail"]
    r = service.post(f"/api/incidents/{iid}/transitions", json={"to": "false_alarm", "note": "test valve"}, headers=op)
    assert r.json()["status"] == "false_alarm"
    r = service.post(f"/api/incidents/{iid}/transitions", json={"to": "verified"}, headers=op)
    assert r.status_code == 409 and "no further" in r.json()["detail"]
    assert [i["id"] for i in service.get("/api/incidents?status=false_alarm",
                                         headers=service.as_role("viewer")).json()] == [iid]


def test_report_clock_raises_warnings(clocked):
    """CMD-2 上报续报: an overdue initial report, then an overdue follow-up, each raise one warning."""
    state, clock, _ = clocked
    ev = AlarmEvent(source="sensor", source_event_id="g1", type="gas", occurred_at=T0)
    with state.sessions() as db:
        alarm, _ = intake.ingest(db, state, ev, "svc")
        inc = incidents.create(db, state, "duty1", alarm_ids=[alarm.id])
        db.commit()
    p = state.config.policies
    clock.advance(p.report_due_s - 1)
    scheduler.run_due(state)

    def overdue_warnings():
        with state.sessions() as db:
            return list(db.execute(select(Warning.title).where(Warning.incident_id == inc.id,
                                                               Warning.kind == "report_overdue")).scalars())

    assert overdue_warnings() == []
    clock.advance(1)
    scheduler.run_due(state)
    assert len(overdue_warnings()) == 1 and "initial report overdue" in overdue_warnings()[0]
    scheduler.run_due(state, clock.advance(600))
    assert len(overdue_warnings()) == 1  # once per missed deadline
    with state.sessions() as db:
        rep = incidents.add_report(db, state, inc.id, "initial", "gas leak report", "EMO", "duty1")
        assert rep.late is True
        db.commit()
    scheduler.run_due(state, clock.advance(p.followup_every_s - 1))
    assert len(overdue_warnings()) == 1
    with state.sessions() as db:  # a follow-up in time moves the clock on
        incidents.add_report(db, state, inc.id, "followup", "contained", "EMO", "duty1")
        db.commit()
    scheduler.run_due(state, clock.advance(2))  # the old follow-up deadline is stale now
    assert len(overdue_warnings()) == 1
    scheduler.run_due(state, clock.advance(p.followup_every_s))
    titles = overdue_warnings()
    assert len(titles) == 2 and "follow-up report overdue" in titles[1]
    with state.sessions() as db:
        kinds = [t["kind"] for t in incidents.timeline(db, inc.id)]
        assert kinds.count("report_overdue") == 2
        incidents.transition(db, state, inc.id, "verified", "duty1")
        incidents.transition(db, state, inc.id, "reported", "duty1")
        incidents.transition(db, state, inc.id, "terminated", "duty1", note="leak stopped")
        db.commit()
    scheduler.run_due(state, clock.advance(10 * p.followup_every_s))
    assert len(overdue_warnings()) == 2  # no follow-ups owed after termination
