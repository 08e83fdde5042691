"""The drill evaluation report, drafted from the record (DRL-3 辅助生成演练评估报告).

Sections follow AQ/T 9009-2015 生产安全事故应急演练评估规范 — 演练基本情况, 评估组织,
评估过程, 存在问题, 改进建议, 附录评估表 — with the HSEEP after-action elements: each objective
and capability rated P/S/M/U with the evidence behind the rating, strengths, areas for
improvement, and an improvement plan with owners and due dates.

``draft`` is pure: it writes the text from the figures of ``drills.evaluation``. The organiser
edits the paragraphs and the improvement plan (``ReportDraft`` is what is stored and edited);
the figures and tables are computed again from the record whenever the report is rendered, so
an edit can change the words but never the numbers.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from drills import evaluation as ev
from watchpost.fields import Text

Lang = Literal["zh", "en"]
IMPROVEMENT_DAYS = 30
SECTION_KEYS = ("basic", "organisation", "process", "problems", "suggestions")
SECTION_TITLES = {
    "basic": ("一、演练基本情况", "1. The exercise"),
    "organisation": ("二、评估组织", "2. Evaluation organisation"),
    "process": ("三、评估过程", "3. Evaluation of the exercise"),
    "problems": ("四、存在问题", "4. Areas for improvement"),
    "suggestions": ("五、改进建议", "5. Recommendations"),
    "appendix": ("附录：评估表", "Appendix: evaluation tables"),
}
ROLE_NAMES = {"commander": ("指挥长", "commander"), "duty_officer": ("值班员", "duty officer"),
              "team_leader": ("队长", "team leader"), "comms": ("通信联络员", "communications"),
              "enterprise_liaison": ("企业联络员", "enterprise liaison"),
              "evaluator": ("评估员", "evaluator")}
KIND_NAMES = {"video": ("视频", "video"), "sensor": ("传感器", "sensor"), "phone": ("电话", "phone call"),
              "sms": ("短信", "SMS"), "message": ("指令", "message"), "weather": ("气象", "weather")}
STATUS_NAMES = {"done": ("按时完成", "on time"), "late": ("超时完成", "late"), "missed": ("未完成", "missed"),
                "pending": ("进行中", "pending"), "overdue": ("已超时", "overdue")}

Para = Annotated[Text, Field(max_length=20000)]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: Literal["basic", "organisation", "process", "problems", "suggestions"]
    title: Text = Field(min_length=1, max_length=200)
    paragraphs: list[Para] = Field(default_factory=list, max_length=200)


class Improvement(BaseModel):
    model_config = ConfigDict(extra="forbid")
    issue: Text = Field(min_length=1, max_length=2000)
    action: Text = Field(min_length=1, max_length=2000)
    owner: Text = Field(min_length=1, max_length=200)
    due: date


class ReportDraft(BaseModel):
    """What the organiser edits: the words and the improvement plan."""

    model_config = ConfigDict(extra="forbid")
    lang: Lang = "zh"
    title: Text = Field(min_length=1, max_length=300)
    sections: list[Section] = Field(min_length=1, max_length=len(SECTION_KEYS))
    strengths: list[Para] = Field(default_factory=list, max_length=200)
    improvement_plan: list[Improvement] = Field(default_factory=list, max_length=200)


def pick(pair: tuple[str, str], lang: Lang) -> str:
    return pair[0] if lang == "zh" else pair[1]


def secs(value: float | None, lang: Lang) -> str:
    if value is None:
        return "—"
    if value < 90:
        return f"{value:.0f} 秒" if lang == "zh" else f"{value:.0f} s"
    return f"{value / 60:.1f} 分钟" if lang == "zh" else f"{value / 60:.1f} min"


def role_name(role: str, lang: Lang) -> str:
    return pick(ROLE_NAMES.get(role, (role, role)), lang)


def task_title(t: ev.TaskRecord, lang: Lang) -> str:
    return t.title if lang == "zh" else (t.title_en or t.title)


def inject_title(i: ev.InjectRecord, lang: Lang) -> str:
    return i.title if lang == "zh" else (i.title_en or i.title)


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.0f}%"


def draft(record: ev.DrillRecord, lang: Lang = "zh") -> ReportDraft:
    zh = lang == "zh"
    title = (f"{record.title} 应急演练评估报告" if zh else f"{record.title_en or record.title}: after-action report")
    started = record.started_at.astimezone().strftime("%Y-%m-%d %H:%M")
    speeds = "、".join(f"{s:g}×" for s in record.speeds) if zh else ", ".join(f"{s:g}x" for s in record.speeds)
    fired = [i for i in record.injects if i.fired_s is not None]
    seats = "；".join(f"{role_name(r, lang)}：{'、'.join(users) or '—'}" for r, users in record.seats.items()) if zh \
        else "; ".join(f"{role_name(r, lang)}: {', '.join(users) or '-'}" for r, users in record.seats.items())
    basic = [
        (f"演练名称：{record.title}。组织单位：{record.enterprise or '园区'}。开始时间：{started}，"
         f"演练时长 {secs(record.duration_s, lang)}（演练时间），速度 {speeds}。" if zh else
         f"Exercise: {record.title_en or record.title}. Organised by {record.enterprise or 'the park'}. Started "
         f"{started}; {secs(record.duration_s, lang)} of exercise time at {speeds}."),
        (f"情景：{record.description}" if zh else f"Scenario: {record.description}") if record.description else "",
        (f"共设置 {len(record.injects)} 个情景注入，实际触发 {len(fired)} 个；参演席位：{seats}。" if zh else
         f"{len(record.injects)} injects scripted, {len(fired)} delivered. Seats: {seats}."),
        ("演练期间产生的报警、事件、任务与通知均标记为演练，通知发往演练接收端"
         + (f"及指定测试号码 {'、'.join(record.test_group)}" if record.test_group else "，未发往真实号码或广播") + "。"
         if zh else "Everything the exercise created was marked as an exercise; notifications went to the drill sink"
         + (f" and the named test group {', '.join(record.test_group)}." if record.test_group
            else ", never to real phones or speakers.")),
    ]
    evaluators = record.seats.get("evaluator", [])
    organisation = [
        (f"演练组织人：{record.organizer}。评估人员：{'、'.join(evaluators) or '未设评估席位，由组织人评估'}。" if zh else
         f"Organiser: {record.organizer}. Evaluators: {', '.join(evaluators) or 'none seated; the organiser evaluated'}."),
        ("评估方法：各项时间取自系统记录（报警、核查、事件、预案启动、通知、调派、上报及审计日志），"
         "各角色任务按脚本规定的时限判定为按时完成、超时完成或未完成；评估目标按 P/S/M/U 四级评定。" if zh else
         "Method: every time is read from the system's records (alarms, verifications, incidents, plan activations, "
         "messages, dispatches, reports and the audit log); each role's tasks are judged on time, late or missed "
         "against the script's deadlines; objectives are rated P/S/M/U."),
    ]
    stats = ev.milestone_stats(record)
    process = []
    for key, name_zh, name_en in ev.MILESTONES:
        s = stats[key]
        if s["reached"]:
            process.append(f"情景注入至{name_zh}：{s['reached']} 次，中位 {secs(s['median_s'], lang)}，最长 "
                           f"{secs(s['max_s'], lang)}。" if zh else
                           f"Inject to {name_en}: reached {s['reached']} time(s), median {secs(s['median_s'], lang)}, "
                           f"worst {secs(s['max_s'], lang)}.")
    for i in ev.recognition(record):
        t = i.time_to_alarm_wall_s
        process.append(
            (f"视频注入「{inject_title(i, lang)}」（摄像机 {i.camera}）：" + (f"视觉识别报警（{i.alarm_type}），"
             f"用时 {secs(t, lang)}（实时）。" if t is not None else "未产生识别报警。")) if zh else
            (f"Video inject '{inject_title(i, lang)}' (camera {i.camera}): " + (
                f"recognised as {i.alarm_type} after {secs(t, lang)} (real time)." if t is not None
                else "no recognition alarm.")))
    for role, counts in ev.role_summary(record).items():
        process.append(
            f"{role_name(role, lang)}：任务 {counts['total']} 项，按时完成 {counts['done']}，超时完成 {counts['late']}，"
            f"未完成 {counts['missed'] + counts['pending'] + counts['overdue']}。" if zh else
            f"{role_name(role, lang).capitalize()}: {counts['total']} task(s), {counts['done']} on time, "
            f"{counts['late']} late, {counts['missed'] + counts['pending'] + counts['overdue']} missed.")
    d = record.deliveries
    if d.total:
        process.append(f"通知 {d.total} 条，送达 {d.delivered} 条，送达率 {_pct(d.rate)}。" if zh else
                       f"{d.total} notification(s), {d.delivered} delivered ({_pct(d.rate)}).")
    probs = ev.problems(record)
    problem_lines = [
        (f"{role_name(t.role, lang)}「{task_title(t, lang)}」{pick(STATUS_NAMES[t.status], lang)}"
         + (f"，超时 {secs(t.delay_s, lang)}" if t.status == "late" else "") + "。") if zh else
        (f"{role_name(t.role, lang).capitalize()} '{task_title(t, lang)}': {pick(STATUS_NAMES[t.status], lang)}"
         + (f", {secs(t.delay_s, lang)} past the deadline" if t.status == "late" else "") + ".")
        for t in probs]
    missed_video = [i for i in ev.recognition(record) if i.fired_s is not None and i.time_to_alarm_wall_s is None]
    problem_lines += [(f"视频注入「{inject_title(i, lang)}」未触发识别报警，需检查摄像机 {i.camera} 的识别配置。" if zh else
                       f"Video inject '{inject_title(i, lang)}' raised no recognition alarm: check camera {i.camera}.")
                      for i in missed_video]
    if d.total and d.delivered < d.total:
        problem_lines.append(f"有 {d.total - d.delivered} 条通知未送达。" if zh else
                             f"{d.total - d.delivered} notification(s) were not delivered.")
    if not problem_lines:
        problem_lines = ["各项任务均按时完成，未发现问题。" if zh else "Every task was done on time; no problem found."]
    due = (record.ended_at or record.started_at).date() + timedelta(days=IMPROVEMENT_DAYS)
    plan = [Improvement(issue=line, action=_suggestion(t, lang), owner=role_name(t.role, lang), due=due)
            for t, line in zip(probs, problem_lines)]
    plan += [Improvement(issue=(f"视频注入「{inject_title(i, lang)}」未报警" if zh else
                                f"No recognition alarm on '{inject_title(i, lang)}'"),
                         action=("复核该摄像机的识别区域、阈值与画面质量，并以演练片段复测。" if zh else
                                 "Review the camera's zones, thresholds and image, and re-test with the clip."),
                         owner="视频监控管理员" if zh else "video administrator", due=due) for i in missed_video]
    suggestions = [f"{p.issue} → {p.action}（责任：{p.owner}，完成期限 {p.due}）" if zh else
                   f"{p.issue} → {p.action} (owner: {p.owner}; due {p.due})" for p in plan] or [
        "保持现有处置流程，按计划开展下次演练。" if zh else "Keep the current procedures; hold the next exercise as planned."]
    strengths = [(f"{role_name(t.role, lang)}「{task_title(t, lang)}」在规定时限一半以内完成。" if zh else
                  f"{role_name(t.role, lang).capitalize()} '{task_title(t, lang)}' done within half the time allowed.")
                 for t in ev.strengths(record)]
    sections = [Section(key="basic", title=pick(SECTION_TITLES["basic"], lang), paragraphs=[p for p in basic if p]),
                Section(key="organisation", title=pick(SECTION_TITLES["organisation"], lang), paragraphs=organisation),
                Section(key="process", title=pick(SECTION_TITLES["process"], lang), paragraphs=process),
                Section(key="problems", title=pick(SECTION_TITLES["problems"], lang), paragraphs=problem_lines),
                Section(key="suggestions", title=pick(SECTION_TITLES["suggestions"], lang), paragraphs=suggestions)]
    return ReportDraft(lang=lang, title=title, sections=sections, strengths=strengths, improvement_plan=plan)


def _suggestion(t: ev.TaskRecord, lang: Lang) -> str:
    zh = lang == "zh"
    if t.action in ("verify_alarm", "open_incident"):
        return "加强值班人员对报警核查与事件创建流程的训练，明确时限。" if zh else \
            "Train the duty desk on verifying alarms and opening incidents within the time allowed."
    if t.action == "activate_plan":
        return "组织预案启动条件与分级响应的专题培训。" if zh else "Train the commanders on activation conditions and levels."
    if t.action == "notify":
        return "预置通知模板与联系人分组，缩短信息发布时间。" if zh else \
            "Prepare message templates and contact groups to notify sooner."
    if t.action == "dispatch":
        return "核实资源台账与调派流程，开展调度演练。" if zh else "Check the resource registry and rehearse dispatching."
    if t.action == "first_report":
        return "明确信息报告责任人与报告内容要求。" if zh else "Name who reports, and what a first report must contain."
    return "明确该任务的责任人与操作步骤，纳入下次演练重点。" if zh else \
        "Name the owner and the steps of this task; make it a focus of the next exercise."
