"""Drafting a plan's digital split from its document (PLAN-5), pure and through the reader:
outline, roles and duties, response levels, action cards, resources, reporting chain, hazards,
scenario cards, protection, termination, contacts, and what was not placed or was guessed."""

from __future__ import annotations

import pytest

from command.domain import plan_text as tx
from command.domain.plan_document import Paragraph, draft_plan, heading_depth
from command.errors import Invalid
from command.services.plan_reader import read_document
from tests.plans.plan_docs import DEMO_DOCX, LEAK_PLAN, docx_bytes, pdf_bytes, plain_lines, scanned_pdf_bytes


def test_text_patterns():
    assert [tx.cn_number(s) for s in ("15", "十五", "三十", "一百二十", "两")] == [15, 15, 30, 120, 2]
    assert tx.levels_in("Ⅳ级响应与IV级、II级") == ["IV", "II"]  # IV is not read as I
    assert tx.levels_in("二级响应") == ["II"]
    assert tx.minutes_in("应在15分钟内报告") == 15
    assert tx.minutes_in("1小时内上报") == 60
    assert tx.minutes_in("半小时内到达") == 30
    assert tx.minutes_in("立即报告") is None
    assert tx.casualties_in("造成3人以上死亡或10人以上重伤") == 3
    assert tx.substances_in("甲苯和苯储罐") == ["甲苯"]  # 苯 inside 甲苯 is not a second substance
    assert tx.phones_in("值班电话0571-86000000，手机13800000001") == ["0571-86000000", "13800000001"]
    assert tx.mask_phone("13800000001") == "*******0001"
    assert tx.quantities_in("配备泡沫消防车2辆、泡沫灭火剂20吨") == [("泡沫消防车", 2.0, "辆"), ("泡沫灭火剂", 20.0, "吨")]
    assert tx.quantities_in("在15分钟内完成500米范围内疏散") == []


def test_headings_from_styles_and_numbering():
    assert heading_depth(Paragraph(0, "1 总则", style="Heading 1")) == 1
    assert heading_depth(Paragraph(0, "6.2 响应程序")) == 2
    assert heading_depth(Paragraph(0, "（一）总指挥职责")) == 2
    assert heading_depth(Paragraph(0, "第三章 应急响应")) == 1
    assert heading_depth(Paragraph(0, "现场指挥接报后5分钟内赶赴现场，设立现场指挥部。")) is None
    assert heading_depth(Paragraph(0, "1 | 泡沫灭火剂 | 20", cells=("1", "泡沫灭火剂", "20"))) is None


def test_demo_document_drafts_every_part():
    paragraphs = read_document(DEMO_DOCX.name, DEMO_DOCX.read_bytes())
    d = draft_plan(paragraphs, DEMO_DOCX.name)
    sp = d.structured
    assert d.title == "示范化工园区储罐区火灾爆炸专项应急预案" and d.plan_level == "专项"
    assert set(sp.triggers.incident_types) >= {"fire", "explosion", "leak"}
    assert set(sp.triggers.substances) == {"甲醇", "苯", "液化石油气"}
    assert [o.kind for o in sp.outline][:5] == ["general", "general", "general", "hazards", "organisation"]
    roles = {r.role: r.duty for r in sp.organisation}
    assert set(roles) == {"现场指挥", "消防队长", "通信联络员", "警戒疏散组", "医疗救护组", "物资保障组"}
    assert roles["消防队长"].startswith("负责灭火")
    levels = {lv.level: lv.condition for lv in sp.response_levels}
    assert set(levels) == {"I", "II", "III"}
    assert levels["I"].min_casualties == 3 and levels["II"].incident_levels == ["red", "orange"]
    cards = {c.action[:8]: c for c in sp.action_cards}
    assert cards["现场指挥接报后5"].role == "现场指挥" and cards["现场指挥接报后5"].deadline_min == 5
    assert cards["消防队长组织消防"].deadline_min == 10
    assert {(r.kind, r.category, r.quantity) for r in sp.resources} >= {
        ("vehicle", "泡沫消防车", 2), ("material", "泡沫灭火剂", 20), ("material", "堵漏工具", 5)}
    assert [(s.to, s.within_min) for s in sp.reporting.chain] == [
        ("园区应急指挥中心", 0), ("园区管委会应急管理局", 15), ("市应急管理局", 60)]
    assert sp.reporting.chain[1].by == "园区应急指挥中心" and sp.reporting.first_within_min() == 15
    assert "伤亡人数" in sp.reporting.contents
    assert {h.location for h in sp.hazards} == {"1号罐区甲醇储罐", "2号罐区苯储罐", "液化石油气球罐区"}
    assert [(c.title, c.role, len(c.steps)) for c in sp.scenario_cards] == [
        ("储罐泄漏处置卡", "消防队长", 3), ("储罐火灾处置卡", "消防队长", 3)]
    assert [c.id for c in sp.scenario_cards_for("fire")] == ["s2"]
    assert {p.zone: p.equipment for p in sp.protection}["热区"] == ["正压式空气呼吸器", "重型防化服", "消防战斗服"]
    assert len(sp.termination) == 3
    assert [(c.name, c.unit, c.phone) for c in sp.contacts][:2] == [
        ("张明", "现场指挥", "13800000001"), ("李强", "消防队长", "13800000002")]
    # Provenance: every item points back at its paragraph.
    by_index = {p.index: p.text for p in paragraphs}
    assert "5分钟内" in by_index[cards["现场指挥接报后5"].source]
    assert all(c.source is not None for c in sp.action_cards + sp.organisation + sp.resources)
    # Nothing dropped: the unplaced are the 总则 sentences and the termination lead-in.
    assert {u["section"] for u in d.unplaced} == {"general", "termination"}
    assert d.missing == [] and d.guesses == []
    r = d.report()
    assert r["placed"] + len(d.unplaced) == r["body_paragraphs"]


def test_a_differently_written_plan():
    paragraphs = read_document("leak.docx", docx_bytes(LEAK_PLAN))
    d = draft_plan(paragraphs, "leak.docx")
    sp = d.structured
    assert d.title.startswith("某化工公司液氯泄漏") and set(sp.triggers.incident_types) >= {"leak", "gas"}
    assert sp.triggers.substances == ["液氯", "氯气"] or set(sp.triggers.substances) >= {"液氯"}
    roles = {r.role: r.duty for r in sp.organisation}
    assert roles["总指挥"].startswith("组织指挥") and roles["抢险救援组"].startswith("负责泄漏点")
    assert {lv.level for lv in sp.response_levels} == {"I", "III"}
    assert [lv.condition.min_casualties for lv in sp.response_levels if lv.level == "I"] == [3]
    leak_card = next(c for c in sp.action_cards if "堵漏" in c.action)
    assert leak_card.role == "抢险救援组" and leak_card.deadline_min == 30
    # "立即启动事故通风" names no role: assigned to the commander, and said so.
    vent = next(c for c in sp.action_cards if "通风" in c.action)
    assert vent.role == "总指挥"
    assert any(g["path"].endswith(".role") and g["source"] == vent.source for g in d.guesses)
    assert {c.phone for c in sp.contacts} == {"13800000011", "13800000012"}
    assert ("material", "重型防化服", 4) in {(r.kind, r.category, r.quantity) for r in sp.resources}
    assert "reporting.chain" in d.missing and "termination" in d.missing
    assert any("负责解释" in u["text"] for u in d.unplaced)


def test_missing_levels_get_a_marked_placeholder():
    d = draft_plan([Paragraph(0, "仓库防汛预案", style="Title"), Paragraph(1, "1 总则", style="Heading 1"),
                    Paragraph(2, "做好汛期值守。")], "x.docx")
    assert "response_levels" in d.missing and "triggers.incident_types" in d.missing
    assert d.structured.triggers.incident_types == ["unspecified"]
    assert {g["path"] for g in d.guesses} >= {"response_levels.0", "triggers.incident_types"}


def test_text_pdf_is_read_back_into_paragraphs():
    pdf = pdf_bytes(plain_lines(LEAK_PLAN))
    paragraphs = read_document("leak.pdf", pdf)
    texts = [p.text for p in paragraphs]
    # Lines wrapped by the printer are joined back into their paragraph.
    assert "特别重大事故（Ⅰ级）：氯气泄漏造成3人以上死亡，或需疏散周边社区时。" in texts
    d = draft_plan(paragraphs, "leak.pdf")
    assert {lv.level for lv in d.structured.response_levels} == {"I", "III"}
    assert any("堵漏" in c.action and c.deadline_min == 30 for c in d.structured.action_cards)


def test_scanned_pdf_and_other_files_are_refused_with_the_reason():
    with pytest.raises(Invalid, match="OCR"):
        read_document("scan.pdf", scanned_pdf_bytes())
    with pytest.raises(Invalid, match="DOCX or PDF"):
        read_document("plan.txt", b"text")
    with pytest.raises(Invalid, match="cannot read DOCX"):
        read_document("plan.docx", b"PK\x03\x04 not a real zip")
