"""Resource-assessment and decision-support reports for an incident, as PDF or DOCX (CMD-6).

reportlab cannot embed CFF/OpenType CJK fonts (Noto CJK), so PDFs use a TrueType CJK font:
WenQuanYi Zen Hei (Debian fonts-wqy-zenhei), else AR PL UMing; without either we refuse rather
than print boxes.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.orm import Session

from command.errors import Conflict

FONT_CANDIDATES = [
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
]
_FONT: str | None = None


def cjk_font() -> str:
    global _FONT
    if _FONT:
        return _FONT
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for path, idx in FONT_CANDIDATES:
        if Path(path).exists():
            pdfmetrics.registerFont(TTFont("WPCJK", path, subfontIndex=idx))
            _FONT = "WPCJK"
            return _FONT
    raise Conflict("no TrueType CJK font installed (apt install fonts-wqy-zenhei)")


def _sections_assessment(db: Session, state: Any, incident_id: int) -> tuple[str, list[tuple[str, list[str]]]]:
    from command.services import activation, incidents
    from command.services import resources as res

    inc = incidents.get(db, incident_id)
    sections: list[tuple[str, list[str]]] = []
    sections.append(("事件概况", [f"事件: {inc.title}", f"类型: {inc.type}  级别: {inc.level}  状态: {inc.status}",
                                 f"地点: {inc.location_name or inc.site or '-'}",
                                 f"响应级别: {inc.response_level or '未启动'}"]))
    rows = res.reservations(db, incident_id)
    sections.append(("已预留资源", [f"{r['name']} ({r['kind']}/{r['category']}) × {r['quantity']:g}{r['unit']} — {r['status']}"
                                   for r in rows] or ["无"]))
    acts = activation.activations_of(db, incident_id)
    flags = [w for a in acts for w in a["warnings"]]
    if acts:
        pv = activation.preview(db, state, acts[-1]["plan_id"], acts[-1]["response_level"])
        flags += [f for f in pv["flags"] if f not in flags]
    sections.append(("缺口与问题（缺失、过期、未检验）", flags or ["未发现缺口"]))
    st = res.stats(db, state)
    sections.append(("园区资源总览", [f"{x['key']}: {x['count']}" for x in st["by_kind"]] +
                     [f"即将到期/已过期物资: {len(st['expiring'])} 项"]))
    return f"应急资源评估报告 — 事件 #{inc.id}", sections


def _sections_decision(db: Session, state: Any, incident_id: int) -> tuple[str, list[tuple[str, list[str]]]]:
    from command.services import activation, incidents

    inc = incidents.get(db, incident_id)
    sections = [("事件概况", [f"事件: {inc.title}", f"类型: {inc.type}  级别: {inc.level}  状态: {inc.status}",
                             f"地点: {inc.location_name or inc.site or '-'}"])]
    matches = activation.match(db, activation.facts_of(inc), limit=5)
    sections.append(("匹配预案与建议响应级别", [f"{m['title']} (#{m['plan_id']}) 建议 {m['response_level']} 级, 得分 {m['score']:g}: "
                                          + "; ".join(m["reasons"]) for m in matches] or ["无适用预案"]))
    tasks = activation.tasks_of(db, incident_id)
    sections.append(("任务与进展", [f"{t['seq'] + 1}. [{t['status']}] {t['role']} {t['assignee'] or '(未分派)'}: {t['title']}"
                                   for t in tasks] or ["尚未启动预案"]))
    cams = [c for c in state.config.vision.cameras if c.location]
    if cams and inc.lon is not None and inc.lat is not None:
        from command.domain.routing import metres

        near = sorted(cams, key=lambda c: metres((inc.lon, inc.lat), (c.location.lon, c.location.lat)))[:5]
        sections.append(("附近摄像机", [f"{c.id} {c.name}: {metres((inc.lon, inc.lat), (c.location.lon, c.location.lat)):.0f} 米"
                                       for c in near]))
    return f"辅助决策报告 — 事件 #{inc.id}", sections


KINDS = {"resource-assessment": _sections_assessment, "decision-support": _sections_decision}
Kind = Literal["resource-assessment", "decision-support"]
Format = Literal["pdf", "docx"]
assert set(Kind.__args__) == set(KINDS)  # type: ignore[attr-defined]


def render_pdf(title: str, sections: list[tuple[str, list[str]]], generated: str) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer
    from xml.sax.saxutils import escape

    font = cjk_font()
    # wordWrap="CJK" breaks lines between Chinese characters, which have no spaces.
    h1 = ParagraphStyle("h1", fontName=font, fontSize=16, leading=22, wordWrap="CJK")
    h2 = ParagraphStyle("h2", fontName=font, fontSize=12, leading=18, spaceBefore=8, wordWrap="CJK")
    body = ParagraphStyle("b", fontName=font, fontSize=10, leading=15, wordWrap="CJK")
    story = [Paragraph(escape(title), h1), Paragraph(escape(generated), body), Spacer(1, 8)]
    for head, lines in sections:
        story.append(Paragraph(escape(head), h2))
        story += [Paragraph(escape(x), body) for x in lines]
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, title=title).build(story)
    return buf.getvalue()


def render_docx(title: str, sections: list[tuple[str, list[str]]], generated: str) -> bytes:
    import docx
    from docx.oxml.ns import qn

    d = docx.Document()
    style = d.styles["Normal"]
    style.font.name = "Noto Sans CJK SC"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "Noto Sans CJK SC")
    d.add_heading(title, level=1)
    d.add_paragraph(generated)
    for head, lines in sections:
        d.add_heading(head, level=2)
        for x in lines:
            d.add_paragraph(x)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def generate(db: Session, state: Any, incident_id: int, kind: str, fmt: str) -> tuple[bytes, str, str]:
    from command.errors import Invalid

    if kind not in KINDS:
        raise Invalid(f"kind: one of {', '.join(KINDS)}")
    if fmt not in ("pdf", "docx"):
        raise Invalid("format: pdf or docx")
    title, sections = KINDS[kind](db, state, incident_id)
    generated = f"{state.config.park_name} · 生成时间 {state.clock.now().isoformat(timespec='seconds')}"
    if fmt == "pdf":
        return render_pdf(title, sections, generated), "application/pdf", f"{kind}-{incident_id}.pdf"
    return (render_docx(title, sections, generated),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document", f"{kind}-{incident_id}.docx")
