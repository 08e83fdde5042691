"""Alarm intake over HTTP on SQLite and PostgreSQL (ALM-4, CMD-2 接处警, ALM-1/2)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from command.db.models.alarms import Alarm

T = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)


def _event(sid: str, **kw) -> dict:
    ev = {"source": "video", "source_event_id": sid, "type": "fire", "occurred_at": T.isoformat(),
          "camera_id": "cam-1", "score": 0.8, "location": {"name": "Tank farm A", "site": "s1", "lon": 120.1, "lat": 30.2},
          "evidence": [{"kind": "snapshot", "uri": f"media/{sid}.jpg", "sha256": "a" * 64, "media_type": "image/jpeg"}]}
    ev.update(kw)
    return ev


def test_post_is_idempotent_and_persisted(service):
    """ALM-4: a retry with the same (source, source_event_id) returns the same alarm, never a duplicate."""
    h = service.as_role("service")
    r1 = service.post("/api/alarms", json=_event("e1"), headers=h)
    assert r1.status_code == 201, r1.text
    a = r1.json()
    assert a["level"] == "red" and a["status"] == "new" and a["occurrences"] == 1 and a["warning_id"]
    assert a["location"] == {"name": "Tank farm A", "site": "s1", "lon": 120.1, "lat": 30.2}
    assert set(a) == {"id", "source", "source_event_id", "type", "level", "status", "occurred_at", "last_seen_at",
                      "occurrences", "location", "camera_id", "score", "boxes", "reading", "title", "description",
                      "evidence", "verdict", "verified_by", "verified_at", "verify_note", "exercise", "incident_id",
                      "warning_id", "created_at"}
    r2 = service.post("/api/alarms", json=_event("e1"), headers=h)
    assert r2.status_code == 200 and r2.json()["id"] == a["id"] and r2.headers["X-Alarm-Outcome"] == "duplicate"
    assert r2.json()["occurrences"] == 1
    listed = service.get("/api/alarms", headers=service.as_role("viewer")).json()
    assert [x["id"] for x in listed] == [a["id"]]


def test_repeats_merge_within_window(service):
    """ALM-4 merge: same source/camera/type within merge_window_s folds into one alarm."""
    h = service.as_role("service")
    first = service.post("/api/alarms", json=_event("m1"), headers=h).json()
    t2 = (T + timedelta(seconds=60)).isoformat()
    r = service.post("/api/alarms", json=_event("m2", occurred_at=t2, score=0.9), headers=h)
    assert r.status_code == 200 and r.headers["X-Alarm-Outcome"] == "merged"
    merged = r.json()
    assert merged["id"] == first["id"] and merged["occurrences"] == 2 and merged["score"] == 0.9
    assert merged["last_seen_at"].startswith(T.replace(second=0, minute=1).isoformat()[:19])
    assert [e["uri"] for e in merged["evidence"]] == ["media/m1.jpg", "media/m2.jpg"]
    # A retry of the merged repeat does not count again.
    again = service.post("/api/alarms", json=_event("m2", occurred_at=t2), headers=h).json()
    assert again["occurrences"] == 2
    # Outside the window, or another camera: a new alarm.
    far = service.post("/api/alarms", json=_event("m3", occurred_at=(T + timedelta(seconds=400)).isoformat()), headers=h)
    other = service.post("/api/alarms", json=_event("m4", camera_id="cam-2"), headers=h)
    assert far.status_code == 201 and other.status_code == 201
    assert len({first["id"], far.json()["id"], other.json()["id"]}) == 3


def test_sensor_phone_sources_levels_and_filters(service):
    """ALM-4: sensor alarms carry a reading; phone alarms are entered by a duty officer; ALM-1 levels."""
    sensor = {"source": "sensor", "source_event_id": "gas-7", "type": "gas", "occurred_at": T.isoformat(),
              "location": {"name": "Unit 3", "site": "s1"},
              "reading": {"parameter": "H2S", "value": 25.0, "threshold": 10.0, "unit": "ppm"}}
    r = service.post("/api/alarms", json=sensor, headers=service.as_role("service"))
    assert r.status_code == 201 and r.json()["level"] == "orange" and r.json()["reading"]["unit"] == "ppm"
    phone = {"source": "phone", "source_event_id": "call-1", "type": "leak", "level": "blue",
             "location": {"name": "Gate 2"}, "description": "caller reports a smell"}
    r2 = service.post("/api/alarms", json=phone, headers=service.as_role("duty_officer"))
    assert r2.status_code == 201 and r2.json()["level"] == "blue"
    r3 = service.post("/api/alarms", json={**phone, "source_event_id": "call-2", "type": "odd", "level": None},
                      headers=service.as_role("duty_officer"))
    assert r3.json()["level"] == "yellow"  # no level, no default for the type
    v = service.as_role("viewer")
    assert [a["source"] for a in service.get("/api/alarms?source=sensor", headers=v).json()] == ["sensor"]
    assert {a["id"] for a in service.get("/api/alarms?level=blue", headers=v).json()} == {r2.json()["id"]}
    assert len(service.get("/api/alarms?limit=2", headers=v).json()) == 2
    assert service.get(f"/api/alarms/{r.json()['id']}", headers=v).json()["type"] == "gas"


def test_bad_input_roles_and_unknown_ids(service):
    h = service.as_role("service")
    r = service.post("/api/alarms", json=_event("b1", type="Fire!"), headers=h)
    assert r.status_code == 422 and "type" in r.text
    r = service.post("/api/alarms", json={**_event("b2"), "score": 2}, headers=h)
    assert r.status_code == 422 and "score" in r.text
    assert service.post("/api/alarms", json=_event("b3"), headers=service.as_role("viewer")).status_code == 403
    assert service.post("/api/alarms", json=_event("b3")).status_code == 401
    r = service.post("/api/alarms", json=_event("b3"), headers=service.as_role("drill_organizer"))
    assert r.status_code == 403 and "exercise" in r.json()["detail"]
    r = service.post("/api/alarms", json=_event("b3", exercise=True), headers=service.as_role("drill_organizer"))
    assert r.status_code == 201 and r.json()["exercise"] is True
    assert service.get("/api/alarms/99999", headers=service.as_role("viewer")).status_code == 404
    assert service.post("/api/alarms/99999/verify", json={"verdict": "true"},
                        headers=service.as_role("duty_officer")).status_code == 404
    assert service.get("/api/alarms?level=purple", headers=service.as_role("viewer")).status_code == 422
    with service.app.state.wp.sessions() as db:  # nothing half-written by the refused posts
        assert db.execute(select(func.count()).select_from(Alarm)).scalar_one() == 1


def test_verify_keeps_verdict_and_verifies_warning(service):
    """Verification: true/false/drill kept with who and when; the warning moves to 核查 (ALM-2)."""
    a = service.post("/api/alarms", json=_event("v1"), headers=service.as_role("service")).json()
    r = service.post(f"/api/alarms/{a['id']}/verify", json={"verdict": "maybe"}, headers=service.as_role("duty_officer"))
    assert r.status_code == 422
    assert service.post(f"/api/alarms/{a['id']}/verify", json={"verdict": "true"},
                        headers=service.as_role("viewer")).status_code == 403
    r = service.post(f"/api/alarms/{a['id']}/verify", json={"verdict": "false", "note": "welding"},
                     headers=service.as_role("duty_officer"))
    assert r.status_code == 200, r.text
    v = r.json()
    assert v["status"] == "false_alarm" and v["verdict"] == "false" and v["verified_by"] == "duty_officer"
    assert v["verified_at"] and v["verify_note"] == "welding"
    w = service.get(f"/api/warnings/{a['warning_id']}", headers=service.as_role("viewer")).json()
    assert w["stage"] == "verified" and w["verified_by"] == "duty_officer"
    assert [h["action"] for h in w["history"]] == ["raised", "pushed", "verified"]
    from command.db.models.audit import AuditEntry

    with service.app.state.wp.sessions() as db:
        actions = set(db.execute(select(AuditEntry.action).where(AuditEntry.entity_id == str(a["id"]),
                                                                 AuditEntry.entity_type == "alarm")).scalars())
    assert {"alarm.create", "alarm.verify"} <= actions


def test_changes_are_pushed_live(service):
    """ALM-4 real-time: create, verify and the warning's stages are push events in the same transaction."""
    from command.db.models.push import PushEventRow

    a = service.post("/api/alarms", json=_event("p1"), headers=service.as_role("service")).json()
    service.post(f"/api/alarms/{a['id']}/verify", json={"verdict": "true"}, headers=service.as_role("commander"))
    with service.app.state.wp.sessions() as db:
        events = [(e.topic, e.action, e.data.get("id")) for e in
                  db.execute(select(PushEventRow).order_by(PushEventRow.id)).scalars() if e.topic in ("alarm", "warning")]
    assert ("alarm", "created", a["id"]) in events and ("alarm", "verified", a["id"]) in events
    assert ("warning", "raised", a["warning_id"]) in events and ("warning", "verified", a["warning_id"]) in events
    assert events.index(("alarm", "created", a["id"])) < events.index(("alarm", "verified", a["id"]))
