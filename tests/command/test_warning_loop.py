"""Warnings: four levels, closed loop, supervision on missed deadlines, persisted scheduler (ALM-1..3)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from command.db.models.scheduler import ScheduledJob
from command.db.models.warnings import Escalation
from command.services import intake, scheduler, warnings
from comms.models import OutboxRecord
from tests.command.conftest import T0
from watchpost.events import AlarmEvent


def _alarm(state, sid, type_="fire", level=None, exercise=False):
    ev = AlarmEvent(source="video", source_event_id=sid, type=type_, level=level, occurred_at=T0, camera_id=sid,
                    exercise=exercise)
    with state.sessions() as db:
        alarm, created = intake.ingest(db, state, ev, "svc")
    assert created
    return alarm


def _outbox(state, warning_id):
    with state.sessions() as db:
        return [(r.channel, r.recipient, r.body) for r in
                db.execute(select(OutboxRecord).where(OutboxRecord.warning_id == warning_id).order_by(OutboxRecord.id)).scalars()]


def test_red_warning_notifies_per_policy(clocked):
    """ALM-1/2: a red alarm raises a red warning pushed to the duty officers by sms + broadcast (+console)."""
    state, clock, _ = clocked
    a = _alarm(state, "r1")
    with state.sessions() as db:
        w = warnings.get(db, a.warning_id)
    assert (w.level, w.stage, w.notified) == ("red", "pushed", len(_outbox(state, w.id)))
    assert w.verify_due_at == T0 + timedelta(seconds=300)
    assert w.feedback_due_at == T0 + timedelta(seconds=1800)
    out = _outbox(state, a.warning_id)
    sms = [r for r in out if r[0] == "sms"]
    assert [r[1] for r in sms] == ["+8613900000001"]  # duty officers only, by phone
    assert "红色预警" in sms[0][2]
    assert [r[0] for r in out if r[0] != "sms"] == ["broadcast"] * len(state.config.comms.broadcast.zones)


def test_supervision_when_deadlines_pass(clocked):
    """ALM-2 督办: verify/feedback deadlines missed → escalation record + notice to supervise_roles."""
    state, clock, _ = clocked
    a = _alarm(state, "s1", type_="smoke")  # orange: verify 600 s, feedback 3600 s
    assert scheduler.run_due(state, clock.advance(599)) == 0
    assert scheduler.run_due(state, clock.advance(1)) == 1
    with state.sessions() as db:
        w = warnings.get(db, a.warning_id)
        assert w.verify_overdue_at is not None and w.feedback_overdue_at is None
        esc = db.execute(select(Escalation).where(Escalation.warning_id == w.id)).scalars().all()
        assert [(e.deadline, e.roles) for e in esc] == [("verify", ["commander"])]
        hist = [h["action"] for h in warnings.history(db, w.id)]
        assert hist[-1] == "supervised"
    supervise_sms = [r for r in _outbox(state, a.warning_id) if "督办" in r[2]]
    assert [r[1] for r in supervise_sms] == ["+8613900000002"]  # the commander
    # Running again at the same time changes nothing (idempotent); feedback deadline fires later.
    assert scheduler.run_due(state, clock.now()) == 0
    assert scheduler.run_due(state, clock.advance(3000)) == 1
    with state.sessions() as db:
        assert len(warnings.escalations(db, a.warning_id)) == 2


def test_no_supervision_when_done_in_time(clocked):
    state, clock, _ = clocked
    a = _alarm(state, "ok1", type_="off_post")  # yellow
    with state.sessions() as db:
        intake.verify(db, state, a.id, "true", "duty1", "seen on camera")
        db.commit()
        warnings.feedback(db, state, a.warning_id, "duty1", "guard back at post")
        warnings.close(db, state, a.warning_id, "cmd1", "done")
        db.commit()
    assert scheduler.run_due(state, clock.advance(10 * 86400)) == 2  # both jobs fire, both find nothing to do
    with state.sessions() as db:
        w = warnings.get(db, a.warning_id)
        assert w.stage == "closed" and w.verify_overdue_at is None and w.feedback_overdue_at is None
        assert warnings.escalations(db, w.id) == []


def test_deadline_survives_restart(clocked):
    """Deadlines are rows: a deadline set before a restart (new state, same DB) still fires after it."""
    state, clock, make_state = clocked
    a = _alarm(state, "rs1")
    state.engine.dispose()  # "crash": nothing in memory survives
    clock.advance(301)
    fresh = make_state()
    loop = scheduler.Scheduler(fresh, interval_s=0.05)
    loop.start()
    try:
        import time

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with fresh.sessions() as db:
                if warnings.get(db, a.warning_id).verify_overdue_at is not None:
                    break
            time.sleep(0.05)
    finally:
        loop.stop()
    with fresh.sessions() as db:
        assert warnings.get(db, a.warning_id).verify_overdue_at is not None
        job = db.execute(select(ScheduledJob).where(ScheduledJob.ref_id == a.warning_id,
                                                    ScheduledJob.kind == "warning_verify")).scalar_one()
        assert job.done_at is not None and job.attempts == 1


def test_metrics_closed_loop(clocked):
    """ALM-3: pushed = results; feedback = pushed → 100 % closed loop, per level and in total."""
    state, clock, _ = clocked
    alarms = [_alarm(state, f"mx{i}", type_=t) for i, t in enumerate(["fire", "fire", "smoke", "off_post"])]
    _alarm(state, "drill1", type_="fire", exercise=True)
    with state.sessions() as db:
        for a in alarms[:3]:
            intake.verify(db, state, a.id, "true", "duty1")
            warnings.feedback(db, state, a.warning_id, "duty1", "handled")
        db.commit()
        m = warnings.metrics(db, clock.now(), T0 - timedelta(hours=1), T0 + timedelta(hours=1))
    assert m["levels"]["red"] == {"raised": 2, "pushed": 2, "verified": 2, "fed_back": 2, "overdue": 0, "closed": 0,
                                  "closed_loop_rate": 100.0}
    assert m["levels"]["orange"]["closed_loop_rate"] == 100.0
    assert m["levels"]["yellow"] == {"raised": 1, "pushed": 1, "verified": 0, "fed_back": 0, "overdue": 0,
                                     "closed": 0, "closed_loop_rate": 0.0}
    assert m["levels"]["blue"]["raised"] == 0 and m["levels"]["blue"]["closed_loop_rate"] == 100.0
    assert m["total"]["raised"] == 4 and m["total"]["closed_loop_rate"] == 75.0
    clock.advance(2000)  # the yellow one is now past its verify deadline
    with state.sessions() as db:
        m2 = warnings.metrics(db, clock.now(), None, None, level="yellow")
        assert m2["levels"]["yellow"]["overdue"] == 1 and list(m2["levels"]) == ["yellow"]
        assert warnings.metrics(db, clock.now(), None, None, exercise=True)["total"]["raised"] == 1


def test_warning_api(service):
    """Warning routes: list, detail with history, verify → feedback → close, 409 on skipping, metrics."""
    a = service.post("/api/alarms", json={"source": "sensor", "source_event_id": "w1", "type": "gas",
                                          "location": {"name": "U1"}}, headers=service.as_role("service")).json()
    wid = a["warning_id"]
    op = service.as_role("duty_officer")
    r = service.post(f"/api/warnings/{wid}/feedback", json={"text": "x"}, headers=op)
    assert r.status_code == 409 and "核查" in r.json()["detail"]
    assert service.post(f"/api/warnings/{wid}/feedback", json={"text": ""}, headers=op).status_code == 422
    assert service.post(f"/api/warnings/{wid}/verify", json={}, headers=service.as_role("viewer")).status_code == 403
    assert service.post(f"/api/warnings/{wid}/verify", json={"note": "checked"}, headers=op).json()["stage"] == "verified"
    assert service.post(f"/api/warnings/{wid}/feedback", json={"text": "valve closed"}, headers=op).status_code == 200
    d = service.post(f"/api/warnings/{wid}/close", json={}, headers=op).json()
    assert d["stage"] == "closed" and [h["action"] for h in d["history"]] == ["raised", "pushed", "verified",
                                                                             "fed_back", "closed"]
    v = service.as_role("viewer")
    assert [w["id"] for w in service.get("/api/warnings?level=orange", headers=v).json()] == [wid]
    assert service.get("/api/warnings/424242", headers=v).status_code == 404
    m = service.get("/api/warnings/metrics?level=orange", headers=v).json()
    assert m["levels"]["orange"]["fed_back"] == 1 and m["levels"]["orange"]["closed_loop_rate"] == 100.0
    assert service.get(f"/api/alarms/{a['id']}", headers=v).json()["status"] == "closed"
