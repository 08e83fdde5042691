/* Emergency resources (RES-1..3): the registry by kind with search, validity and inspection at a
   glance, what expires or falls due soon, statistics by kind and by material type, CSV/XLSX
   import with its per-row report, export, and adding a resource (duty officer and up). A row opens
   the resource's details (resources.html?id=N): every fact, an edit form for operators, and for an
   expert the evaluations after incidents with a form to add one. */
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
      "res.open": "查看详情", "res.d.close": "关闭详情", "res.d.kind": "类别", "res.d.quantity": "数量",
      "res.d.required": "应配数量", "res.d.reserved": "已预留", "res.d.coords": "坐标", "res.d.checks": "评估",
      "res.d.valid": "在有效期内", "res.d.inspected": "已按期检验", "res.d.complete": "数量达标", "res.d.available": "可调用",
      "res.d.attrs": "其他属性", "res.d.rating": "专家评分", "res.d.rating.none": "尚无评价", "res.d.rating.n": "{score} 分（{n} 次评价）",
      "res.d.problems": "问题", "res.d.none": "无",
      "res.edit": "编辑", "res.edit.title": "编辑资源", "res.edit.saved": "已保存修改：{name}",
      "res.ev.title": "专家评价", "res.ev.none": "还没有评价", "res.ev.add": "添加评价", "res.ev.score": "评分（1–5）",
      "res.ev.pick": "请选择", "res.ev.incident": "相关事件（可空）", "res.ev.incident.none": "不关联事件", "res.ev.note": "评价说明",
      "res.ev.save": "提交评价", "res.ev.saved": "已记录评价", "res.ev.by": "{actor} · {at}", "res.ev.no_incident": "未关联事件",
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
      "res.open": "Show details", "res.d.close": "Close the details", "res.d.kind": "Kind", "res.d.quantity": "Quantity",
      "res.d.required": "Required quantity", "res.d.reserved": "Reserved", "res.d.coords": "Coordinates", "res.d.checks": "Checks",
      "res.d.valid": "within validity", "res.d.inspected": "inspected on time", "res.d.complete": "up to the norm",
      "res.d.available": "can be called on",
      "res.d.attrs": "Other attributes", "res.d.rating": "Expert rating", "res.d.rating.none": "not yet evaluated",
      "res.d.rating.n": "{score} ({n} evaluations)",
      "res.d.problems": "Problems", "res.d.none": "none",
      "res.edit": "Edit", "res.edit.title": "Edit the resource", "res.edit.saved": "Changes saved: {name}",
      "res.ev.title": "Expert evaluations", "res.ev.none": "No evaluation yet", "res.ev.add": "Add an evaluation",
      "res.ev.score": "Score (1–5)", "res.ev.pick": "choose", "res.ev.incident": "Incident (optional)",
      "res.ev.incident.none": "no incident", "res.ev.note": "Note",
      "res.ev.save": "Submit the evaluation", "res.ev.saved": "Evaluation recorded", "res.ev.by": "{actor} · {at}",
      "res.ev.no_incident": "no incident",
    },
  });
  const KINDS = ["expert", "team", "material", "vehicle", "shelter", "medical_point"];
  const STATUSES = ["available", "reserved", "dispatched", "unavailable", "maintenance"];
  const OPERATORS = ["admin", "commander", "duty_officer"];
  const LIMIT = 500;
  const fmt = (key, vars) => WP.t(key).replace(/\{(\w+)\}/g, (_, k) => (vars[k] !== undefined ? vars[k] : ""));

  const state = { kind: WP.param("kind") || "", q: "", dueOnly: false, rows: [], stats: null, due: [],
    report: null, pending: null, formOpen: false, saved: "",
    detailId: Number(WP.param("id")) || null, detail: null, editOpen: false, detailSaved: "", incidents: null };
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
  // The open resource and, for an expert, its evaluations (and the incidents an evaluation may name).
  async function loadDetail() {
    const id = state.detailId;
    if (!id) { state.detail = null; return; }
    let r;
    try {
      r = await WP.api(`/api/resources/${id}`);
    } catch (e) {
      if (e.status !== 404) throw e;
      state.detailId = null; state.detail = null;  // deleted, or a stale ?id=N
      WP.showError(e);
      return;
    }
    const evals = r.kind === "expert" ? await WP.api(`/api/resources/${id}/evaluations?limit=200`) : [];
    if (r.kind === "expert" && canEdit && !state.incidents) state.incidents = await WP.api("/api/incidents?limit=100");
    if (state.detailId === id) state.detail = { r, evals };
  }
  async function reload() { await loadSide(); await loadRows(); await loadDetail(); render(); }

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
      return el("tr", { id: `res-${r.id}`, class: "clickable" + (r.id === state.detailId ? " selected" : ""),
        dataset: { kind: r.kind, status: r.status }, tabindex: 0, title: WP.t("res.open"),
        onclick: (e) => { if (!e.target.closest("a, button, input")) openDetail(r.id); },
        onkeydown: (e) => { if (e.key === "Enter") openDetail(r.id); } },
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

  /* ---- resource forms: add and edit share the fields, the reading and the API's field errors ---- */
  const FORM = [["kind", "select", KINDS], ["name", "text"], ["code", "text"], ["category", "text"], ["quantity", "number"],
    ["unit", "text"], ["required_quantity", "number"], ["status", "select", STATUSES], ["site", "text"],
    ["location_name", "text"], ["contact", "text"], ["phone", "tel"], ["expires_on", "date"], ["inspection_due_on", "date"],
    ["members", "textarea"]];
  const NULLABLE = new Set(["code", "required_quantity", "expires_on", "inspection_due_on"]);
  const drafts = { add: {}, edit: {}, ev: {} };  // what was typed, kept across re-renders
  const formErrors = {};  // form id → the API's last refusal, shown again after a re-render

  // One labelled field with its error box under it; ``draft[name]`` follows what is typed.
  function field(prefix, name, label, input, draft) {
    input.id = prefix + name;
    input.name = name;
    const keep = () => { draft[name] = input.value; };
    input.addEventListener("input", keep);
    input.addEventListener("change", keep);
    return el("div", { class: "field f-" + name }, el("label", { for: input.id, text: label }), input,
      el("div", { class: "field-error", "data-for": name }));
  }
  function control(type, value, options, optionLabel) {
    let input;
    if (type === "select") {
      input = el("select", {}, options.map((o) => el("option", { value: o, text: optionLabel(o), selected: String(value) === String(o) })));
    } else if (type === "textarea") {
      input = el("textarea", { rows: 2 });
      input.value = value;
    } else {
      input = el("input", { type, step: type === "number" ? "any" : null, value });
    }
    return input;
  }
  function resourceFields(prefix, values, draft) {
    return FORM.map(([name, type, options]) => field(prefix, name, WP.t("res.f." + name),
      control(type, name in draft ? draft[name] : (values[name] || ""), options,
        (o) => WP.t(name === "kind" ? "res.kind." + o : "status." + o, o)), draft));
  }
  // A resource as the form's strings (what the edit form starts from and compares with).
  function formValues(r) {
    const v = {};
    for (const [name] of FORM) {
      const x = r[name];
      v[name] = name === "members" ? (x || []).join("\n") : x === null || x === undefined ? "" : String(x);
    }
    return v;
  }
  function parseValue(name, type, v) {
    if (v === "") return NULLABLE.has(name) ? null : type === "number" ? null : "";
    if (type === "number") return Number(v);
    if (name === "members") return v.split(/[\n;；]/).map((x) => x.trim()).filter(Boolean);
    return v;
  }
  // The body to send: every filled field (add), or only the fields changed from ``initial`` (edit).
  function readForm(form, initial) {
    const body = {};
    for (const [name, type] of FORM) {
      const v = (form.elements[name].value || "").trim();
      if (initial ? v === initial[name].trim() : v === "") continue;
      body[name] = parseValue(name, type, v);
    }
    return body;
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
  // Send a form's body; the API's 422/409 go under the fields (nothing is saved), other errors on top.
  async function submit(form, method, path, body, done) {
    delete formErrors[form.id];
    let answer;
    try {
      answer = await WP.api(path, { method, body });
    } catch (e) {
      if (e.status === 422 || e.status === 409) { formErrors[form.id] = e; showFieldErrors(form, e); } else WP.showError(e);
      return;
    }
    await done(answer);
  }
  function formPanel(id, title, fields, submitId, submitLabel, onsubmit, oncancel) {
    return el("form", { id, class: "form-cols", novalidate: true, onsubmit: (e) => { e.preventDefault(); onsubmit(e.currentTarget); } },
      title ? el("h3", { class: "form-title", text: title }) : null,
      fields,
      el("div", { class: "field-error general", "data-for": "" }),
      el("div", { class: "actions" }, el("button", { class: "btn primary", type: "submit", id: submitId, text: submitLabel }),
        oncancel ? el("button", { class: "btn", type: "button", text: WP.t("res.add.cancel"),
          onclick: () => { delete formErrors[id]; oncancel(); render(); } }) : null));
  }

  function addForm() {
    if (!canEdit || !state.formOpen) return null;
    return el("section", { class: "panel", id: "res-form-panel" },
      el("h2", { text: WP.t("res.add") }),
      formPanel("res-form", null, resourceFields("rf-", { kind: state.kind || "material", status: "available" }, drafts.add),
        "rf-save", WP.t("res.add.save"), save, () => { state.formOpen = false; }));
  }
  async function save(form) {
    await submit(form, "POST", "/api/resources", readForm(form, null), async (r) => {
      drafts.add = {};
      state.formOpen = false;
      state.saved = fmt("res.add.saved", { name: r.name });
      await reload();
    });
  }

  /* ---- one resource: its facts, the edit form, an expert's evaluations ------------------------- */
  async function openDetail(id) {
    if (id !== state.detailId) { drafts.edit = {}; drafts.ev = {}; delete formErrors["res-edit-form"]; delete formErrors["ev-form"]; }
    WP.showError(null);
    state.detailId = id;
    state.editOpen = false;
    state.detailSaved = "";
    const u = new URL(location.href);
    if (id) u.searchParams.set("id", id); else u.searchParams.delete("id");
    history.replaceState(null, "", u);
    try { await loadDetail(); } catch (e) { WP.showError(e); }
    render();
    const panel = document.getElementById("res-detail");
    if (panel) panel.scrollIntoView({ block: "nearest" });
  }
  function closeDetail() {
    drafts.edit = {}; drafts.ev = {};
    openDetail(null);
  }
  function check(ok, key) {
    return el("span", { class: "chk " + (ok ? "ok" : "bad"), "data-check": key.split(".").pop(), text: `${ok ? "✓" : "✗"} ${WP.t(key)}` });
  }
  function facts(r) {
    const ev = r.evaluation || {};
    const blank = (v) => v === null || v === undefined || v === "" || (Array.isArray(v) && !v.length);
    const list = [
      ["kind", "res.d.kind", WP.t("res.kind." + r.kind, r.kind)],
      ["code", "res.f.code", r.code],
      ["category", "res.f.category", r.category],
      ["quantity", "res.d.quantity", `${r.quantity}${r.unit ? " " + r.unit : ""}`],
      ["required_quantity", "res.d.required", r.required_quantity === null ? null : `${r.required_quantity}${r.unit ? " " + r.unit : ""}`],
      ["reserved", "res.d.reserved", r.reserved ? String(r.reserved) : null],
      ["status", "res.f.status", WP.statusBadge(r.status)],
      ["site", "res.f.site", r.site],
      ["location_name", "res.f.location_name", r.location_name],
      ["coords", "res.d.coords", r.lon === null || r.lat === null ? null : `${r.lon}, ${r.lat}`],
      ["contact", "res.f.contact", r.contact],
      ["phone", "res.f.phone", r.phone],
      ["expires_on", "res.f.expires_on", r.expires_on ? dueCell(r.expires_on, "res.expired") : null],
      ["inspection_due_on", "res.f.inspection_due_on", r.inspection_due_on ? dueCell(r.inspection_due_on, "res.overdue") : null],
      ["members", "res.f.members", (r.members || []).length ? el("ul", { class: "members" }, r.members.map((m) => el("li", { text: m }))) : null],
      ["checks", "res.d.checks", el("span", { class: "checks" }, check(ev.valid, "res.d.valid"), check(ev.inspected, "res.d.inspected"),
        check(ev.complete, "res.d.complete"), check(ev.available, "res.d.available"))],
      ["problems", "res.d.problems", (ev.problems || []).length ? ev.problems.map(problem).join("; ") : WP.t("res.d.none")],
    ];
    if (r.kind === "expert") {
      const rt = r.rating || {};
      list.push(["rating", "res.d.rating", rt.evaluations ? fmt("res.d.rating.n", { score: rt.score, n: rt.evaluations }) : WP.t("res.d.rating.none")]);
    }
    for (const [k, v] of Object.entries(r.attrs || {})) list.push(["attr-" + k, null, typeof v === "object" ? JSON.stringify(v) : String(v), k]);
    return el("dl", { class: "facts", id: "res-facts" }, list.map(([k, label, v, raw]) => el("div", { class: "fact", dataset: { field: k } },
      el("dt", { text: label ? WP.t(label) : raw }),
      el("dd", { class: blank(v) ? "muted" : null }, blank(v) ? "—" : v))));
  }
  function editForm(r) {
    if (!state.editOpen) {
      return el("div", { class: "actions" }, el("button", { class: "btn", id: "res-edit-open", type: "button", text: WP.t("res.edit"),
        onclick: () => { state.editOpen = true; state.detailSaved = ""; render(); } }));
    }
    return formPanel("res-edit-form", WP.t("res.edit.title"), resourceFields("ef-", formValues(r), drafts.edit),
      "ef-save", WP.t("res.add.save"), saveEdit, () => { state.editOpen = false; drafts.edit = {}; });
  }
  async function saveEdit(form) {
    const r = state.detail.r;
    const body = readForm(form, formValues(r));
    if (!Object.keys(body).length) { state.editOpen = false; drafts.edit = {}; render(); return; }
    await submit(form, "PATCH", `/api/resources/${r.id}`, body, async (saved) => {
      drafts.edit = {};
      state.editOpen = false;
      state.detailSaved = fmt("res.edit.saved", { name: saved.name });
      await reload();
    });
  }
  function stars(n) { return "★".repeat(n) + "☆".repeat(Math.max(0, 5 - n)); }
  function evaluations(d) {
    const items = d.evals.map((e) => el("li", { dataset: { eval: e.id, score: e.score } },
      el("span", { class: "stars", title: String(e.score), text: stars(e.score) }),
      el("span", { class: "ev-body" },
        e.incident_id ? el("a", { href: `incident.html?id=${e.incident_id}`, text: `#${e.incident_id} ${e.incident_title || ""}` })
          : el("span", { class: "muted", text: WP.t("res.ev.no_incident") }),
        e.note ? el("div", { class: "ev-note", text: e.note }) : null,
        el("div", { class: "muted small", text: fmt("res.ev.by", { actor: e.actor, at: WP.fmtTime(e.at) }) }))));
    let form = null;
    if (canEdit) {
      const dr = drafts.ev;
      const score = control("select", dr.score || "", ["", "5", "4", "3", "2", "1"], (o) => (o ? `${o} ${stars(Number(o))}` : WP.t("res.ev.pick")));
      const incidents = (state.incidents || []).map((i) => String(i.id));
      const inc = control("select", dr.incident_id || "", ["", ...incidents], (o) => {
        const i = (state.incidents || []).find((x) => String(x.id) === o);
        return i ? `#${i.id} ${i.title}` : WP.t("res.ev.incident.none");
      });
      const note = control("textarea", dr.note || "");
      form = formPanel("ev-form", WP.t("res.ev.add"), [field("ev-", "score", WP.t("res.ev.score"), score, dr),
        field("ev-", "incident_id", WP.t("res.ev.incident"), inc, dr), field("ev-", "note", WP.t("res.ev.note"), note, dr)],
        "ev-save", WP.t("res.ev.save"), saveEvaluation, null);
    }
    return el("div", { class: "evaluations", id: "res-evaluations" },
      el("h3", { text: WP.t("res.ev.title") }),
      items.length ? el("ul", { class: "evals", id: "res-evals" }, items) : el("div", { class: "empty", id: "res-evals-none", text: WP.t("res.ev.none") }),
      form);
  }
  async function saveEvaluation(form) {
    const body = { note: form.elements.note.value.trim() };
    if (form.elements.score.value) body.score = Number(form.elements.score.value);  // none: the API names the field
    if (form.elements.incident_id.value) body.incident_id = Number(form.elements.incident_id.value);
    await submit(form, "POST", `/api/resources/${state.detail.r.id}/evaluations`, body, async () => {
      drafts.ev = {};
      state.detailSaved = WP.t("res.ev.saved");
      await loadDetail();
      render();
    });
  }
  function detailPanel() {
    const d = state.detail;
    if (!d) return null;
    const r = d.r;
    return el("section", { class: "panel res-detail", id: "res-detail", dataset: { id: r.id, kind: r.kind } },
      el("h2", {}, el("span", { class: "name", text: r.name }), el("span", { class: "muted kind", text: WP.t("res.kind." + r.kind, r.kind) }),
        WP.statusBadge(r.status),
        state.detailSaved ? el("span", { class: "saved", id: "res-detail-saved", text: state.detailSaved }) : null,
        el("button", { class: "linkbtn close", id: "res-detail-close", type: "button", text: "×", title: WP.t("res.d.close"),
          "aria-label": WP.t("res.d.close"), onclick: closeDetail })),
      el("div", { class: "detail-cols" + (r.kind === "expert" ? " with-evals" : "") },
        el("div", { class: "detail-main" }, facts(r), canEdit ? editForm(r) : null),
        r.kind === "expert" ? evaluations(d) : null));
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
        reportPanel(), addForm(), detailPanel(),
        el("section", { class: "panel" },
          el("h2", {}, WP.t("res.title"), state.saved ? el("span", { class: "saved", id: "res-saved", text: state.saved }) : null),
          tabs(), toolbar(), table())),
      el("aside", { class: "res-side" }, expiringPanel(), statsPanel())));
    const again = active && document.getElementById(active);
    if (again) again.focus();
    for (const [id, e] of Object.entries(formErrors)) {  // the API's refusal survives a re-render
      const form = document.getElementById(id);
      if (form) showFieldErrors(form, e); else delete formErrors[id];
    }
  }

  WP.boot().then(async () => {
    canEdit = OPERATORS.includes(WP.user.role);
    document.body.dataset.canEdit = canEdit ? "1" : "0";
    await reload();  // with resources.html?id=N, that resource's details too
    document.addEventListener("wp:lang", render);
    setInterval(() => {  // imports and edits by others; not while the officer is typing
      const a = document.activeElement;
      if (!state.formOpen && !state.editOpen && !(a && ["INPUT", "TEXTAREA", "SELECT"].includes(a.tagName))) {
        loadSide().then(loadDetail).then(render).catch(() => {});
      }
    }, 60000);
  }).catch(WP.showError);
})();
