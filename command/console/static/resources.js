/* Emergency resources (RES-1..3): the registry by kind with search, validity and inspection at a
   glance, what expires or falls due soon, statistics by kind and by material type, CSV/XLSX
   import with its per-row report, export, and adding a resource (duty officer and up). */
(function () {
  "use strict";
  const el = WP.el;
  WP.i18n.add({
    zh: {
      "res.title": "资源台账", "res.all": "全部", "res.search": "名称或编号", "res.find": "检索", "res.due_only": "只看临期/过期",
      "res.kind.expert": "专家", "res.kind.team": "队伍", "res.kind.material": "物资", "res.kind.vehicle": "车辆",
      "res.kind.shelter": "避难场所", "res.kind.medical_point": "医疗点",
      "res.col.name": "名称", "res.col.code": "编号", "res.col.kind": "类别", "res.col.category": "类型",
      "res.col.quantity": "数量", "res.col.location": "位置", "res.col.status": "状态", "res.col.validity": "有效期",
      "res.col.inspection": "检验/年检", "res.col.problems": "问题", "res.reserved": "已预留",
      "res.expired": "已过期", "res.overdue": "已逾期", "res.days_left": "剩 {n} 天", "res.today": "今天到期",
      "res.empty": "没有符合条件的资源", "res.more": "只显示前 {n} 条，请缩小检索范围",
      "res.expiring": "临期与待检（{n} 天内）", "res.expiring.none": "近期没有到期或待检的资源",
      "res.due.validity": "有效期", "res.due.inspection": "检验",
      "res.stats": "统计", "res.stats.kind": "按类别", "res.stats.material": "物资按类型（数量）",
      "res.export": "导出", "res.import": "导入", "res.import.pick": "选择 CSV / XLSX 文件",
      "res.import.ok": "已导入 {n} 行", "res.import.refused": "文件有 {m} 行有误，未导入任何内容",
      "res.import.partial_done": "已导入 {n} 行，跳过有误的 {m} 行",
      "res.import.partial": "仅导入无误的行", "res.import.row": "行", "res.import.field": "字段",
      "res.import.reason": "原因", "res.import.columns": "列：",
      "res.add": "新增资源", "res.add.save": "保存", "res.add.cancel": "取消", "res.add.saved": "已保存：{name}",
      "res.f.kind": "类别", "res.f.name": "名称", "res.f.code": "编号（唯一，可空）", "res.f.category": "类型",
      "res.f.quantity": "数量", "res.f.required_quantity": "应配数量", "res.f.unit": "单位", "res.f.site": "区域",
      "res.f.location_name": "存放/驻地", "res.f.status": "状态", "res.f.contact": "联系人", "res.f.phone": "电话",
      "res.f.members": "成员（每行一人）", "res.f.expires_on": "有效期至", "res.f.inspection_due_on": "下次检验",
      "res.problem.short": "数量 {q} 低于定额 {norm}", "res.problem.unavailable": "不可用", "res.problem.fully_reserved": "已全部预留",
      "status.available": "可用", "status.reserved": "已预留", "status.dispatched": "已出动", "status.unavailable": "不可用",
      "status.maintenance": "维护中",
    },
    en: {
      "res.title": "Resource registry", "res.all": "All", "res.search": "name or code", "res.find": "Search",
      "res.due_only": "expiring or overdue only",
      "res.kind.expert": "Experts", "res.kind.team": "Teams", "res.kind.material": "Materials", "res.kind.vehicle": "Vehicles",
      "res.kind.shelter": "Shelters", "res.kind.medical_point": "Medical points",
      "res.col.name": "Name", "res.col.code": "Code", "res.col.kind": "Kind", "res.col.category": "Category",
      "res.col.quantity": "Quantity", "res.col.location": "Location", "res.col.status": "Status", "res.col.validity": "Valid until",
      "res.col.inspection": "Inspection", "res.col.problems": "Problems", "res.reserved": "reserved",
      "res.expired": "expired", "res.overdue": "overdue", "res.days_left": "{n} d left", "res.today": "due today",
      "res.empty": "No resource matches", "res.more": "Only the first {n} are shown; narrow the search",
      "res.expiring": "Expiring and due for inspection (next {n} days)", "res.expiring.none": "Nothing expires or falls due soon",
      "res.due.validity": "validity", "res.due.inspection": "inspection",
      "res.stats": "Statistics", "res.stats.kind": "By kind", "res.stats.material": "Materials by type (quantity)",
      "res.export": "Export", "res.import": "Import", "res.import.pick": "Choose a CSV / XLSX file",
      "res.import.ok": "{n} rows imported", "res.import.refused": "{m} rows have errors; nothing was imported",
      "res.import.partial_done": "{n} rows imported, {m} rows with errors skipped",
      "res.import.partial": "Import only the rows without errors", "res.import.row": "Row", "res.import.field": "Field",
      "res.import.reason": "Reason", "res.import.columns": "Columns: ",
      "res.add": "Add a resource", "res.add.save": "Save", "res.add.cancel": "Cancel", "res.add.saved": "Saved: {name}",
      "res.f.kind": "Kind", "res.f.name": "Name", "res.f.code": "Code (unique, optional)", "res.f.category": "Category",
      "res.f.quantity": "Quantity", "res.f.required_quantity": "Required quantity", "res.f.unit": "Unit", "res.f.site": "Site",
      "res.f.location_name": "Stored at / based at", "res.f.status": "Status", "res.f.contact": "Contact", "res.f.phone": "Phone",
      "res.f.members": "Members (one a line)", "res.f.expires_on": "Valid until", "res.f.inspection_due_on": "Next inspection",
      "res.problem.short": "quantity {q} below the norm {norm}", "res.problem.unavailable": "unavailable",
      "res.problem.fully_reserved": "fully reserved",
      "status.available": "available", "status.reserved": "reserved", "status.dispatched": "dispatched",
      "status.unavailable": "unavailable", "status.maintenance": "maintenance",
    },
  });
  const KINDS = ["expert", "team", "material", "vehicle", "shelter", "medical_point"];
  const STATUSES = ["available", "reserved", "dispatched", "unavailable", "maintenance"];
  const OPERATORS = ["admin", "commander", "duty_officer"];
  const LIMIT = 500;
  const fmt = (key, vars) => WP.t(key).replace(/\{(\w+)\}/g, (_, k) => (vars[k] !== undefined ? vars[k] : ""));

  const state = { kind: WP.param("kind") || "", q: "", dueOnly: false, rows: [], stats: null, due: [],
    report: null, pending: null, formOpen: false, saved: "" };
  let canEdit = false;

  /* ---- dates: days from today (the browser's calendar day) to an ISO day ------------------- */
  function daysTo(isoDay) {
    const [y, m, d] = isoDay.split("-").map(Number);
    const now = new Date();
    return Math.round((new Date(y, m - 1, d) - new Date(now.getFullYear(), now.getMonth(), now.getDate())) / 86400000);
  }
  function dueCell(isoDay, lateKey) {
    if (!isoDay) return el("span", { class: "muted", text: "—" });
    const n = daysTo(isoDay), win = (state.stats && state.stats.within_days) || 30;
    if (n < 0) return el("span", { class: "due due-late", "data-due": "late", text: `${isoDay} · ${WP.t(lateKey)}` });
    if (n <= win) return el("span", { class: "due due-soon", "data-due": "soon",
      text: `${isoDay} · ${n === 0 ? WP.t("res.today") : fmt("res.days_left", { n })}` });
    return el("span", { class: "due num", "data-due": "ok", text: isoDay });
  }

  /* ---- loading ------------------------------------------------------------------------------ */
  async function loadRows() {
    const p = new URLSearchParams({ limit: String(LIMIT) });
    if (state.kind) p.set("kind", state.kind);
    if (state.q) p.set("q", state.q);
    if (state.dueOnly) p.set("expiring_within", String((state.stats && state.stats.within_days) || 30));
    state.rows = await WP.api("/api/resources?" + p);
  }
  async function loadSide() {
    state.stats = await WP.api("/api/resources/stats");
    state.due = await WP.api(`/api/resources?expiring_within=${state.stats.within_days}&limit=50`);
  }
  async function reload() { await loadSide(); await loadRows(); render(); }

  /* ---- registry ----------------------------------------------------------------------------- */
  function tabs() {
    const counts = Object.fromEntries(((state.stats && state.stats.by_kind) || []).map((k) => [k.key, k.count]));
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const tab = (kind, label, n) => el("button", { class: "tab" + (state.kind === kind ? " active" : ""), "data-kind": kind || "all",
      type: "button", onclick: () => { state.kind = kind; loadRows().then(render).catch(WP.showError); } },
      label, el("span", { class: "count", text: n }));
    return el("div", { class: "tabs", id: "res-tabs", role: "tablist" }, tab("", WP.t("res.all"), total),
      KINDS.map((k) => tab(k, WP.t("res.kind." + k), counts[k] || 0)));
  }

  function toolbar() {
    const q = el("input", { id: "res-q", type: "search", value: state.q, placeholder: WP.t("res.search") });
    const due = el("input", { id: "res-due", type: "checkbox", checked: state.dueOnly,
      onchange: () => { state.dueOnly = due.checked; loadRows().then(render).catch(WP.showError); } });
    const exp = (f) => el("a", { class: "btn", href: `/api/resources/export?format=${f}${state.kind ? "&kind=" + state.kind : ""}`,
      download: `resources.${f}`, text: `${WP.t("res.export")} ${f.toUpperCase()}` });
    const tools = [
      el("form", { class: "inline", onsubmit: (e) => { e.preventDefault(); state.q = q.value.trim(); loadRows().then(render).catch(WP.showError); } },
        q, el("button", { class: "btn", type: "submit", text: WP.t("res.find") })),
      el("label", { class: "check" }, due, WP.t("res.due_only")),
      el("span", { class: "spacer" }), exp("csv"), exp("xlsx")];
    if (canEdit) {
      const file = el("input", { id: "res-file", type: "file", accept: ".csv,.xlsx", class: "visually-hidden",
        onchange: () => { if (file.files[0]) importFile(file.files[0], false); file.value = ""; } });
      tools.push(el("label", { class: "btn", id: "res-import", for: "res-file", title: WP.t("res.import.pick") }, WP.t("res.import"), file),
        el("button", { class: "btn primary", id: "res-add-open", type: "button", text: WP.t("res.add"),
          onclick: () => { state.formOpen = !state.formOpen; state.saved = ""; render(); } }));
    }
    return el("div", { class: "toolbar" }, tools);
  }

  // The API's evaluation problems (command/domain/resource_checks.py) in the page's language.
  function problem(p) {
    const m = /^quantity (\S+) below the norm (\S+)$/.exec(p);
    if (m) return fmt("res.problem.short", { q: m[1], norm: m[2] });
    return WP.t("res.problem." + p.replace(/ /g, "_"), p);
  }

  function table() {
    const cols = ["res.col.name", "res.col.code", state.kind ? null : "res.col.kind", "res.col.category", "res.col.quantity",
      "res.col.location", "res.col.status", "res.col.validity", "res.col.inspection", "res.col.problems"].filter(Boolean);
    const rows = state.rows.map((r) => {
      const ev = r.evaluation || {};
      const qty = `${r.quantity}${r.unit ? " " + r.unit : ""}`;
      const problems = (ev.problems || []).filter((p) => !/^(expired|inspection overdue)/.test(p)).map(problem);
      return el("tr", { id: `res-${r.id}`, dataset: { kind: r.kind, status: r.status } },
        el("td", {}, el("b", { text: r.name }), r.phone ? el("div", { class: "muted small", text: [r.contact, r.phone].filter(Boolean).join(" ") }) : null),
        el("td", { class: "num nowrap", text: r.code || "—" }),
        state.kind ? null : el("td", { text: WP.t("res.kind." + r.kind, r.kind) }),
        el("td", { text: r.category || "—" }),
        el("td", { class: "num nowrap" }, qty, r.reserved ? el("div", { class: "muted small", text: `${WP.t("res.reserved")} ${r.reserved}` }) : null,
          r.required_quantity !== null && r.required_quantity !== undefined ? el("div", { class: "muted small", text: `/ ${r.required_quantity}` }) : null),
        el("td", { text: [r.site, r.location_name].filter(Boolean).join(" · ") || "—" }),
        el("td", {}, WP.statusBadge(r.status)),
        el("td", {}, dueCell(r.expires_on, "res.expired")),
        el("td", {}, dueCell(r.inspection_due_on, "res.overdue")),
        el("td", { class: "small", text: problems.join("; ") }));
    });
    return el("div", { class: "scroll" },
      el("table", { class: "grid", id: "resources" },
        el("thead", {}, el("tr", {}, cols.map((k) => el("th", { text: WP.t(k) })))),
        el("tbody", {}, rows)),
      state.rows.length ? null : el("div", { class: "empty", text: WP.t("res.empty") }),
      state.rows.length >= LIMIT ? el("div", { class: "muted", text: fmt("res.more", { n: LIMIT }) }) : null);
  }

  /* ---- import ------------------------------------------------------------------------------- */
  async function upload(file, partial) {
    const fd = new FormData();
    fd.append("file", file, file.name);
    const headers = { Accept: "application/json" };
    const token = sessionStorage.getItem("wp_token");
    if (token) headers.Authorization = "Bearer " + token;
    let res;
    try {
      res = await fetch("/api/resources/import" + (partial ? "?partial=true" : ""),
        { method: "POST", headers, body: fd, credentials: "same-origin" });
    } catch (e) { throw new Error(WP.t("err.network")); }
    let data = null;
    try { data = await res.json(); } catch (e) { data = null; }
    if (res.status === 401) { WP.goLogin(); throw new Error("401"); }
    if (data && Array.isArray(data.errors)) return data;  // the per-row report, applied or refused
    let msg = data && data.detail !== undefined ? data.detail : res.statusText;
    if (Array.isArray(msg)) msg = msg.map((d) => `${(d.loc || []).join(".")}: ${d.msg}`).join("; ");
    throw new Error(String(msg));
  }
  async function importFile(file, partial) {
    WP.showError(null);
    state.report = null;
    try {
      const rep = await upload(file, partial);
      rep.file = file.name;
      rep.partial = partial;
      state.report = rep;
      // A refused file is kept so its good rows can be imported with one more click.
      state.pending = !rep.applied ? file : null;
      await reload();
    } catch (e) { state.pending = null; render(); WP.showError(e); }
  }
  function reportPanel() {
    const rep = state.report;
    if (!rep) return null;
    const msg = rep.applied
      ? (rep.rejected ? fmt("res.import.partial_done", { n: rep.imported, m: rep.rejected }) : fmt("res.import.ok", { n: rep.imported }))
      : fmt("res.import.refused", { m: rep.rejected });
    return el("section", { class: "panel import-report" + (rep.errors.length ? " has-errors" : ""), id: "import-report",
      dataset: { applied: rep.applied ? "1" : "0" } },
      el("h2", {}, `${WP.t("res.import")} · ${rep.file}`, el("span", { class: "summary", id: "import-summary", text: msg }),
        el("button", { class: "linkbtn close", type: "button", text: "×", onclick: () => { state.report = null; state.pending = null; render(); } })),
      rep.errors.length ? el("div", { class: "scroll" }, el("table", { class: "grid", id: "import-errors" },
        el("thead", {}, el("tr", {}, ["res.import.row", "res.import.field", "res.import.reason"].map((k) => el("th", { text: WP.t(k) })))),
        el("tbody", {}, rep.errors.map((e) => el("tr", { class: "import-error", dataset: { row: e.row, field: e.field } },
          el("td", { class: "num", text: e.row }), el("td", {}, el("code", { text: e.field })), el("td", { text: e.reason })))))) : null,
      state.pending ? el("div", { class: "actions" }, el("button", { class: "btn", id: "import-partial", type: "button",
        text: WP.t("res.import.partial"),
        onclick: () => importFile(state.pending, true) })) : null);
  }

  /* ---- add form: the API's field errors next to their fields ---------------------------------- */
  const FORM = [["kind", "select", KINDS], ["name", "text"], ["code", "text"], ["category", "text"], ["quantity", "number"],
    ["unit", "text"], ["required_quantity", "number"], ["status", "select", STATUSES], ["site", "text"],
    ["location_name", "text"], ["contact", "text"], ["phone", "tel"], ["expires_on", "date"], ["inspection_due_on", "date"],
    ["members", "textarea"]];
  const draft = {};
  function addForm() {
    if (!canEdit || !state.formOpen) return null;
    const fields = FORM.map(([name, type, options]) => {
      const id = "rf-" + name;
      let input;
      if (type === "select") {
        input = el("select", { id, name }, options.map((o) => el("option", { value: o, text: WP.t(name === "kind" ? "res.kind." + o : "status." + o, o),
          selected: (draft[name] || (name === "kind" ? state.kind || "material" : "available")) === o })));
      } else if (type === "textarea") {
        input = el("textarea", { id, name, rows: 2 });
        input.value = draft[name] || "";
      } else {
        input = el("input", { id, name, type, step: type === "number" ? "any" : null, value: draft[name] || "" });
      }
      input.addEventListener("input", () => { draft[name] = input.value; });
      input.addEventListener("change", () => { draft[name] = input.value; });
      return el("div", { class: "field f-" + name }, el("label", { for: id, text: WP.t("res.f." + name) }), input,
        el("div", { class: "field-error", "data-for": name }));
    });
    return el("section", { class: "panel", id: "res-form-panel" },
      el("h2", { text: WP.t("res.add") }),
      el("form", { id: "res-form", class: "form-cols", novalidate: true, onsubmit: (e) => { e.preventDefault(); save(e.currentTarget); } },
        fields,
        el("div", { class: "field-error general", "data-for": "" }),
        el("div", { class: "actions" }, el("button", { class: "btn primary", type: "submit", id: "rf-save", text: WP.t("res.add.save") }),
          el("button", { class: "btn", type: "button", text: WP.t("res.add.cancel"), onclick: () => { state.formOpen = false; render(); } }))));
  }
  function showFieldErrors(form, e) {
    form.querySelectorAll(".field-error").forEach((n) => { n.textContent = ""; });
    form.querySelectorAll(".invalid").forEach((n) => n.classList.remove("invalid"));
    const put = (field, msg) => {
      const box = form.querySelector(`.field-error[data-for="${field}"]`) || form.querySelector(".field-error.general");
      box.textContent = (box.textContent ? box.textContent + "; " : "") + msg;
      const input = form.querySelector(`[name="${field}"]`);
      if (input) input.classList.add("invalid");
    };
    const detail = e.data && e.data.detail;
    if (Array.isArray(detail)) {
      for (const d of detail) {
        const loc = (d.loc || []).filter((x) => x !== "body");
        put(loc.length ? String(loc[0]) : "", d.msg);
      }
    } else {
      const m = /^(\w+): (.*)$/.exec(String(detail || e.message));
      if (m && form.querySelector(`[name="${m[1]}"]`)) put(m[1], m[2]); else put("", String(detail || e.message));
    }
  }
  async function save(form) {
    const body = {};
    for (const [name, type] of FORM) {
      const v = (form.elements[name].value || "").trim();
      if (v === "") continue;
      if (type === "number") body[name] = Number(v);
      else if (name === "members") body[name] = v.split(/[\n;；]/).map((s) => s.trim()).filter(Boolean);
      else body[name] = v;
    }
    try {
      const r = await WP.api("/api/resources", { method: "POST", body });
      for (const k of Object.keys(draft)) delete draft[k];
      state.formOpen = false;
      state.saved = fmt("res.add.saved", { name: r.name });
      await reload();
    } catch (e) {
      if (e.status === 422 || e.status === 409) showFieldErrors(form, e); else WP.showError(e);
    }
  }

  /* ---- side: expiring and statistics (RES-3) -------------------------------------------------- */
  function expiringPanel() {
    const days = (state.stats && state.stats.within_days) || 30;
    const items = [];
    for (const r of state.due) {
      for (const [field, key, late] of [["expires_on", "res.due.validity", "res.expired"], ["inspection_due_on", "res.due.inspection", "res.overdue"]]) {
        if (r[field] && daysTo(r[field]) <= days) items.push({ r, day: r[field], key, late, n: daysTo(r[field]) });
      }
    }
    items.sort((a, b) => a.n - b.n);
    return el("section", { class: "panel", id: "expiring" },
      el("h2", { text: fmt("res.expiring", { n: days }) }),
      items.length ? el("ul", { class: "duelist" }, items.map((it) => el("li", { "data-id": it.r.id, class: it.n < 0 ? "late" : "soon" },
        el("span", { class: "what" }, el("b", { text: it.r.name }), el("span", { class: "muted", text: ` ${WP.t("res.kind." + it.r.kind, it.r.kind)} · ${WP.t(it.key)}` })),
        dueCell(it.day, it.late))))
        : el("div", { class: "empty", text: WP.t("res.expiring.none") }));
  }
  function bars(list, valueOf, labelOf) {
    const max = Math.max(1, ...list.map(valueOf));
    return el("div", { class: "bars" }, list.map((x) => el("div", { class: "bar-row" },
      el("span", { class: "bar-label", text: labelOf(x) }),
      el("span", { class: "bar" }, el("span", { class: "bar-fill", style: `width:${(100 * valueOf(x) / max).toFixed(1)}%` })),
      el("span", { class: "bar-value num", text: valueOf(x) }))));
  }
  function statsPanel() {
    const st = state.stats;
    if (!st) return null;
    return el("section", { class: "panel", id: "res-stats" },
      el("h2", { text: WP.t("res.stats") }),
      el("h3", { text: WP.t("res.stats.kind") }), bars(st.by_kind, (x) => x.count, (x) => WP.t("res.kind." + x.key, x.key)),
      st.by_material_type.length ? [el("h3", { text: WP.t("res.stats.material") }),
        bars(st.by_material_type, (x) => x.quantity, (x) => x.key || "—")] : null);
  }

  function render() {
    const content = document.getElementById("content");
    const active = document.activeElement && document.activeElement.id && content.contains(document.activeElement) ? document.activeElement.id : null;
    content.replaceChildren(el("div", { class: "res-layout" },
      el("div", { class: "res-main" },
        reportPanel(), addForm(),
        el("section", { class: "panel" },
          el("h2", {}, WP.t("res.title"), state.saved ? el("span", { class: "saved", id: "res-saved", text: state.saved }) : null),
          tabs(), toolbar(), table())),
      el("aside", { class: "res-side" }, expiringPanel(), statsPanel())));
    const again = active && document.getElementById(active);
    if (again) again.focus();
  }

  WP.boot().then(async () => {
    canEdit = OPERATORS.includes(WP.user.role);
    document.body.dataset.canEdit = canEdit ? "1" : "0";
    await reload();
    document.addEventListener("wp:lang", render);
    setInterval(() => {  // imports and edits by others; not while the officer is typing
      const a = document.activeElement;
      if (!state.formOpen && !(a && ["INPUT", "TEXTAREA", "SELECT"].includes(a.tagName))) loadSide().then(render).catch(() => {});
    }, 60000);
  }).catch(WP.showError);
})();
