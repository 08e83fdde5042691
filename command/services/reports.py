"""Resource-assessment and decision-support reports for an incident, as PDF or DOCX (CMD-6).

Rendered through ``watchpost.documents`` (PDF with an embedded CJK font, DOCX).
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy.orm import Session

from command.errors import Conflict
from watchpost import documents as docs


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


def as_document(title: str, sections: list[tuple[str, list[str]]], generated: str) -> docs.Document:
    doc = docs.Document(title, generated)
    for head, lines in sections:
        doc.add(docs.Heading(head), *(docs.Paragraph(x) for x in lines))
    return doc


def generate(db: Session, state: Any, incident_id: int, kind: str, fmt: str) -> tuple[bytes, str, str]:
    from command.errors import Invalid

    if kind not in KINDS:
        raise Invalid(f"kind: one of {', '.join(KINDS)}")
    if fmt not in ("pdf", "docx"):
        raise Invalid("format: pdf or docx")
    title, sections = KINDS[kind](db, state, incident_id)
    generated = f"{state.config.park_name} · 生成时间 {state.clock.now().isoformat(timespec='seconds')}"
    doc = as_document(title, sections, generated)
    if fmt == "pdf":
        try:
            return docs.to_pdf(doc), "application/pdf", f"{kind}-{incident_id}.pdf"
        except docs.DocumentError as exc:
            raise Conflict(str(exc)) from None
    return (docs.to_docx(doc),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document", f"{kind}-{incident_id}.docx")
