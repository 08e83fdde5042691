/* Drills (DRL-1..3): the drills running and done, the filed scenarios, and for the organiser:
   file a scenario, start a drill with its seats, speed and test group. */
(function () {
  "use strict";
  const el = WP.el;
  WP.i18n.add({
    zh: { "drills.title": "演练", "drills.live": "进行中的演练", "drills.past": "演练记录", "drills.none": "暂无",
      "drills.scenarios": "演练脚本", "drills.search": "搜索脚本（标题、单位、内容）", "drills.file": "上传脚本（YAML）",
      "drills.file.do": "提交脚本", "drills.start": "开始演练", "drills.speed": "速度", "drills.seats": "席位",
      "drills.seat.add": "添加席位", "drills.testgroup": "测试号码（可空，逗号分隔；仅这些号码收到真实短信）",
      "drills.injects": "注入", "drills.roles": "角色", "drills.version": "版本", "drills.enterprise": "单位",
      "drills.clock": "演练时间", "drills.started": "开始", "drills.user": "用户名", "drills.role": "角色",
      "drills.filed": "脚本已提交", "drills.started.ok": "演练已开始" },
    en: { "drills.title": "Drills", "drills.live": "Drills running", "drills.past": "Past drills", "drills.none": "None",
      "drills.scenarios": "Scenarios", "drills.search": "Search scenarios (title, organisation, text)",
      "drills.file": "File a scenario (YAML)", "drills.file.do": "File it", "drills.start": "Start a drill",
      "drills.speed": "Speed", "drills.seats": "Seats", "drills.seat.add": "Add a seat",
      "drills.testgroup": "Test group (optional, comma-separated; only these numbers get real SMS)",
      "drills.injects": "Injects", "drills.roles": "Roles", "drills.version": "Version",
      "drills.enterprise": "Organisation", "drills.clock": "Drill time", "drills.started": "Started",
      "drills.user": "Username", "drills.role": "Role", "drills.filed": "Scenario filed", "drills.started.ok": "Drill started" },
  });
  const ORGANIZER = ["drill_organizer", "admin"];
  let drills = [], scenarios = [], query = "", picked = null;
  const seats = [];
  const title = (x) => (WP.lang === "en" && x.title_en) ? x.title_en : x.title;

  function bar(p) {
    const counts = { done: 0, late: 0, missed: 0, overdue: 0, total: 0 };
    for (const c of Object.values(p || {})) for (const k of Object.keys(counts)) counts[k] += c[k] || 0;
    if (!counts.total) return el("span", { class: "muted", text: "—" });
    return el("div", { class: "progressbar", title: `${counts.done}/${counts.total}` },
      ["done", "late", "missed", "overdue"].map((k) => counts[k] ? el("div", { class: "p-" + k, style: `width:${100 * counts[k] / counts.total}%` }) : null));
  }

  function drillRow(d) {
    return el("tr", { id: `drill-${d.id}` },
      el("td", { class: "num", text: "#" + d.id }),
      el("td", {}, el("a", { href: `drill.html?id=${d.id}`, text: title(d) })),
      el("td", {}, WP.statusBadge(d.status)),
      el("td", { class: "num", text: `${Math.round(d.drill_s)} / ${Math.round(d.duration_s)} s · ${d.speed}×` }),
      el("td", { class: "num", text: `${d.fired}/${d.injects}` }),
      el("td", { class: "num", text: WP.fmtTime(d.started_at) }));
  }

  function drillTable(list) {
    if (!list.length) return el("div", { class: "empty", text: WP.t("drills.none") });
    return el("table", { class: "grid" },
      el("thead", {}, el("tr", {}, ["col.id", "col.title", "col.status", "drills.clock", "drills.injects", "drills.started"]
        .map((k) => el("th", { text: WP.t(k) })))),
      el("tbody", {}, list.map(drillRow)));
  }

  function startForm() {
    if (!picked || !ORGANIZER.includes(WP.user.role)) return null;
    const speed = el("select", { id: "speed" }, [1, 2, 5, 10].map((s) => el("option", { value: s, text: `${s}×`, selected: s === picked.speed })));
    const rows = seats.map((s, i) => el("div", { class: "row" },
      el("input", { class: "seat-user", placeholder: WP.t("drills.user"), value: s.username, oninput: (e) => { seats[i].username = e.target.value; } }),
      el("select", { class: "seat-role", onchange: (e) => { seats[i].role = e.target.value; } },
        picked.roles.map((r) => el("option", { value: r, text: WP.t("seat." + r, r), selected: r === s.role })))));
    const tg = el("input", { id: "test-group", placeholder: "+8613900000000", style: "width:100%" });
    const go = el("button", { class: "btn primary", id: "start", text: WP.t("drills.start"), onclick: async () => {
      WP.showError(null);
      try {
        const d = await WP.api("/api/drills", { method: "POST", body: {
          scenario_id: picked.id, speed: Number(speed.value),
          seats: seats.filter((s) => s.username.trim()).map((s) => ({ username: s.username.trim(), role: s.role })),
          test_group: tg.value.split(/[,，\s]+/).filter(Boolean) } });
        location.href = `drill.html?id=${d.id}`;
      } catch (e) { WP.showError(e); }
    } });
    return el("section", { class: "panel", id: "start-form" },
      el("h2", { text: `${WP.t("drills.start")} · ${title(picked)}` }),
      el("div", { class: "form-grid" },
        el("label", { text: WP.t("drills.speed") }), speed,
        el("label", { text: WP.t("drills.seats") }), el("div", {}, rows,
          el("button", { class: "btn", id: "add-seat", text: WP.t("drills.seat.add"), onclick: () => { seats.push({ username: "", role: picked.roles[0] }); render(); } })),
        el("label", { text: WP.t("drills.testgroup") }), tg),
      el("div", { style: "margin-top:.6rem" }, go));
  }

  function fileForm() {
    if (!ORGANIZER.includes(WP.user.role)) return null;
    const text = el("textarea", { id: "scenario-yaml", rows: 6, style: "width:100%", placeholder: "id: ...\ntitle: ...\nroles: [...]\ninjects: [...]" });
    return el("section", { class: "panel" }, el("h2", { text: WP.t("drills.file") }), text,
      el("button", { class: "btn", id: "file-scenario", text: WP.t("drills.file.do"), onclick: async () => {
        WP.showError(null);
        try { await WP.api("/api/drills/scenarios", { method: "POST", body: { source: text.value } }); text.value = ""; await load(); }
        catch (e) { WP.showError(e); }
      } }));
  }

  function render() {
    const live = drills.filter((d) => d.status === "running" || d.status === "paused");
    const past = drills.filter((d) => !live.includes(d));
    const search = el("input", { id: "scenario-q", placeholder: WP.t("drills.search"), value: query, style: "width:100%",
      onchange: async (e) => { query = e.target.value; await load(); } });
    const scen = el("table", { class: "grid", id: "scenarios" },
      el("thead", {}, el("tr", {}, ["col.title", "drills.enterprise", "drills.roles", "drills.injects", "drills.version", ""].map((k) => el("th", { text: k ? WP.t(k) : "" })))),
      el("tbody", {}, scenarios.map((s) => el("tr", { id: `scenario-${s.id}`, class: picked && picked.id === s.id ? "current" : null },
        el("td", { text: title(s) }), el("td", { text: s.enterprise }),
        el("td", { text: s.roles.map((r) => WP.t("seat." + r, r)).join("、") }),
        el("td", { class: "num", text: s.injects }), el("td", { class: "num", text: "v" + s.version }),
        el("td", {}, ORGANIZER.includes(WP.user.role) ? el("button", { class: "btn", "data-scenario": s.id, text: WP.t("drills.start"),
          onclick: () => { picked = s; seats.length = 0; for (const r of s.roles) seats.push({ username: "", role: r }); render(); } }) : null)))));
    document.getElementById("content").replaceChildren(
      el("section", { class: "panel" }, el("h2", { text: WP.t("drills.live") }), drillTable(live)),
      startForm(),
      el("section", { class: "panel" }, el("h2", { text: WP.t("drills.scenarios") }), search, scen),
      fileForm(),
      el("section", { class: "panel" }, el("h2", { text: WP.t("drills.past") }), drillTable(past)));
  }

  async function load() {
    [drills, scenarios] = await Promise.all([WP.api("/api/drills?limit=100"),
      WP.api("/api/drills/scenarios?q=" + encodeURIComponent(query))]);
    render();
  }

  WP.boot().then(() => {
    WP.live({ topics: ["drill"], onReady: (_l, first) => { if (first) load().catch(WP.showError); },
      onReset: () => load().catch(WP.showError),
      onEvent: (ev) => { if (["started", "finished", "aborted", "pause", "resume", "speed", "progress"].includes(ev.action)) load().catch(WP.showError); } });
    document.addEventListener("wp:lang", render);
  }).catch(WP.showError);
})();
