"""The report as a document (PDF / DOCX through ``watchpost.documents``), with two charts a reader
takes in at a glance: the timeline (each inject, and each task from its inject to its completion
or deadline) and how early or late each expected action was."""

from __future__ import annotations

import io
from pathlib import Path

from drills import evaluation as ev
from drills.report import (KIND_NAMES, SECTION_TITLES, STATUS_NAMES, ReportDraft, inject_title, pick, role_name,
                           secs, task_title)
from watchpost import documents as docs

# Raster charts can use the OpenType Noto CJK (Debian fonts-noto-cjk) that the PDF writer cannot embed.
CHART_FONTS = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
COLOURS = {"done": "#2e7d32", "late": "#ef6c00", "missed": "#c62828", "overdue": "#c62828", "pending": "#9e9e9e"}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    path = next((p for p in CHART_FONTS if Path(p).exists()), None)
    if path is not None:  # without one, latin labels still render and CJK shows as boxes
        font_manager.fontManager.addfont(path)
        plt.rcParams["font.family"] = font_manager.FontProperties(fname=path).get_name()
    plt.rcParams["axes.unicode_minus"] = False
    return plt


MAX_CHART_IN = 14.0  # a chart's height grows with its rows up to this; the rows get thinner past it


def _height(rows: int) -> float:
    return min(0.32 * max(rows, 4) + 1.2, MAX_CHART_IN)


def _png(fig) -> bytes:  # noqa: ANN001
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=130, bbox_inches="tight")
    return buf.getvalue()


def timeline_chart(record: ev.DrillRecord, lang: str) -> bytes:
    """Gantt: one row per task, a bar from its inject to its completion (or deadline), coloured
    by status; a tick at the deadline; inject times as vertical lines."""
    plt = _pyplot()
    tasks = sorted(record.tasks, key=lambda t: (t.due_s, t.id))
    fired = {i.id: i.fired_s for i in record.injects}
    fig, ax = plt.subplots(figsize=(9, _height(len(tasks))))
    for y, t in enumerate(tasks):
        start = fired.get(t.inject_id) or 0.0
        end = t.done_s if t.done_s is not None else max(t.due_s, record.duration_s)
        ax.barh(y, max(end - start, 0.5), left=start, color=COLOURS.get(t.status, "#9e9e9e"), height=0.6)
        ax.plot([t.due_s, t.due_s], [y - 0.4, y + 0.4], color="black", linewidth=1)
    for i in record.injects:
        if i.fired_s is not None:
            ax.axvline(i.fired_s, color="#1565c0", linewidth=0.6, linestyle=":")
    ax.set_yticks(range(len(tasks)))
    ax.set_yticklabels([f"{role_name(t.role, lang)} · {task_title(t, lang)}"[:40] for t in tasks],
                       fontsize=7 if len(tasks) <= 40 else 5)
    ax.invert_yaxis()
    ax.set_xlabel("演练时间（秒）" if lang == "zh" else "exercise time (s)")
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in (COLOURS["done"], COLOURS["late"], COLOURS["missed"])]
    ax.legend(handles, [pick(STATUS_NAMES[s], lang) for s in ("done", "late", "missed")], fontsize=7, loc="lower right")
    png = _png(fig)
    plt.close(fig)
    return png


def delay_chart(record: ev.DrillRecord, lang: str) -> bytes:
    """Bars of seconds past each deadline (below zero: early); a missed task is drawn to the end."""
    plt = _pyplot()
    tasks = sorted(record.tasks, key=lambda t: (t.due_s, t.id))
    values = [t.delay_s if t.delay_s is not None else max(record.duration_s - t.due_s, 0.0) for t in tasks]
    fig, ax = plt.subplots(figsize=(9, _height(len(tasks))))
    ax.barh(range(len(tasks)), values, color=[COLOURS.get(t.status, "#9e9e9e") for t in tasks], height=0.6)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(range(len(tasks)))
    ax.set_yticklabels([f"{role_name(t.role, lang)} · {task_title(t, lang)}"[:40] for t in tasks],
                       fontsize=7 if len(tasks) <= 40 else 5)
    ax.invert_yaxis()
    ax.set_xlabel("相对时限（秒，负值为提前）" if lang == "zh" else "seconds past the deadline (negative: early)")
    png = _png(fig)
    plt.close(fig)
    return png


def document(draft: ReportDraft, record: ev.DrillRecord, *, version: int | None, final: bool) -> docs.Document:
    lang = draft.lang
    zh = lang == "zh"
    state = ("定稿" if final else "草稿") if zh else ("final" if final else "draft")
    subtitle = (f"演练编号 {record.drill_id} · {state}" + (f" · 第 {version} 版" if version else "") if zh else
                f"Exercise {record.drill_id} · {state}" + (f" · version {version}" if version else ""))
    doc = docs.Document(draft.title, subtitle)
    for s in draft.sections:
        doc.add(docs.Heading(s.title), *(docs.Paragraph(p) for p in s.paragraphs))
        if s.key == "process":
            doc.add(_milestone_table(record, lang), _role_table(record, lang))
            if record.tasks:
                doc.add(docs.Image(timeline_chart(record, lang), "图1 演练时间线" if zh else "Figure 1. Timeline"),
                        docs.Image(delay_chart(record, lang), "图2 各项任务相对时限" if zh else
                                   "Figure 2. Each task against its deadline"))
            if draft.strengths:
                doc.add(docs.Heading("主要亮点" if zh else "Strengths", 3),
                        *(docs.Paragraph(p) for p in draft.strengths))
        if s.key == "suggestions" and draft.improvement_plan:
            doc.add(docs.Heading("改进计划" if zh else "Improvement plan", 3),
                    docs.Table(["问题", "改进措施", "责任", "完成期限"] if zh else ["Issue", "Action", "Owner", "Due"],
                               [[p.issue, p.action, p.owner, p.due.isoformat()] for p in draft.improvement_plan],
                               [3, 3, 1.2, 1.2]))
    doc.add(docs.Heading(pick(SECTION_TITLES["appendix"], lang)), _ratings_table(record, lang), _task_table(record, lang))
    return doc


def _milestone_table(record: ev.DrillRecord, lang: str) -> docs.Table:
    zh = lang == "zh"
    head = (["注入", "类型", "触发"] if zh else ["Inject", "Kind", "Fired"]) + \
        [(n_zh if zh else n_en) for _, n_zh, n_en in ev.MILESTONES]
    rows = []
    for i in record.injects:
        rows.append([inject_title(i, lang), pick(KIND_NAMES.get(i.kind, (i.kind, i.kind)), lang), secs(i.fired_s, lang)] +
                    [secs(i.after_inject(k), lang) for k, _, _ in ev.MILESTONES])
    return docs.Table(head, rows, [2.2, 0.8, 0.8] + [0.8] * len(ev.MILESTONES))


def _role_table(record: ev.DrillRecord, lang: str) -> docs.Table:
    zh = lang == "zh"
    head = ["角色", "任务", "按时", "超时", "未完成", "按时率"] if zh else ["Role", "Tasks", "On time", "Late", "Missed",
                                                                  "On-time rate"]
    rows = []
    for role, c in ev.role_summary(record).items():
        rate = c["done"] / c["total"] if c["total"] else None
        rows.append([role_name(role, lang), c["total"], c["done"], c["late"], c["missed"] + c["pending"] + c["overdue"],
                     "—" if rate is None else f"{100 * rate:.0f}%"])
    return docs.Table(head, [[str(x) for x in r] for r in rows])


def _ratings_table(record: ev.DrillRecord, lang: str) -> docs.Table:
    zh = lang == "zh"
    head = ["评估目标", "能力", "评定", "依据"] if zh else ["Objective", "Capabilities", "Rating", "Evidence"]
    rows = []
    for r in ev.ratings(record):
        evidence = "；".join(f"{role_name(t.role, lang)}·{task_title(t, lang)}：{pick(STATUS_NAMES[t.status], lang)}"
                            + (f"（{secs(t.done_s, lang)}）" if t.done_s is not None else "") for t in r.evidence) \
            if zh else "; ".join(f"{role_name(t.role, lang)} · {task_title(t, lang)}: {pick(STATUS_NAMES[t.status], lang)}"
                                 + (f" ({secs(t.done_s, lang)})" if t.done_s is not None else "") for t in r.evidence)
        rating = "—" if r.rating is None else f"{r.rating} {pick(ev.RATING_TEXT[r.rating], lang)}"
        rows.append([r.objective.title if zh else (r.objective.title_en or r.objective.title),
                     "、".join(r.objective.capabilities) if zh else ", ".join(r.objective.capabilities), rating,
                     evidence or ("无对应任务" if zh else "no task evaluates it")])
    return docs.Table(head, rows, [2, 1.5, 1.2, 4])


def _task_table(record: ev.DrillRecord, lang: str) -> docs.Table:
    zh = lang == "zh"
    head = ["角色", "任务", "时限", "完成", "结果", "完成人"] if zh else ["Role", "Task", "Deadline", "Done", "Result", "By"]
    rows = [[role_name(t.role, lang), task_title(t, lang), secs(t.due_s, lang), secs(t.done_s, lang),
             pick(STATUS_NAMES[t.status], lang), t.done_by or ""] for t in sorted(record.tasks, key=lambda t: t.due_s)]
    return docs.Table(head, rows, [1.2, 3, 1, 1, 1, 1.2])
