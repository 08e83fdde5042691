/* Plans (PLAN-2) and, with ?incident=N, plan matching, one-click activation, task tracking and the
   offline map with nearest resources by road (PLAN-6, CMD-5, RES-4). */
(function () {
  "use strict";
  const el = WP.el;
  const SVGNS = "http://www.w3.org/2000/svg";
  WP.i18n.add({
    zh: { "plans.search": "检索", "plans.matches": "匹配预案", "plans.activate": "一键启动",
      "plans.tasks": "任务", "plans.reservations": "预留资源", "plans.map": "地图与最近资源", "plans.reports": "报告",
      "plans.none": "无" },
    en: { "plans.search": "Search", "plans.matches": "Matching plans", "plans.activate": "Activate",
      "plans.tasks": "Tasks", "plans.reservations": "Reserved resources", "plans.map": "Map and nearest resources",
      "plans.reports": "Reports", "plans.none": "none" },
  });
  const incidentId = WP.param("incident");
  const root = () => document.getElementById("content");

  function svg(tag, attrs) {
    const n = document.createElementNS(SVGNS, tag);
    for (const [k, v] of Object.entries(attrs || {})) n.setAttribute(k, v);
    return n;
  }

  /* ---- plan list: filters, the review queue, statistics, import from a document (PLAN-1/2/5/7) ---- */
  WP.i18n.add({
    zh: { "plans.scope": "范围", "plans.type": "类型", "plans.status": "状态", "plans.enterprise": "企业",
      "plans.all": "全部", "plans.queue": "待我审核", "plans.import": "从文件导入预案（DOCX / PDF）",
      "plans.file": "预案文件", "plans.upload": "导入并生成拆分草稿", "plans.stats": "统计",
      "plans.importing": "正在读取文件…", "plans.count": "共 {n} 份", "plans.reminders": "到期与修订提醒",
      "plans.expire": "将已过有效期的备案标记为过期", "plans.expired": "已标记过期：{n} 份", "plans.overdue": "已逾期",
      "rem.expiry": "有效期至", "rem.revision": "应修订于" },
    en: { "plans.scope": "Scope", "plans.type": "Type", "plans.status": "Status", "plans.enterprise": "Enterprise",
      "plans.all": "All", "plans.queue": "Review queue", "plans.import": "Import a plan from its document (DOCX / PDF)",
      "plans.file": "Plan document", "plans.upload": "Import and draft the split", "plans.stats": "Statistics",
      "plans.importing": "Reading the document…", "plans.count": "{n} plans", "plans.reminders": "Expiry and revision reminders",
      "plans.expire": "Mark filings past their validity as expired", "plans.expired": "{n} marked expired", "plans.overdue": "overdue",
      "rem.expiry": "valid until", "rem.revision": "revise by" },
  });
  const STATUSES = ["draft", "submitted", "accepted", "returned", "expired", "in_review", "reviewed", "published",
    "reference", "archived"];
  const opt = (value, label, selected) => el("option", { value, text: label, selected: !!selected });

  async function listPage() {
    const canWrite = WP.user && ["admin", "commander", "duty_officer"].includes(WP.user.role);
    const f = {
      q: el("input", { id: "q", placeholder: "关键词 / keyword" }),
      scope: el("select", { id: "f-scope" }, opt("", WP.t("plans.all")),
        ...["enterprise", "park", "authority"].map((s) => opt(s, WP.t("scope." + s)))),
      level: el("select", { id: "f-level" }, opt("", WP.t("plans.all")), ...["综合", "专项", "现场处置"].map((l) => opt(l, l))),
      status: el("select", { id: "f-status" }, opt("", WP.t("plans.all")), ...STATUSES.map((s) => opt(s, WP.t("status." + s)))),
      enterprise: el("input", { id: "f-enterprise", placeholder: WP.t("plans.enterprise") }),
    };
    const queue = el("input", { type: "checkbox", id: "f-queue" });
    const table = el("tbody", { id: "plans" });
    const count = el("span", { class: "muted", id: "plan-count" });
    async function run() {
      const qs = new URLSearchParams({ limit: "200", q: f.q.value });
      for (const k of ["scope", "level", "status", "enterprise"]) if (f[k].value) qs.set(k, f[k].value);
      let rows;
      if (queue.checked) {  // the reviewer's queue: park plans in review and enterprise filings waiting
        const [a, b] = await Promise.all(["in_review", "submitted"].map((st) => {
          qs.set("status", st); return WP.api("/api/plans?" + qs.toString());
        }));
        rows = a.concat(b);
      } else {
        rows = await WP.api("/api/plans?" + qs.toString());
      }
      count.textContent = WP.t("plans.count").replace("{n}", rows.length);
      table.replaceChildren(...rows.map((p) => el("tr", { id: `plan-${p.id}` },
        el("td", { class: "num", text: "#" + p.id }),
        el("td", {}, el("a", { href: `plan.html?id=${p.id}`, text: p.title })),
        el("td", { text: WP.t("scope." + p.scope, p.scope) }), el("td", { text: p.level || "" }),
        el("td", { text: p.enterprise || "" }), el("td", {}, WP.statusBadge(p.status)),
        el("td", { class: "num", text: "v" + p.version }),
        el("td", { class: "reasons", text: p.snippet || "" }))));
    }
    async function reminders() {
      const rows = await WP.api("/api/plans/reminders");
      document.getElementById("reminders").replaceChildren(...rows.map((r) => el("li", { class: r.overdue ? "overdue" : "" },
        el("a", { href: `plan.html?id=${r.plan_id}`, text: r.title }), ` ${r.enterprise || ""} · ${WP.t("rem." + r.kind, r.kind)} ${WP.fmtTime(r.due)}`,
        r.overdue ? el("b", { text: " " + WP.t("plans.overdue") }) : "")));
    }
    async function stats() {
      const [byScope, byStatus] = await Promise.all([WP.api("/api/plans/stats?dimension=scope"),
        WP.api("/api/plans/stats?dimension=status")]);
      const chip = (prefix) => (r) => el("span", { class: "chip" }, `${WP.t(prefix + r.key, r.key || "—")} ${r.count}`);
      document.getElementById("plan-stats").replaceChildren(...byScope.map(chip("scope.")), " · ",
        ...byStatus.map(chip("status.")));
    }
    const file = el("input", { type: "file", id: "plan-file", accept: ".docx,.pdf" });
    const upScope = el("select", { id: "import-scope" }, ...["enterprise", "park", "authority"].map((s) => opt(s, WP.t("scope." + s), s === "park")));
    const upEnterprise = el("input", { id: "import-enterprise", placeholder: WP.t("plans.enterprise") });
    const upMsg = el("span", { class: "muted", id: "import-msg" });
    async function upload(e) {
      e.preventDefault();
      if (!file.files.length) { WP.showError(new Error(WP.t("plans.file") + ": —")); return; }
      const fd = new FormData();
      fd.append("file", file.files[0]);
      fd.append("scope", upScope.value);
      fd.append("enterprise", upEnterprise.value);
      upMsg.textContent = WP.t("plans.importing");
      try {
        const p = await WP.upload("/api/plans/import", fd);
        location.href = `plan.html?id=${p.id}`;
      } catch (err) { upMsg.textContent = ""; WP.showError(err); }
    }
    const importPanel = canWrite ? el("section", { class: "panel", id: "import-panel" }, el("h2", { text: WP.t("plans.import") }),
      el("form", { class: "inline-form", onsubmit: upload }, file, upScope, upEnterprise,
        el("button", { type: "submit", class: "btn primary", id: "import-submit", text: WP.t("plans.upload") }), upMsg)) : "";
    for (const x of [f.scope, f.level, f.status, queue]) x.addEventListener("change", () => run().catch(WP.showError));
    root().replaceChildren(
      el("section", { class: "panel" }, el("h2", {}, WP.t("nav.plans"), " ", count),
        el("form", { class: "inline-form", onsubmit: (e) => { e.preventDefault(); run().catch(WP.showError); } },
          f.q, f.scope, f.level, f.status, f.enterprise,
          el("label", { class: "check" }, queue, " ", WP.t("plans.queue")),
          el("button", { type: "submit", class: "btn", text: WP.t("plans.search") })),
        el("div", { class: "scroll-x" }, el("table", { class: "grid" }, el("thead", {}, el("tr", {},
          ...["#", "col.title", "plans.scope", "plans.type", "plans.enterprise", "col.status", "v", ""].map((k) =>
            el("th", { text: k.includes(".") ? WP.t(k) : k })))), table))),
      importPanel,
      el("section", { class: "panel" }, el("h2", { text: WP.t("plans.reminders") }), el("ul", { id: "reminders" }),
        WP.user && ["admin", "commander"].includes(WP.user.role) ? el("button", { type: "button", class: "btn", id: "expire-due",
          text: WP.t("plans.expire"), onclick: async () => {
            try {
              const r = await WP.api("/api/plans/expire-due", { method: "POST" });
              document.getElementById("expire-msg").textContent = WP.t("plans.expired").replace("{n}", r.expired.length);
              await Promise.all([run(), reminders(), stats()]);
            } catch (e) { WP.showError(e); }
          } }) : "", " ", el("span", { class: "muted", id: "expire-msg" })),
      el("section", { class: "panel" }, el("h2", { text: WP.t("plans.stats") }), el("div", { id: "plan-stats" })));
    await Promise.all([run(), stats(), reminders()]);
  }

  /* ---- incident: match, activate, track ----------------------------------------------------- */
  WP.i18n.add({
    zh: { "plans.check": "检查资源", "plans.need": "需求", "plans.short": "缺口", "plans.activations": "启动记录",
      "plans.feedback": "反馈", "plans.note": "现场反馈", "plans.events": "记录", "plans.release": "释放",
      "plans.ok": "资源充足", "task.pending": "待接收", "task.accepted": "已接收", "task.in_progress": "处置中",
      "task.blocked": "受阻", "task.done": "完成", "task.cancelled": "取消" },
    en: { "plans.check": "Check resources", "plans.need": "need", "plans.short": "short", "plans.activations": "Activations",
      "plans.feedback": "Feed back", "plans.note": "field note", "plans.events": "log", "plans.release": "Release",
      "plans.ok": "resources suffice", "task.pending": "pending", "task.accepted": "accepted", "task.in_progress": "in progress",
      "task.blocked": "blocked", "task.done": "done", "task.cancelled": "cancelled" },
  });
  const openLogs = new Set();
  const canAct = () => WP.user && ["admin", "commander", "duty_officer"].includes(WP.user.role);

  function taskRow(t) {
    const next = ((WP.meta.task_flow || {})[t.status] || []);
    const events = el("ul", { class: "task-events muted", hidden: true });
    const cells = [el("td", { class: "num", text: t.seq + 1 }), el("td", { text: t.role }), el("td", { text: t.assignee || "—" }),
      el("td", { text: t.title }), el("td", {}, el("span", { class: `badge st st-${t.status}`, text: WP.t("task." + t.status, t.status) })),
      el("td", { class: "num", text: WP.fmtTime(t.due_at) })];
    const tools = el("td", { class: "task-tools" });
    if (canAct() && next.length) {
      const status = el("select", { class: "task-status" }, el("option", { value: "", text: "—" }),
        ...next.map((s) => el("option", { value: s, text: WP.t("task." + s, s) })));
      const note = el("input", { class: "task-note", placeholder: WP.t("plans.note") });
      tools.append(status, note, el("button", { type: "button", class: "btn task-send", text: WP.t("plans.feedback"), onclick: async () => {
        try {
          await WP.api(`/api/tasks/${t.id}/feedback`, { method: "POST", body: { status: status.value || null, note: note.value } });
          WP.forget(status); WP.forget(note);  // sent: no longer a draft
          await loadTasks();
        } catch (e) { WP.showError(e); }
      } }));
    }
    const showLog = async () => {
      const evs = await WP.api(`/api/tasks/${t.id}/events`).catch(WP.showError) || [];
      events.replaceChildren(...evs.map((e) => el("li", {}, `${WP.fmtTime(e.at)} ${e.actor} ${e.status ? WP.t("task." + e.status, e.status) : e.kind} ${e.note || ""}`)));
    };
    tools.append(el("button", { type: "button", class: "linkbtn task-log", text: WP.t("plans.events"), onclick: async () => {
      events.hidden = !events.hidden;
      if (events.hidden) openLogs.delete(t.id); else { openLogs.add(t.id); await showLog(); }
    } }), events);
    // A log left open stays open, and current, through a redraw.
    if (openLogs.has(t.id)) { events.hidden = false; showLog(); }
    return el("tr", { id: `task-${t.id}`, dataset: { status: t.status } }, ...cells, tools);
  }

  // Close pushes start overlapping loads that can answer out of order: only the newest draws.
  let tasksLoad = 0;

  async function loadTasks() {
    const mine = ++tasksLoad;
    const [tasks, resv, acts] = await Promise.all([WP.api(`/api/incidents/${incidentId}/tasks`),
      WP.api(`/api/incidents/${incidentId}/reservations`), WP.api(`/api/incidents/${incidentId}/activations`)]);
    if (mine !== tasksLoad) return;
    const body = document.getElementById("tasks");
    WP.redraw(body, () => body.replaceChildren(...tasks.map(taskRow)));  // feedback being typed survives the push
    document.getElementById("reservations").replaceChildren(...resv.map((r) => el("li", { id: `resv-${r.id}` },
      `${r.name} (${r.category}) × ${r.quantity}${r.unit || ""} — ${r.status} `,
      canAct() && r.status === "active" ? el("button", { type: "button", class: "linkbtn release", text: WP.t("plans.release"), onclick: async () => {
        try { await WP.api(`/api/reservations/${r.id}/release`, { method: "POST" }); await loadTasks(); } catch (e) { WP.showError(e); }
      } }) : "")));
    document.getElementById("activations").replaceChildren(...acts.map((a) => el("li", {},
      `${WP.fmtTime(a.at)} ${a.actor}: #${a.plan_id} v${a.plan_version} ${a.response_level} · ${a.notifications} ✉`,
      a.warnings.length ? el("div", { class: "reasons", text: a.warnings.join("；") }) : "")));
  }

  async function checkPlan(planId, level, box) {
    try {
      const c = await WP.api(`/api/incidents/${incidentId}/plan-check?plan_id=${planId}&response_level=${level}`);
      box.replaceChildren(c.needs.length ? el("ul", { class: "plan-check" }, c.needs.map((n) => el("li", { class: n.shortfall > 0 ? "short" : "" },
        `${n.category} (${n.kind}) ${WP.t("plans.need")} ${n.quantity}` + (n.shortfall > 0 ? ` · ${WP.t("plans.short")} ${n.shortfall}` : ""),
        n.flags.length ? el("span", { class: "reasons", text: " " + n.flags.join("；") }) : ""))) : WP.t("plans.ok"));
    } catch (e) { WP.showError(e); }
  }

  async function drawMap() {
    const [layers, near] = await Promise.all([WP.api("/api/map/layers"),
      WP.api(`/api/incidents/${incidentId}/nearest-resources?k=5`).catch(() => [])]);
    const pts = [];
    const walk = (c) => (typeof c[0] === "number" ? pts.push(c) : c.forEach(walk));
    for (const f of layers.site_plan.features || []) walk(f.geometry.coordinates);
    for (const k of ["incidents", "cameras", "personnel"]) for (const f of layers[k].features) pts.push(f.geometry.coordinates);
    for (const n of near) n.route.coordinates.forEach((c) => pts.push(c));
    const box = el("div", { id: "map" });
    if (!pts.length) { box.append(WP.t("plans.none")); return box; }
    const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const W = 720, H = 480, s = Math.min(W / (x1 - x0 || 1e-6), H / (y1 - y0 || 1e-6)) * 0.95;
    const P = (c) => [((c[0] - x0) * s + 10).toFixed(1), (H - (c[1] - y0) * s + 10).toFixed(1)];
    const m = svg("svg", { class: "parkmap", viewBox: `0 0 ${W + 20} ${H + 20}` });
    for (const f of layers.site_plan.features || []) {
      if (f.geometry.type === "Polygon") {
        m.append(svg("polygon", { class: `area ${f.properties.kind || ""}`, points: f.geometry.coordinates[0].map((c) => P(c).join(",")).join(" ") }));
      }
    }
    for (const n of near) {
      const line = svg("polyline", { class: "route", points: n.route.coordinates.map((c) => P(c).join(",")).join(" ") });
      line.append(svg("title", {})); line.lastChild.textContent = `${n.resource.name} ${Math.round(n.distance_m)} m`;
      m.append(line);
      const [cx, cy] = P(n.route.coordinates[n.route.coordinates.length - 1]);
      m.append(svg("circle", { class: "resource", cx, cy, r: 5 }));
    }
    for (const [k, cls] of [["cameras", "camera"], ["personnel", "person"], ["incidents", "incident"]]) {
      for (const f of layers[k].features) {
        const [cx, cy] = P(f.geometry.coordinates);
        m.append(svg("circle", { class: cls, cx, cy, r: cls === "incident" ? 8 : 4 }));
      }
    }
    box.append(m, el("ol", { id: "nearest" }, near.map((n) => el("li", {}, `${n.resource.name} (${n.resource.kind}) — ${Math.round(n.distance_m)} m`))));
    return box;
  }

  async function incidentPage() {
    const inc = await WP.api(`/api/incidents/${incidentId}`);
    const matches = await WP.api(`/api/incidents/${incidentId}/plan-matches`);
    const matchList = el("ol", { id: "matches" }, matches.map((mt) => {
      const level = el("select", { class: "level" }, ["I", "II", "III", "IV"].map((l) => el("option", { value: l, text: l, selected: l === mt.response_level })));
      const go = el("button", { class: "activate", text: WP.t("plans.activate"), onclick: async () => {
        try {
          await WP.api(`/api/incidents/${incidentId}/activate-plan`, { method: "POST", body: { plan_id: mt.plan_id, response_level: level.value } });
          await loadTasks();
        } catch (e) { WP.showError(e); }
      } });
      const check = el("div", { class: "check-box" });
      return el("li", { id: `match-${mt.plan_id}` }, el("a", { href: `plan.html?id=${mt.plan_id}`, text: mt.title }), ` (${mt.scope}, ${mt.score}) `,
        level, " ", el("button", { type: "button", class: "btn check", text: WP.t("plans.check"),
          onclick: () => checkPlan(mt.plan_id, level.value, check) }), " ", go,
        el("div", { class: "reasons", text: mt.reasons.join("；") }), check);
    }));
    const rep = (kind, fmt) => el("a", { href: `/api/incidents/${incidentId}/reports/${kind}?format=${fmt}`, text: `${kind}.${fmt}` });
    root().replaceChildren(
      el("section", { class: "panel" }, el("h2", { text: `#${inc.id} ${inc.title}` }),
        el("div", {}, WP.levelBadge(inc.level), " ", WP.statusBadge(inc.status), " ", inc.response_level || "")),
      el("section", { class: "panel" }, el("h2", { text: WP.t("plans.matches") }), matches.length ? matchList : el("div", { class: "empty", text: WP.t("plans.none") })),
      el("section", { class: "panel" }, el("h2", { text: WP.t("plans.tasks") }), el("table", { class: "grid" }, el("tbody", { id: "tasks" })),
        el("h3", { text: WP.t("plans.reservations") }), el("ul", { id: "reservations" }),
        el("h3", { text: WP.t("plans.activations") }), el("ul", { id: "activations" }),
        el("h3", { text: WP.t("plans.reports") }), rep("resource-assessment", "pdf"), " ", rep("decision-support", "pdf"), " ", rep("decision-support", "docx")),
      el("section", { class: "panel" }, el("h2", { text: WP.t("plans.map") }), await drawMap()));
    await loadTasks();
  }

  WP.boot().then(() => {
    if (!incidentId) return listPage();
    WP.live({
      topics: ["task"],
      onReady: (_l, first) => { if (first) incidentPage().catch(WP.showError); },
      onReset: () => loadTasks().catch(WP.showError),
      onEvent: () => { if (document.getElementById("tasks")) loadTasks().catch(WP.showError); },
    });
  }).catch(WP.showError);
})();
