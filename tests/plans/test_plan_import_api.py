"""A plan filed from its Word/PDF document through the API (PLAN-5, PLAN-1, CMD-5): the draft
split with its drafting report, the document kept as the attachment, the paragraphs for the
side-by-side review, refusals with reasons and nothing half-saved, and activation using the new
parts (scenario cards become tasks; the reporting chain shortens the first-report clock)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from tests.plans.plan_docs import DEMO_DOCX, LEAK_PLAN, docx_bytes, scanned_pdf_bytes
from tests.plans.sample import publish

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _import(service, data: bytes, name: str = "plan.docx", role: str = "duty_officer", **form):
    return service.post("/api/plans/import", files={"file": (name, data, DOCX)},
                        data={"scope": "park", **form}, headers=service.as_role(role))


def _count(service, model) -> int:
    with service.app.state.wp.sessions() as db:
        return db.execute(select(func.count()).select_from(model)).scalar_one()


def test_import_drafts_the_split_and_keeps_the_document(service):
    r = _import(service, DEMO_DOCX.read_bytes(), DEMO_DOCX.name, enterprise="示范化工园区")
    assert r.status_code == 201, r.text
    plan = r.json()
    assert plan["status"] == "draft" and plan["scope"] == "park" and plan["level"] == "专项"
    assert plan["title"] == "示范化工园区储罐区火灾爆炸专项应急预案" and plan["enterprise"] == "示范化工园区"
    sp = plan["structured"]
    assert {c["title"] for c in sp["scenario_cards"]} == {"储罐泄漏处置卡", "储罐火灾处置卡"}
    assert sp["reporting"]["chain"][1]["within_min"] == 15
    rep = plan["import"]["report"]
    assert rep["paragraphs"] == 77 and rep["missing"] == [] and len(rep["unplaced"]) == 3
    # The document is the plan's attachment, its text the plan's body (searchable).
    full = service.get(f"/api/plans/{plan['id']}", headers=service.as_role("viewer")).json()
    assert [a["filename"] for a in full["attachments"]] == [DEMO_DOCX.name]
    assert "现场指挥接报后5分钟内赶赴现场" in full["body"]
    hits = service.get("/api/plans", params={"q": "储罐泄漏处置卡"}, headers=service.as_role("viewer")).json()
    assert plan["id"] in [h["id"] for h in hits]
    # The side-by-side review: numbered paragraphs and each item's source among them.
    imp = service.get(f"/api/plans/{plan['id']}/import", headers=service.as_role("viewer")).json()
    paras = {p["index"]: p for p in imp["paragraphs"]}
    card = next(c for c in sp["action_cards"] if c["deadline_min"] == 5)
    assert "5分钟内" in paras[card["source"]]["text"]
    assert paras[0]["style"] == "Title" and paras[68]["cells"] == ["现场指挥", "张明", "13800000001"]
    assert imp["report"]["placed_by_paragraph"][str(card["source"])] == ["action_cards.1"]


def test_phone_numbers_stay_out_of_the_audit_trail(service):
    pid = _import(service, DEMO_DOCX.read_bytes(), DEMO_DOCX.name).json()["id"]
    r = service.put(f"/api/plans/{pid}/structured", json=service.get(
        f"/api/plans/{pid}", headers=service.as_role("viewer")).json()["structured"],
        headers=service.as_role("duty_officer"))
    assert r.status_code == 200, r.text
    entries = service.get("/api/audit", params={"entity_type": "plan", "entity_id": str(pid)},
                          headers=service.as_role("admin"))
    assert entries.status_code == 200, entries.text
    text = entries.text
    assert "plan.import" in text and "plan.update" in text
    at = text.find("13800000001")
    assert at == -1 and "0001" in text, text[max(0, at - 300):at + 50]


def test_refusals_name_the_reason_and_leave_nothing(service):
    from command.db.models.plans import Plan, PlanAttachment

    before = (_count(service, Plan), _count(service, PlanAttachment))
    r = _import(service, scanned_pdf_bytes(), "scan.pdf")
    assert r.status_code == 422 and "OCR" in r.json()["detail"]
    r = _import(service, b"PK\x03\x04 broken", "broken.docx")
    assert r.status_code == 422 and "cannot read DOCX" in r.json()["detail"]
    r = _import(service, b"hello", "plan.txt")
    assert r.status_code == 422 and "DOCX or PDF" in r.json()["detail"]
    r = _import(service, docx_bytes(LEAK_PLAN), "leak.docx", scope="galaxy")
    assert r.status_code == 422 and "scope" in r.text
    r = _import(service, docx_bytes(LEAK_PLAN), "leak.docx", role="viewer")
    assert r.status_code == 403
    assert (_count(service, Plan), _count(service, PlanAttachment)) == before
    r = service.get("/api/plans/999/import", headers=service.as_role("viewer"))
    assert r.status_code == 404


def test_imported_plan_activates_with_scenario_cards_and_the_reporting_clock(service):
    op = service.as_role("duty_officer")
    pid = _import(service, DEMO_DOCX.read_bytes(), DEMO_DOCX.name).json()["id"]
    publish(service, pid)
    now = service.app.state.wp.clock.now()
    for role, person in (("现场指挥", "甲"), ("消防队长", "乙")):
        assert service.post("/api/duty/shifts", json={
            "role": role, "person": person, "phone": "+86138000001" + str(len(person) + 10),
            "starts_at": (now - timedelta(hours=1)).isoformat(), "ends_at": (now + timedelta(hours=7)).isoformat()},
            headers=op).status_code == 201
    inc = service.post("/api/incidents", json={"type": "fire", "title": "1号罐区甲醇储罐火灾", "level": "red",
                                               "location": {"name": "1号罐区"}}, headers=op).json()
    assert service.post(f"/api/incidents/{inc['id']}/transitions", json={"to": "verified"}, headers=op).status_code == 200
    due_before = service.get(f"/api/incidents/{inc['id']}", headers=op).json()["report_due_at"]
    matches = service.get(f"/api/incidents/{inc['id']}/plan-matches", headers=op).json()
    assert matches and matches[0]["plan_id"] == pid
    r = service.post(f"/api/incidents/{inc['id']}/activate-plan", json={"plan_id": pid, "response_level": "II"},
                     headers=service.as_role("commander"))
    assert r.status_code == 201, r.text
    tasks = r.json()["tasks"]
    # The fire card's three steps follow the level's action cards; the leak card does not fit a fire.
    scen = [t for t in tasks if t["card_id"].startswith("s")]
    assert [t["card_id"] for t in scen] == ["s2.1", "s2.2", "s2.3"]
    assert all(t["role"] == "消防队长" and t["assignee"] == "乙" for t in scen)
    assert any("first report due within 15 min" in w for w in r.json()["warnings"])
    inc_after = service.get(f"/api/incidents/{inc['id']}", headers=op).json()
    assert inc_after["report_due_at"] < due_before
