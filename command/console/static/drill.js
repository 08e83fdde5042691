/* One drill (DRL-2..4): its clock and the organiser's controls, my seat's tasks with their
   deadlines, each role's progress, the debrief replay, and the evaluation report. Live from the
   push stream (topic "drill"); the drill clock ticks between pushes from its speed. */
(function () {
  "use strict";
  const el = WP.el;
  WP.i18n.add({
    zh: { "drill.mytasks": "我的任务", "drill.progress": "各角色进度", "drill.tasks": "全部任务", "drill.replay": "推演复盘",
      "drill.report": "评估报告", "drill.pause": "暂停", "drill.resume": "继续", "drill.abort": "终止演练",
      "drill.abort.confirm": "确定终止本次演练？", "drill.done": "完成", "drill.note": "备注（可空）", "drill.due": "时限",
      "drill.at": "完成于", "drill.by": "完成人", "drill.role": "角色", "drill.task": "任务", "drill.noseat": "您不是本次演练的席位",
      "drill.prev": "上一步", "drill.next": "下一步", "drill.step": "步骤", "drill.save": "保存草稿", "drill.final": "定稿",
      "drill.saved": "已保存", "drill.pdf": "下载 PDF", "drill.docx": "下载 Word", "drill.versions": "版本",
      "drill.report.wait": "演练结束后生成评估报告", "drill.improve": "改进计划", "drill.strengths": "主要亮点",
      "drill.inject": "情景注入", "drill.unsaved": "未保存" },
    en: { "drill.mytasks": "My tasks", "drill.progress": "Progress by role", "drill.tasks": "All tasks",
      "drill.replay": "Debrief replay", "drill.report": "Evaluation report", "drill.pause": "Pause",
      "drill.resume": "Resume", "drill.abort": "Abort", "drill.abort.confirm": "Abort this drill?", "drill.done": "Done",
      "drill.note": "Note (optional)", "drill.due": "Deadline", "drill.at": "Done at", "drill.by": "By",
      "drill.role": "Role", "drill.task": "Task", "drill.noseat": "You have no seat in this drill", "drill.prev": "Previous",
      "drill.next": "Next", "drill.step": "Step", "drill.save": "Save draft", "drill.final": "Finalise",
      "drill.saved": "Saved", "drill.pdf": "PDF", "drill.docx": "Word", "drill.versions": "Versions",
      "drill.report.wait": "The report is drafted once the drill has ended", "drill.improve": "Improvement plan",
      "drill.strengths": "Strengths", "drill.inject": "Inject", "drill.unsaved": "unsaved" },
  });
  const id = Number(WP.param("id"));
  const ORGANIZER = ["drill_organizer", "admin"];
  let drill = null, timeline = [], step = 0, report = null, lastSync = Date.now(), inject = null;
  const live = () => drill && (drill.status === "running" || drill.status === "paused");
  const tt = (x) => (WP.lang === "en" && x.title_en) ? x.title_en : x.title;
  const secs = (s) => s === null || s === undefined ? "—" : `${Math.round(s)} s`;

  function clockNow() {  // between pushes the drill clock runs on at its speed
    if (!drill || drill.status !== "running") return drill ? drill.drill_s : 0;
    return Math.min(drill.drill_s + (Date.now() - lastSync) / 1000 * drill.speed, drill.duration_s);
  }

  function header() {
    const org = ORGANIZER.includes(WP.user.role);
    const ctl = (action, key, body) => el("button", { class: "btn", "data-control": action, text: WP.t(key), onclick: async () => {
      if (action === "abort" && !confirm(WP.t("drill.abort.confirm"))) return;
      try { await WP.api(`/api/drills/${id}/control`, { method: "POST", body: Object.assign({ action }, body || {}) }); await load(); }
      catch (e) { WP.showError(e); }
    } });
    const controls = org && live() ? el("div", { class: "row" },
      drill.status === "running" ? ctl("pause", "drill.pause") : ctl("resume", "drill.resume"),
      el("select", { id: "speed", "data-now": true, onchange: async (e) => {
        try { await WP.api(`/api/drills/${id}/control`, { method: "POST", body: { action: "speed", speed: Number(e.target.value) } }); await load(); }
        catch (err) { WP.showError(err); } } },
        [1, 2, 5, 10].map((s) => el("option", { value: s, text: `${s}×`, selected: s === drill.speed }))),
      ctl("abort", "drill.abort")) : null;
    return el("section", { class: "panel", id: "drill-head" },
      el("h2", {}, el("span", { text: tt(drill) }), WP.statusBadge(drill.status),
        el("span", { class: "counts" }, el("span", { class: "clockbig", id: "drill-clock", text: `${Math.round(clockNow())} / ${Math.round(drill.duration_s)} s` }),
          el("span", { text: `${drill.speed}× · ${drill.fired}/${drill.injects} ${WP.t("drill.inject")}` }))),
      inject ? el("div", { class: "panel", id: "last-inject" }, el("strong", { text: `${WP.t("drill.inject")}: ${tt(inject)}` }),
        inject.text ? el("div", { text: inject.text }) : null) : null,
      controls);
  }

  function myTasks() {
    const seat = drill.seats.find((s) => s.username === WP.user.username);
    if (!seat) return el("section", { class: "panel" }, el("h2", { text: WP.t("drill.mytasks") }), el("div", { class: "muted", text: WP.t("drill.noseat") }));
    const mine = drill.tasks.filter((t) => t.role === seat.role);
    // What reached this seat: messages to its role, and every other inject as the console saw it.
    const heard = timeline.filter((e) => e.kind === "drill.inject" && (!e.data.to_role || e.data.to_role === seat.role));
    return el("section", { class: "panel", id: "my-tasks" },
      el("h2", { text: `${WP.t("drill.mytasks")} · ${WP.t("seat." + seat.role, seat.role)}` }),
      heard.length ? el("ul", { id: "my-injects" }, heard.map((e) => el("li", {},
        el("span", { class: "num muted", text: `${secs(e.drill_s)} ` }),
        el("strong", { text: WP.lang === "en" && e.data.title_en ? e.data.title_en : e.title }),
        e.data.text ? el("span", { text: ` — ${e.data.text}` }) : null))) : null,
      el("table", { class: "grid" }, el("tbody", {}, mine.map((t) => {
        const note = el("input", { placeholder: WP.t("drill.note"), class: "task-note", id: `note-${t.id}` });
        const left = t.due_s - clockNow();
        return el("tr", { id: `task-${t.id}`, "data-status": t.status },
          el("td", { text: tt(t) }),
          el("td", { class: "num" + (left < 0 && t.done_s === null ? " overdue" : ""), text: t.done_s === null ? `${WP.t("drill.due")} ${secs(t.due_s)} (${Math.round(left)} s)` : `${WP.t("drill.at")} ${secs(t.done_s)}` }),
          el("td", {}, WP.statusBadge(t.status)),
          el("td", {}, t.done_s === null && live() ? [note, el("button", { class: "btn primary", "data-done": t.id, text: WP.t("drill.done"), onclick: async () => {
            try { await WP.api(`/api/drills/tasks/${t.id}/done`, { method: "POST", body: { note: note.value } }); await load(); }
            catch (e) { WP.showError(e); } } })] : null));
      }))));
  }

  function progress() {
    const roles = Object.entries(drill.progress);
    return el("section", { class: "panel", id: "progress" }, el("h2", { text: WP.t("drill.progress") }),
      el("table", { class: "grid" },
        el("thead", {}, el("tr", {}, ["drill.role", "status.done", "status.late", "status.missed", "status.overdue", "status.pending"].map((k) => el("th", { text: WP.t(k) })))),
        el("tbody", {}, roles.map(([role, c]) => el("tr", { id: `role-${role}` },
          el("td", { text: WP.t("seat." + role, role) }),
          ["done", "late", "missed", "overdue", "pending"].map((k) => el("td", { class: "num", "data-count": k, text: c[k] })))))));
  }

  function allTasks() {
    return el("section", { class: "panel" }, el("h2", { text: WP.t("drill.tasks") }),
      el("table", { class: "grid", id: "tasks" },
        el("thead", {}, el("tr", {}, ["drill.role", "drill.task", "drill.due", "drill.at", "col.status", "drill.by"].map((k) => el("th", { text: WP.t(k) })))),
        el("tbody", {}, drill.tasks.map((t) => el("tr", {},
          el("td", { text: WP.t("seat." + t.role, t.role) }), el("td", { text: tt(t) }),
          el("td", { class: "num", text: secs(t.due_s) }), el("td", { class: "num", text: secs(t.done_s) }),
          el("td", {}, WP.statusBadge(t.status)), el("td", { text: t.done_by || "" }))))));
  }

  function replay() {
    if (!timeline.length) return null;
    step = Math.min(step, timeline.length - 1);
    const cur = timeline[step];
    const snap = cur.data && (cur.data.evidence || []).find((e) => e.kind === "snapshot");
    const clip = cur.data && (cur.data.evidence || []).find((e) => e.kind === "clip");
    return el("section", { class: "panel replay", id: "replay" },
      el("h2", {}, el("span", { text: WP.t("drill.replay") }),
        el("span", { class: "counts" },
          el("button", { class: "btn", id: "replay-prev", text: WP.t("drill.prev"), disabled: step === 0, onclick: () => { step--; render(); } }),
          el("input", { type: "range", id: "replay-step", min: 0, max: timeline.length - 1, value: step, oninput: (e) => { step = Number(e.target.value); render(); } }),
          el("button", { class: "btn", id: "replay-next", text: WP.t("drill.next"), disabled: step === timeline.length - 1, onclick: () => { step++; render(); } }),
          el("span", { text: `${WP.t("drill.step")} ${step + 1}/${timeline.length}` }))),
      el("div", { class: "entry current", id: "replay-current" },
        el("span", { class: "num", text: `${secs(cur.drill_s)} · ${WP.fmtTime(cur.at)}` }),
        el("strong", { text: WP.t("kind." + cur.kind, cur.kind) }), el("span", { text: cur.title }),
        el("span", { class: "muted", text: cur.actor })),
      snap ? el("img", { src: WP.mediaUrl(snap.uri), alt: cur.title }) : null,
      clip ? el("video", { src: WP.mediaUrl(clip.uri), controls: true, width: 320 }) : null,
      el("div", {}, timeline.map((e, i) => el("div", { class: "entry" + (i === step ? " current" : ""), onclick: () => { step = i; render(); } },
        el("span", { class: "num", text: secs(e.drill_s) }), el("span", { text: WP.t("kind." + e.kind, e.kind) }),
        el("span", { text: e.title })))));
  }

  function reportPanel() {
    if (live()) return el("section", { class: "panel" }, el("h2", { text: WP.t("drill.report") }), el("div", { class: "muted", text: WP.t("drill.report.wait") }));
    if (!report) return null;
    const org = ORGANIZER.includes(WP.user.role);
    const d = report.draft;
    const areas = d.sections.map((s, i) => el("div", {}, el("h3", { text: s.title }),
      // data-now: what is typed goes into the draft object at once, and the redraw draws from that
      el("textarea", { "data-section": s.key, "data-now": true, rows: Math.max(3, s.paragraphs.length + 1), disabled: !org,
        oninput: (e) => { d.sections[i].paragraphs = e.target.value.split("\n").filter((x) => x.trim()); } }, s.paragraphs.join("\n"))));
    const plan = el("table", { class: "grid", id: "improvement" },
      el("tbody", {}, d.improvement_plan.map((p) => el("tr", {}, el("td", { text: p.issue }), el("td", { text: p.action }),
        el("td", { text: p.owner }), el("td", { class: "num", text: p.due })))));
    const save = (final) => el("button", { class: "btn" + (final ? " primary" : ""), id: final ? "report-final" : "report-save",
      text: WP.t(final ? "drill.final" : "drill.save"), onclick: async () => {
        try { await WP.api(`/api/drills/${id}/report`, { method: "PUT", body: { draft: d, final } }); await loadReport(); }
        catch (e) { WP.showError(e); } } });
    const v = report.version ? `v${report.version} · ${WP.t("status." + report.status, report.status)}` : WP.t("drill.unsaved");
    const q = report.version ? `?version=${report.version}` : `?lang=${WP.lang}`;
    return el("section", { class: "panel report", id: "report" },
      el("h2", {}, el("span", { text: `${WP.t("drill.report")} · ${v}` }),
        el("span", { class: "counts" }, el("a", { href: `/api/drills/${id}/report.pdf${q}`, id: "report-pdf", text: WP.t("drill.pdf") }),
          el("a", { href: `/api/drills/${id}/report.docx${q}`, text: WP.t("drill.docx") }))),
      el("h3", { text: d.title }), areas,
      d.strengths.length ? [el("h3", { text: WP.t("drill.strengths") }), el("ul", {}, d.strengths.map((x) => el("li", { text: x })))] : null,
      el("h3", { text: WP.t("drill.improve") }), plan,
      org ? el("div", { class: "row" }, save(false), save(true)) : null,
      el("div", { class: "muted", text: `${WP.t("drill.versions")}: ${report.versions.map((x) => `v${x.version} ${x.status}`).join(", ") || "—"}` }));
  }

  function render() {
    if (!drill) return;
    // Pushes redraw the page while a seat types its note: the note and the focus survive.
    const content = document.getElementById("content");
    WP.redraw(content, () => content.replaceChildren(header(), myTasks(), progress(), allTasks(), replay(), reportPanel()));
  }

  async function loadReport() {
    if (live()) { report = null; return render(); }
    try { report = await WP.api(`/api/drills/${id}/report?lang=${WP.lang}`); } catch (e) { report = null; }
    render();
  }

  async function load() {
    [drill, timeline] = await Promise.all([WP.api(`/api/drills/${id}`), WP.api(`/api/drills/${id}/timeline`)]);
    lastSync = Date.now();
    if (!live()) return loadReport();
    render();
  }

  WP.boot().then(() => {
    WP.live({ topics: ["drill"], onReady: (_l, first) => { if (first) load().catch(WP.showError); },
      onReset: () => load().catch(WP.showError),
      onEvent: (ev) => {
        const d = ev.data || {};
        if (d.drill_id !== undefined && d.drill_id !== id) return;
        if (d.id !== undefined && d.drill_id === undefined && d.id !== id) return;
        if (ev.action === "inject") inject = d;
        load().catch(WP.showError);
      } });
    setInterval(() => { const c = document.getElementById("drill-clock"); if (c && drill) c.textContent = `${Math.round(clockNow())} / ${Math.round(drill.duration_s)} s`; }, 500);
    document.addEventListener("wp:lang", () => { render(); loadReport(); });
  }).catch(WP.showError);
})();
