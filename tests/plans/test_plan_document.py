"""Drafting a plan's digital split from its document (PLAN-5), pure and through the reader:
outline, roles and duties, response levels, action cards, resources, reporting chain, hazards,
scenario cards, protection, termination, contacts, and what was not placed or was guessed."""

from __future__ import annotations

import pytest

from command.domain import plan_text as tx
from command.domain.plan_document import draft_plan
from command.domain.plan_headings import Paragraph, heading_depth
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


# --- round 2 of the drafter's rules (issue #24): each rule on a few synthetic paragraphs ---------

def _plain(*texts: str) -> list[Paragraph]:
    """A document of plain paragraphs, no heading styles, no numbers (what a .txt export leaves)."""
    return [Paragraph(i, t) for i, t in enumerate(texts)]


def test_bare_lines_named_as_parts_of_the_standard_are_headings():
    from command.domain.plan_headings import bare_heading_depth
    assert bare_heading_depth("综合应急预案") == 1 and bare_heading_depth("附件3") == 1
    assert bare_heading_depth("氯气泄漏事故现场处置方案") == 2 and bare_heading_depth("总则") == 3
    assert bare_heading_depth("应急处置措施") == 4 and bare_heading_depth("人员防护装备") == 5
    assert bare_heading_depth("总则。") is None and bare_heading_depth("Ⅱ级响应") is None  # a level's line
    assert bare_heading_depth("发现泄漏后应当立即关闭上游阀门并报告班长") is None  # long: body text
    # A date or a count is not a number of a heading.
    assert heading_depth(Paragraph(0, "2023年6月1日")) is None and heading_depth(Paragraph(0, "4至6楼平面图")) is None
    d = draft_plan(_plain("某厂生产安全事故应急预案", "总则", "适用范围", "本预案适用于本厂。",
                          "应急组织机构及职责", "抢险组", "组  长：某甲", "主要职责：", "负责关闭阀门和堵漏。",
                          "应急响应", "信息报告", "现场人员发现事故后，应立即上报当班班长。"), "x.docx")
    sp = d.structured
    assert d.title == "某厂生产安全事故应急预案"
    assert [(o.title, o.depth, o.kind) for o in sp.outline] == [
        ("总则", 3, "general"), ("适用范围", 4, "general"), ("应急组织机构及职责", 3, "organisation"),
        ("抢险组", 6, "organisation"), ("应急响应", 3, "response"), ("信息报告", 4, "reporting")]
    assert [(r.role, r.duty) for r in sp.organisation] == [("抢险组", "负责关闭阀门和堵漏。")]
    assert [(s.by, s.to, s.within_min) for s in sp.reporting.chain] == [("现场人员", "当班班长", 0)]


def test_a_styled_document_takes_only_the_plan_separators_from_bare_lines():
    d = draft_plan([Paragraph(0, "某厂应急预案", style="Title"), Paragraph(1, "综合应急预案"),
                    Paragraph(2, "总则", style="Heading 1"), Paragraph(3, "应急处置"),
                    Paragraph(4, "本预案适用于本厂。")], "x.docx")
    assert [o.title for o in d.structured.outline] == ["综合应急预案", "总则"]  # "应急处置" is body here


def test_flat_scenario_card_keeps_its_sub_parts():
    h1 = "Heading 1"
    d = draft_plan([
        Paragraph(0, "现场处置方案"),
        Paragraph(1, "（一）甲醇泄漏事故现场处置方案", style=h1),
        Paragraph(2, "事故风险描述", style=h1), Paragraph(3, "储罐阀门损坏可能导致甲醇泄漏，遇明火引发火灾。"),
        Paragraph(4, "应急工作职责", style=h1), Paragraph(5, "组长职责：指挥现场处置。"),
        Paragraph(6, "应急处置", style=h1), Paragraph(7, "关闭泄漏点上游阀门。"),
        Paragraph(8, "围堵措施", style="Heading 2"), Paragraph(9, "用沙土围堵泄漏物，防止流入下水道。"),
        Paragraph(10, "注意事项", style=h1), Paragraph(11, "进入现场必须两人同行。"),
        Paragraph(12, "（二）火灾事故现场处置方案", style=h1), Paragraph(13, "立即使用灭火器扑救初期火灾。"),
        Paragraph(14, "附件1 应急物资清单", style=h1), Paragraph(15, "见下表。"),
    ], "x.docx")
    sp = d.structured
    assert [(c.title, c.steps) for c in sp.scenario_cards] == [
        ("甲醇泄漏事故现场处置方案", ["关闭泄漏点上游阀门。", "用沙土围堵泄漏物，防止流入下水道。"]),
        ("火灾事故现场处置方案", ["立即使用灭火器扑救初期火灾。"])]  # no 应急处置 sub-part: every paragraph
    assert [h.source for h in sp.hazards] == [3]  # the card's risk description is a hazard
    assert sp.organisation == []  # the card's duties on the scene are not the plan's organisation
    assert {o.title: o.depth for o in sp.outline}["围堵措施"] == 3  # one level below its 应急处置
    assert {u["source"] for u in d.unplaced} >= {5, 11}  # duties and notes: listed, not dropped


def test_groups_members_and_rosters_are_not_roles():
    from command.domain.plan_document import is_role_name
    assert is_role_name("抢险组") and is_role_name("副总指挥")
    assert not any(is_role_name(n) for n in ("医疗组等3个小组", "各成员", "组长", "成员", "应急救援小组", "若干专业组"))
    d = draft_plan([
        Paragraph(0, "应急组织机构及职责", style="Heading 1"),
        Paragraph(1, "公司应急组织由应急指挥部和应急救援小组组成。指挥部下设抢险组、警戒组、医疗组等3个小组，"
                     "接受总指挥和副总指挥的领导。"),
        Paragraph(2, "副总指挥：钱某"),
        Paragraph(3, "各成员职责", style="Heading 2"), Paragraph(4, "服从指挥部的安排。"),
        Paragraph(5, "抢险组", style="Heading 2"), Paragraph(6, "组长：孙某"), Paragraph(7, "负责堵漏。"),
    ], "x.docx")
    roles = {r.role: r.duty for r in d.structured.organisation}
    assert roles == {"应急指挥部": "", "抢险组": "负责堵漏。", "警戒组": "", "医疗组": "", "副总指挥": ""}


def test_descriptions_are_not_action_cards():
    assert tx.is_step("警戒组立即划定警戒区，疏散无关人员。")
    assert not tx.is_step("应急响应流程图")  # a caption
    assert not tx.is_step("应急响应程序包括应急启动、应急行动、应急结束三个阶段。")  # a definition
    assert not tx.is_step("各类事故的处置措施详见各现场处置方案。")  # a reference
    assert not tx.is_step("处置措施如下：")  # a lead-in
    assert not tx.is_step("电容器在断开后仍可能有残余电压。")  # no step at all
    d = draft_plan([Paragraph(0, "应急指挥部：统一指挥。"), Paragraph(1, "应急处置", style="Heading 1"),
                    Paragraph(2, "应急处置程序包括先期处置和扩大响应两个阶段。"),
                    Paragraph(3, "应急指挥部接到报告后立即组织救援。")], "x.docx")
    assert [c.source for c in d.structured.action_cards] == [3]
    assert 2 in {u["source"] for u in d.unplaced}


def test_reporting_links_are_read_clause_by_clause():
    from command.domain.plan_document import report_steps
    # A decision ("决定是否向…报告") has no deadline: no link.
    assert report_steps("总指挥收到信息后，决定是否向区应急管理局报告。") == []
    assert report_steps("现场人员应当立即向班长报告，班长接到报告后，在1小时内向区应急管理局和区消防救援大队报告。") == [
        {"to": "班长", "by": "现场人员", "within_min": 0},
        {"to": "区应急管理局", "by": "班长", "within_min": 60},
        {"to": "区消防救援大队", "by": "班长", "within_min": 60}]
    assert report_steps("需要向上级报告的，应由值班经理在15分钟内向总经理报告。") == [
        {"to": "总经理", "by": "值班经理", "within_min": 15}]  # "上级" names no one; 由 names the reporter
    assert report_steps("指挥部接到报警后，应立即安排抢险组到达现场，上报指挥部。") == []  # not to itself


def test_termination_conditions_and_report_contents_lists():
    d = draft_plan([
        Paragraph(0, "信息报告", style="Heading 1"),
        Paragraph(1, "报告内容包括："), Paragraph(2, "①事故发生的时间、地点。"), Paragraph(3, "②伤亡人数。"),
        Paragraph(4, "报警时要讲清“三要素”："), Paragraph(5, "①讲清单位和地址。"),
        Paragraph(6, "专项报告内容包括："), Paragraph(7, "泄漏事故发生的时间，地点。"),
        Paragraph(8, "事故报告后出现新情况的，应当及时补报。"),
        Paragraph(9, "响应终止", style="Heading 1"),
        Paragraph(10, "现场火灾已扑灭，无复燃危险。"),
        Paragraph(11, "Ⅱ级响应：由总指挥下达终止指令。"), Paragraph(12, "应急终止后，继续监测现场。"),
        Paragraph(13, "应急结束的程序", style="Heading 2"), Paragraph(14, "总指挥宣布应急结束。"),
    ], "x.docx")
    sp = d.structured
    # The marked list ends at the unmarked paragraph; a 专项 repeat with its incident in front is one item.
    assert sp.reporting.contents == ["事故发生的时间、地点", "伤亡人数"]
    assert [t.source for t in sp.termination] == [10]
