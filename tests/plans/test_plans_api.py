"""Plans over the API on SQLite and PostgreSQL: workflows (PLAN-1, PLAN-3, PLAN-4), versions and
history (PLAN-7), attachments and Chinese full-text search, statistics (PLAN-2), YAML split (PLAN-5)."""

from __future__ import annotations

import io

from tests.plans.sample import park_plan, publish, structured


def _pdf(text: str) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    from watchpost.documents import cjk_font

    font = cjk_font()
    assert pdfmetrics.getFont(font) and TTFont
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.setFont(font, 12)
    c.drawString(50, 700, text)
    c.save()
    return buf.getvalue()


def _docx(text: str) -> bytes:
    import docx

    d = docx.Document()
    d.add_paragraph(text)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_park_plan_review_publish_and_history(service):
    """PLAN-3, PLAN-7: draft → review with opinions → publish; illegal steps are 409 with a reason;
    every content change is a version; review/publish history is kept."""
    op, cmd = service.as_role("duty_officer"), service.as_role("commander")
    r = service.post("/api/plans", json=park_plan(), headers=op)
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    assert r.json()["status"] == "draft"
    r = service.post(f"/api/plans/{pid}/steps", json={"action": "publish"}, headers=cmd)
    assert r.status_code == 409 and "review" in r.json()["detail"]
    # Deciding is a commander's job.
    assert service.post(f"/api/plans/{pid}/steps", json={"action": "publish"}, headers=op).status_code == 403
    assert service.patch(f"/api/plans/{pid}", json={"body": "修订后的正文", "note": "补充"}, headers=op).json()["version"] == 2
    assert service.post(f"/api/plans/{pid}/steps", json={"action": "submit_review"}, headers=op).status_code == 200
    # In review the content is frozen.
    assert service.patch(f"/api/plans/{pid}", json={"body": "x"}, headers=op).status_code == 409
    assert service.post(f"/api/plans/{pid}/reviews", json={"opinion": "应补充疏散路线", "approve": False}, headers=cmd).status_code == 201
    r = service.post(f"/api/plans/{pid}/steps", json={"action": "conclude_review"}, headers=cmd)
    assert r.json()["status"] == "draft"  # sent back for changes
    service.patch(f"/api/plans/{pid}", json={"body": "增加疏散路线", "note": "按评审意见修改"}, headers=op)
    publish(service, pid)
    h = service.get(f"/api/plans/{pid}/history", headers=service.as_role("viewer")).json()
    assert [v["version"] for v in h["versions"]] == [1, 2, 3]
    actions = [e["action"] for e in h["events"]]
    assert actions.count("submit_review") == 2 and "review_failed" in actions and actions[-1] == "publish"
    assert [r["approve"] for r in h["reviews"]] == [False, True]
    v1 = service.get(f"/api/plans/{pid}/versions/1", headers=op).json()
    assert v1["body"].startswith("本预案")
    # Revising a published plan starts a new draft; the old versions stay.
    assert service.post(f"/api/plans/{pid}/steps", json={"action": "revise"}, headers=op).json()["status"] == "draft"
    from sqlalchemy import select

    from command.db.models.audit import AuditEntry

    with service.app.state.wp.sessions() as db:
        acts = list(db.execute(select(AuditEntry.action).where(AuditEntry.entity_type == "plan",
                                                               AuditEntry.entity_id == str(pid))).scalars())
    assert acts[0] == "plan.create" and {"plan.update", "plan.review", "plan.publish", "plan.revise"} <= set(acts)


def test_enterprise_filing_completeness_return_accept_reminders(service):
    """PLAN-1: 备案 submit with completeness check, return with reasons, resubmit, accept; reminders."""
    op, cmd = service.as_role("duty_officer"), service.as_role("commander")
    r = service.post("/api/plans", json={"scope": "enterprise", "title": "某化工公司综合应急预案"}, headers=op)
    pid = r.json()["id"]
    r = service.post(f"/api/plans/{pid}/steps", json={"action": "submit"}, headers=op)
    assert r.status_code == 422
    for missing in ("enterprise", "hazard_types", "expires_at", "structured"):
        assert missing in r.json()["detail"]
    service.patch(f"/api/plans/{pid}", json={"enterprise": "某化工公司", "hazard_types": ["leak"], "body": "正文",
                                             "expires_at": "2026-12-01T00:00:00Z", "revise_by": "2026-12-10T00:00:00Z",
                                             "structured": structured()}, headers=op)
    assert service.post(f"/api/plans/{pid}/steps", json={"action": "submit"}, headers=op).json()["status"] == "submitted"
    r = service.post(f"/api/plans/{pid}/steps", json={"action": "return", "reasons": []}, headers=cmd)
    assert r.status_code == 422 and "reason" in r.json()["detail"]
    r = service.post(f"/api/plans/{pid}/steps", json={"action": "return", "reasons": ["缺少应急物资清单"]}, headers=cmd)
    assert r.json()["status"] == "returned"
    assert service.post(f"/api/plans/{pid}/steps", json={"action": "submit"}, headers=op).json()["status"] == "submitted"
    assert service.post(f"/api/plans/{pid}/steps", json={"action": "accept"}, headers=cmd).json()["status"] == "accepted"
    ev = service.get(f"/api/plans/{pid}/history", headers=op).json()["events"]
    assert next(e for e in ev if e["action"] == "return")["data"]["reasons"] == ["缺少应急物资清单"]
    rem = service.get("/api/plans/reminders?within_days=3650", headers=op).json()
    assert {(x["plan_id"], x["kind"]) for x in rem} >= {(pid, "expiry"), (pid, "revision")}


def test_authority_plan_is_reference_only(service):
    """PLAN-4: higher authorities' plans are entered and searchable, never activatable or published."""
    op = service.as_role("duty_officer")
    r = service.post("/api/plans", json={"scope": "authority", "title": "省危险化学品事故应急预案", "issuer": "省应急管理厅",
                                         "body": "省级危化品事故分级响应"}, headers=op)
    pid = r.json()["id"]
    assert r.json()["status"] == "reference"
    r = service.post(f"/api/plans/{pid}/steps", json={"action": "publish"}, headers=service.as_role("commander"))
    assert r.status_code == 409
    assert [p["id"] for p in service.get("/api/plans", params={"q": "危险化学品", "scope": "authority"}, headers=op).json()] == [pid]


def test_attachments_and_chinese_search(service, tmp_path):
    """PLAN-2: PDF/DOCX text extracted and searched in Chinese (3+ chars via trigram, 2 chars by fallback),
    stored by SHA-256; filters and statistics."""
    import hashlib

    op = service.as_role("duty_officer")
    a = service.post("/api/plans", json=park_plan("罐区预案"), headers=op).json()["id"]
    b = service.post("/api/plans", json={"scope": "enterprise", "title": "仓库火灾预案", "enterprise": "甲公司",
                                         "hazard_types": ["fire"], "body": "仓库起火时的处置"}, headers=op).json()["id"]
    pdf = _pdf("液氯钢瓶泄漏处置程序")
    r = service.post(f"/api/plans/{b}/attachments", files={"file": ("附件.pdf", pdf, "application/pdf")}, headers=op)
    assert r.status_code == 201, r.text
    assert r.json()["sha256"] == hashlib.sha256(pdf).hexdigest()
    r = service.post(f"/api/plans/{a}/attachments", files={"file": ("卡片.docx", _docx("硫化氢中毒急救卡"), "application/octet-stream")}, headers=op)
    assert r.status_code == 201, r.text
    bad = service.post(f"/api/plans/{a}/attachments", files={"file": ("x.txt", b"hello", "text/plain")}, headers=op)
    assert bad.status_code == 422
    corrupt = service.post(f"/api/plans/{a}/attachments", files={"file": ("x.pdf", b"not a pdf", "application/pdf")}, headers=op)
    assert corrupt.status_code == 422

    def ids(**params):
        r = service.get("/api/plans", params=params, headers=service.as_role("viewer"))
        assert r.status_code == 200, r.text
        return [p["id"] for p in r.json()]

    assert ids(q="液氯钢瓶") == [b]          # from the PDF attachment
    assert ids(q="硫化氢中毒") == [a]        # from the DOCX attachment
    assert ids(q="泄漏") == [b, a] or sorted(ids(q="泄漏")) == sorted([a, b])  # 2 characters: fallback
    assert ids(q="泄漏 钢瓶") == [b]          # every term must match
    assert ids(q="仓库", enterprise="甲公司") == [b]
    assert ids(hazard_type="leak") == [a]
    assert ids(q="不存在的词语") == []
    snippet = service.get("/api/plans", params={"q": "液氯钢瓶"}, headers=op).json()[0]["snippet"]
    assert "液氯钢瓶" in snippet
    stats = {s["key"]: s["count"] for s in service.get("/api/plans/stats", params={"dimension": "scope"}, headers=op).json()}
    assert stats == {"park": 1, "enterprise": 1}
    hz = {s["key"]: s["count"] for s in service.get("/api/plans/stats", params={"dimension": "hazard_type"}, headers=op).json()}
    assert hz == {"fire": 2, "leak": 1}
    assert service.get("/api/plans/stats", params={"dimension": "colour"}, headers=op).status_code == 422
    got = service.get(f"/api/plans/{b}/attachments/1", headers=op)
    assert got.status_code in (200, 404)


def test_structured_yaml_roundtrip_and_errors(service):
    """PLAN-5: the digital split exports to YAML and imports back; bad YAML names the field."""
    op = service.as_role("duty_officer")
    pid = service.post("/api/plans", json=park_plan(), headers=op).json()["id"]
    y = service.get(f"/api/plans/{pid}/structured.yaml", headers=op)
    assert y.status_code == 200 and "action_cards" in y.text and "现场指挥" in y.text
    edited = y.text.replace("组织堵漏和泡沫覆盖", "关阀堵漏并泡沫覆盖")
    r = service.put(f"/api/plans/{pid}/structured", content=edited.encode(), headers=op | {"content-type": "application/yaml"})
    assert r.status_code == 200, r.text
    assert any(c["action"] == "关阀堵漏并泡沫覆盖" for c in r.json()["structured"]["action_cards"])
    # Renaming the role in the organisation (it comes first) leaves a card pointing at nobody.
    bad = edited.replace("role: 消防队长", "role: 不存在的角色", 1)
    r = service.put(f"/api/plans/{pid}/structured", content=bad.encode(), headers=op | {"content-type": "application/yaml"})
    assert r.status_code == 422 and "消防队长" in r.json()["detail"] and "organisation" in r.json()["detail"]
    assert service.get(f"/api/plans/{pid}", headers=op).json()["version"] == 2  # nothing applied
    r = service.put(f"/api/plans/{pid}/structured", content=b"response_levels: [", headers=op | {"content-type": "application/yaml"})
    assert r.status_code == 422
    r = service.post("/api/plans", json=park_plan(structured={"triggers": {"incident_types": []}}), headers=op)
    assert r.status_code == 422 and "incident_types" in r.json()["detail"]
