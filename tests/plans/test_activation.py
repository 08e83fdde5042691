"""End to end (CMD-5, PLAN-6, CMD-1, CMD-6, RES-2): an incident is matched to a published plan,
activated with one click, and its tasks, reservations and notifications are tracked."""

from __future__ import annotations

import io
from datetime import timedelta

from tests.plans.sample import park_plan, publish


def _setup(service, materials_qty: float = 30):
    op = service.as_role("duty_officer")
    pid = service.post("/api/plans", json=park_plan(), headers=op).json()["id"]
    publish(service, pid)
    # A competing enterprise plan that does not name benzene and is for another site.
    other = service.post("/api/plans", json=park_plan("仓库火灾预案", structured={
        **park_plan()["structured"], "triggers": {"incident_types": ["leak", "fire"], "sites": ["wh-1"]}}), headers=op).json()["id"]
    publish(service, other)
    draft = service.post("/api/plans", json=park_plan("未发布预案"), headers=op).json()["id"]
    now = service.app.state.wp.clock.now()
    for role, person, phone in [("现场指挥", "张三", "+8613911110001"), ("消防队长", "李四", "+8613911110002"),
                                ("环保员", "王五", "+8613911110003")]:
        r = service.post("/api/duty/shifts", json={"role": role, "person": person, "phone": phone,
                                                   "starts_at": (now - timedelta(hours=1)).isoformat(),
                                                   "ends_at": (now + timedelta(hours=7)).isoformat()}, headers=op)
        assert r.status_code == 201, r.text
    foam = service.post("/api/resources", json={"kind": "material", "name": "抗溶泡沫", "category": "泡沫灭火剂",
                                                "quantity": materials_qty, "unit": "桶", "lon": 121.4005, "lat": 30.8005},
                        headers=op).json()
    old = service.post("/api/resources", json={"kind": "material", "name": "过期泡沫", "category": "泡沫灭火剂",
                                               "quantity": 100, "expires_on": "2020-01-01"}, headers=op).json()
    team = service.post("/api/resources", json={"kind": "team", "name": "园区消防队", "category": "消防",
                                                "members": ["甲", "乙"], "lon": 121.409, "lat": 30.8005}, headers=op).json()
    inc = service.post("/api/incidents", json={"type": "leak", "title": "罐区A苯泄漏", "level": "orange",
                                               "location": {"name": "罐区A", "site": "tank-farm-a",
                                                            "lon": 121.403, "lat": 30.8025}}, headers=op).json()
    assert service.post(f"/api/incidents/{inc['id']}/transitions", json={"to": "verified"}, headers=op).status_code == 200
    return {"plan": pid, "other": other, "draft": draft, "foam": foam, "old": old, "team": team, "incident": inc["id"]}


def _outbox(service, incident_id):
    from sqlalchemy import select

    from comms.models import OutboxRecord

    with service.app.state.wp.sessions() as db:
        return [(r.channel, r.recipient, r.body) for r in db.execute(
            select(OutboxRecord).where(OutboxRecord.incident_id == incident_id)).scalars()]


def test_match_activate_track(service):
    s = _setup(service)
    op, cmd, viewer = service.as_role("duty_officer"), service.as_role("commander"), service.as_role("viewer")
    iid = s["incident"]
    m = service.get(f"/api/incidents/{iid}/plan-matches", params={"substance": "苯"}, headers=viewer).json()
    assert [x["plan_id"] for x in m][:2] == [s["plan"], s["other"]]
    assert s["draft"] not in [x["plan_id"] for x in m]  # unpublished plans are never offered
    assert m[0]["response_level"] == "II" and any("苯" in r for r in m[0]["reasons"])
    m3 = service.get(f"/api/incidents/{iid}/plan-matches", params={"substance": "苯", "casualties": 4}, headers=viewer).json()
    assert m3[0]["response_level"] == "I"

    check = service.get(f"/api/incidents/{iid}/plan-check", params={"plan_id": s["plan"], "response_level": "II"},
                        headers=viewer).json()
    assert any("过期泡沫" in f and "expired" in f for f in check["flags"])  # flagged before dispatch

    # Illegal: activating an unpublished plan.
    r = service.post(f"/api/incidents/{iid}/activate-plan", json={"plan_id": s["draft"], "response_level": "II"}, headers=cmd)
    assert r.status_code == 409 and "published" in r.json()["detail"]
    assert service.post(f"/api/incidents/{iid}/activate-plan", json={"plan_id": s["plan"], "response_level": "II"},
                        headers=op).status_code == 403
    r = service.post(f"/api/incidents/{iid}/activate-plan", json={"plan_id": s["plan"], "response_level": "II"},
                     headers=service.as_role("drill_organizer"))
    assert r.status_code == 403 and "exercise" in r.json()["detail"]  # a real incident is not a drill

    r = service.post(f"/api/incidents/{iid}/activate-plan", json={"plan_id": s["plan"], "response_level": "II"}, headers=cmd)
    assert r.status_code == 201, r.text
    act = r.json()
    assert service.get(f"/api/incidents/{iid}", headers=viewer).json()["status"] == "activated"
    tasks = service.get(f"/api/incidents/{iid}/tasks", headers=viewer).json()
    assert [(t["card_id"], t["assignee"]) for t in tasks] == [("c1", "张三"), ("c2", "李四"), ("c3", "王五")]
    assert tasks[0]["due_at"] is not None
    resv = service.get(f"/api/incidents/{iid}/reservations", headers=viewer).json()
    assert {(x["resource_id"], x["quantity"]) for x in resv} == {(s["foam"]["id"], 20), (s["team"]["id"], 1)}
    assert any("过期泡沫" in w for w in act["warnings"])
    sent = _outbox(service, iid)
    recipients = {(c, r) for c, r, _ in sent}
    assert {("sms", "+8613900000001"), ("sms", "+8613900000002"), ("sms", "+8613911110001"),
            ("broadcast", "zone-a"), ("sms", "+8613911110002")} <= recipients
    assert act["notifications"] == len(sent)
    assert all("II级响应" in b for _, _, b in sent)

    # Field feedback: progress, reassignment, more resources (adjusts the dispatch).
    t2 = tasks[1]["id"]
    r = service.post(f"/api/tasks/{t2}/feedback", json={"status": "in_progress", "note": "已到场"}, headers=op)
    assert r.json()["status"] == "in_progress"
    r = service.post(f"/api/tasks/{t2}/feedback", json={"status": "pending"}, headers=op)
    assert r.status_code == 409
    r = service.post(f"/api/tasks/{t2}/feedback", json={"reassign_to": "赵六", "note": "李四受伤",
                                                         "add_resources": [{"resource_id": s["foam"]["id"], "quantity": 5}]}, headers=op)
    assert r.status_code == 200, r.text
    assert r.json()["assignee"] == "赵六" and len(r.json()["dispatch_ids"]) == 1
    # 30 in stock, 25 reserved now: asking 10 more conflicts and nothing of the request is kept.
    r = service.post(f"/api/tasks/{t2}/feedback", json={"status": "done",
                                                         "add_resources": [{"resource_id": s["foam"]["id"], "quantity": 10}]}, headers=op)
    assert r.status_code == 409 and "free 5" in r.json()["detail"]
    assert service.get(f"/api/incidents/{iid}/tasks", headers=viewer).json()[1]["status"] == "in_progress"
    ev = service.get(f"/api/tasks/{t2}/events", headers=viewer).json()
    assert [e["kind"] for e in ev] == ["status", "status", "reassign", "resources"]
    d = service.get(f"/api/incidents/{iid}/dispatches", headers=viewer).json()[0]
    for st in ("en_route", "on_scene"):
        assert service.post(f"/api/dispatches/{d['id']}/status", json={"status": st}, headers=op).status_code == 200
    assert service.post(f"/api/dispatches/{d['id']}/status", json={"status": "ordered"}, headers=op).status_code == 409

    # One-click reports with Chinese text (CMD-6).
    from pypdf import PdfReader

    r = service.get(f"/api/incidents/{iid}/reports/resource-assessment", params={"format": "pdf"}, headers=viewer)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
    assert "应急资源评估报告" in text and "抗溶泡沫" in text and "过期泡沫" in text
    r = service.get(f"/api/incidents/{iid}/reports/decision-support", params={"format": "pdf"}, headers=viewer)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
    assert "辅助决策报告" in text and "罐区A苯泄漏专项应急预案" in text and "张三" in text
    import docx

    r = service.get(f"/api/incidents/{iid}/reports/decision-support", params={"format": "docx"}, headers=viewer)
    body = "\n".join(p.text for p in docx.Document(io.BytesIO(r.content)).paragraphs)
    assert "辅助决策报告" in body and "启动应急响应" in body


def test_conflicting_reservation_leaves_nothing_applied(service):
    """Bad input: a reservation that does not fit → 409; no tasks, no outbox rows, incident unchanged."""
    s = _setup(service, materials_qty=10)
    cmd, viewer = service.as_role("commander"), service.as_role("viewer")
    iid = s["incident"]
    r = service.post(f"/api/incidents/{iid}/activate-plan",
                     json={"plan_id": s["plan"], "response_level": "II",
                           "reservations": [{"resource_id": s["foam"]["id"], "quantity": 11}]}, headers=cmd)
    assert r.status_code == 409 and "reservation conflict" in r.json()["detail"]
    assert service.get(f"/api/incidents/{iid}", headers=viewer).json()["status"] == "verified"
    assert service.get(f"/api/incidents/{iid}/tasks", headers=viewer).json() == []
    assert service.get(f"/api/incidents/{iid}/reservations", headers=viewer).json() == []
    assert _outbox(service, iid) == []
    # A level the plan does not define is refused; then a proper activation succeeds and a second is refused.
    r = service.post(f"/api/incidents/{iid}/activate-plan", json={"plan_id": s["plan"], "response_level": "IV"}, headers=cmd)
    assert r.status_code == 422
    assert service.post(f"/api/incidents/{iid}/activate-plan", json={"plan_id": s["plan"], "response_level": "III"},
                        headers=cmd).status_code == 201
    r = service.post(f"/api/incidents/{iid}/activate-plan", json={"plan_id": s["plan"], "response_level": "III"}, headers=cmd)
    assert r.status_code == 409
    # Level III has no c3 card (I/II only).
    assert [t["card_id"] for t in service.get(f"/api/incidents/{iid}/tasks", headers=viewer).json()] == ["c1", "c2"]


def test_match_follows_plan_revisions(service):
    """PLAN-6/PLAN-7: a revised and re-published plan is matched with its new levels (no stale cache)."""
    from tests.plans.sample import structured

    op, viewer = service.as_role("duty_officer"), service.as_role("viewer")
    pid = service.post("/api/plans", json=park_plan(), headers=op).json()["id"]
    publish(service, pid)
    iid = service.post("/api/incidents", json={"type": "leak", "title": "泄漏", "level": "red",
                                               "location": {"site": "tank-farm-a"}}, headers=op).json()["id"]
    assert service.get(f"/api/incidents/{iid}/plan-matches", headers=viewer).json()[0]["response_level"] == "II"
    service.post(f"/api/plans/{pid}/steps", json={"action": "revise"}, headers=op)
    assert service.get(f"/api/incidents/{iid}/plan-matches", headers=viewer).json() == []  # draft: not offered
    r = service.patch(f"/api/plans/{pid}", json={"structured": structured(response_levels=[{"level": "III"}])}, headers=op)
    assert r.status_code == 200, r.text
    publish(service, pid)
    assert service.get(f"/api/incidents/{iid}/plan-matches", headers=viewer).json()[0]["response_level"] == "III"


def test_exercise_activation_marks_messages(service):
    """CMD-5 in a drill: the drill organiser may activate for an exercise incident; messages are marked."""
    op, drill = service.as_role("duty_officer"), service.as_role("drill_organizer")
    pid = service.post("/api/plans", json=park_plan(), headers=op).json()["id"]
    publish(service, pid)
    inc = service.post("/api/incidents", json={"type": "leak", "title": "演练泄漏", "level": "yellow", "exercise": True,
                                               "location": {"site": "tank-farm-a"}}, headers=drill).json()
    service.post(f"/api/incidents/{inc['id']}/transitions", json={"to": "verified"}, headers=op)
    r = service.post(f"/api/incidents/{inc['id']}/activate-plan", json={"plan_id": pid, "response_level": "III"}, headers=drill)
    assert r.status_code == 201, r.text
    assert any("nobody on duty" in w for w in r.json()["warnings"])  # no roster: cards unassigned, said so
    assert any("missing" in w for w in r.json()["warnings"])  # no resources in stock, flagged
    sent = _outbox(service, inc["id"])
    assert sent and all("演练" in body or "EXERCISE" in body for _, _, body in sent)
