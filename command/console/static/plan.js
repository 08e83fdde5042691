/* One plan (PLAN-1..7): its facts and workflow steps, the digital split edited in a form beside
   the document it was drafted from (each item links to its paragraph; what could not be placed is
   listed), reviews, and the version history with what changed. plan.html?id=N */
(function () {
  "use strict";
  const el = WP.el;
  WP.i18n.add({
    zh: { "plan.split": "数字化拆分", "plan.doc": "原文（导入文件）", "plan.save": "保存拆分", "plan.saved": "已保存为新版本",
      "plan.add": "添加", "plan.remove": "删除", "plan.unplaced": "未能归类的段落", "plan.guesses": "需复核的推断",
      "plan.missing": "文件中缺少", "plan.history": "版本与流转", "plan.diff": "与上一版比较", "plan.view": "查看此版", "plan.reviews": "评审意见",
      "plan.review": "提交评审意见", "plan.approve": "同意", "plan.reject": "需修改", "plan.opinion": "评审意见",
      "plan.reasons": "退回理由（每行一条）", "plan.readonly": "当前状态不可编辑；需先“修订”", "plan.nodoc": "此预案不是从文件导入的",
      "plan.facts": "基本信息", "plan.attach": "上传附件（DOCX/PDF）", "plan.yaml": "导出拆分（YAML）", "plan.hazards": "事故类型", "plan.attachments": "附件", "plan.stats": "共 {n} 段，已归类 {p} 段，用时 {s} 秒",
      "step.submit": "报备", "step.accept": "备案通过", "step.return": "退回", "step.revise": "修订", "step.expire": "标记过期",
      "step.submit_review": "提交评审", "step.conclude_review": "评审结论", "step.publish": "发布", "step.archive": "归档",
      "sec.triggers": "适用范围（触发条件）", "sec.outline": "文件大纲", "sec.reporting": "信息报告", "sec.response_levels": "响应分级", "sec.organisation": "组织机构及职责",
      "sec.action_cards": "行动卡（按角色）", "sec.resources": "所需资源", "sec.notifications": "通知",
      "sec.hazards": "危险源", "sec.scenario_cards": "现场处置卡", "sec.reporting.chain": "信息报告链",
      "sec.reporting.contents": "报告内容", "sec.protection": "分区防护", "sec.termination": "应急终止条件",
      "sec.contacts": "通讯录",
      "fld.level": "级别", "fld.condition.min_casualties": "伤亡人数≥", "fld.condition.incident_levels": "警情级别",
      "fld.condition.description": "启动条件", "fld.role": "角色", "fld.duty": "职责", "fld.id": "编号", "fld.action": "行动",
      "fld.order": "顺序", "fld.deadline_min": "时限（分钟）", "fld.levels": "适用级别（空=全部）", "fld.kind": "类别",
      "fld.category": "名称/类别", "fld.quantity": "数量", "fld.channel": "渠道", "fld.recipients": "接收人/区域",
      "fld.roles_on_duty": "通知在岗角色", "fld.message": "内容", "fld.name": "名称", "fld.location": "位置",
      "fld.substances": "物质", "fld.incident_types": "事故类型", "fld.triggers": "触发因素（每行一条）", "fld.title": "标题",
      "fld.steps": "处置步骤（每行一步）", "fld.by": "报告人", "fld.to": "报告对象", "fld.within_min": "时限（分钟）",
      "fld.zone": "区域", "fld.equipment": "防护装备", "fld.unit": "单位/职务", "fld.phone": "电话",
      "fld.sites": "场所", "fld.keywords": "关键词" },
    en: { "plan.split": "Digital split", "plan.doc": "Document (as imported)", "plan.save": "Save the split",
      "plan.saved": "Saved as a new version", "plan.add": "Add", "plan.remove": "Remove",
      "plan.unplaced": "Paragraphs not placed", "plan.guesses": "Guesses to check", "plan.missing": "Missing from the document",
      "plan.history": "Versions and workflow", "plan.diff": "Compare with previous", "plan.view": "View", "plan.reviews": "Review opinions",
      "plan.review": "File a review opinion", "plan.approve": "Approve", "plan.reject": "Needs changes", "plan.opinion": "Opinion",
      "plan.reasons": "Reasons to return (one per line)", "plan.readonly": "Not editable in this status; revise it first",
      "plan.nodoc": "This plan was not imported from a document", "plan.facts": "Facts", "plan.attach": "Attach a file (DOCX/PDF)", "plan.yaml": "Export the split (YAML)", "plan.hazards": "Incident types", "plan.attachments": "Attachments",
      "plan.stats": "{n} paragraphs, {p} placed, {s} s",
      "step.submit": "Submit filing", "step.accept": "Accept filing", "step.return": "Return", "step.revise": "Revise",
      "step.expire": "Mark expired", "step.submit_review": "Submit for review", "step.conclude_review": "Conclude review",
      "step.publish": "Publish", "step.archive": "Archive",
      "sec.triggers": "Triggers", "sec.outline": "Outline", "sec.reporting": "Reporting", "sec.response_levels": "Response levels", "sec.organisation": "Organisation and duties",
      "sec.action_cards": "Action cards (by role)", "sec.resources": "Required resources", "sec.notifications": "Notifications",
      "sec.hazards": "Hazard sources", "sec.scenario_cards": "Scenario disposal cards", "sec.reporting.chain": "Reporting chain",
      "sec.reporting.contents": "What a report contains", "sec.protection": "Protection by zone",
      "sec.termination": "Termination conditions", "sec.contacts": "Contacts",
      "fld.condition.min_casualties": "casualties ≥", "fld.condition.incident_levels": "alarm levels",
      "fld.condition.description": "condition", "fld.deadline_min": "deadline (min)", "fld.levels": "levels (empty = all)",
      "fld.roles_on_duty": "roles on duty", "fld.triggers": "triggers (one per line)", "fld.steps": "steps (one per line)",
      "fld.within_min": "within (min)" },
  });
  const id = WP.param("id");
  const LEVELS = ["I", "II", "III", "IV"];
  // The form of each part of the split: [field path, input kind, choices]. "list" is comma separated,
  // "lines" one item per line; what the form does not show (outline, sources) is kept as it was.
  const ROWS = {
    response_levels: [["level", "select", LEVELS], ["condition.min_casualties", "int"],
      ["condition.incident_levels", "list"], ["condition.description", "textarea"]],
    organisation: [["role", "text"], ["duty", "textarea"]],
    action_cards: [["id", "text"], ["role", "text"], ["action", "textarea"], ["order", "int"], ["deadline_min", "int"], ["levels", "list"]],
    resources: [["kind", "select", ["expert", "team", "material", "vehicle", "shelter", "medical_point"]], ["category", "text"],
      ["quantity", "num"], ["levels", "list"]],
    notifications: [["channel", "select", ["sms", "broadcast", "console"]], ["recipients", "list"], ["roles_on_duty", "list"],
      ["message", "textarea"], ["levels", "list"]],
    hazards: [["name", "text"], ["location", "text"], ["substances", "list"], ["incident_types", "list"], ["triggers", "lines"]],
    scenario_cards: [["id", "text"], ["title", "text"], ["incident_types", "list"], ["role", "text"], ["steps", "lines"]],
    "reporting.chain": [["by", "text"], ["to", "text"], ["within_min", "int"]],
    protection: [["zone", "text"], ["equipment", "list"]],
    termination: [["condition", "textarea"]],
    contacts: [["name", "text"], ["unit", "text"], ["phone", "text"]],
  };
  const TRIGGERS = [["incident_types", "list"], ["substances", "list"], ["sites", "list"], ["keywords", "list"]];
  let plan = null, imp = null, split = null;

  const getPath = (o, path) => path.split(".").reduce((x, k) => (x == null ? undefined : x[k]), o);
  function setPath(o, path, v) {
    const ks = path.split(".");
    let x = o;
    for (const k of ks.slice(0, -1)) { if (x[k] == null) x[k] = {}; x = x[k]; }
    x[ks[ks.length - 1]] = v;
  }

  function input(path, kind, choices, value) {
    const attrs = { "data-path": path, "data-kind": kind, class: "f-input" };
    let n;
    if (kind === "select") {
      n = el("select", attrs, choices.map((c) => el("option", { value: c, text: c, selected: c === value })));
    } else if (kind === "textarea" || kind === "lines") {
      n = el("textarea", attrs);
      n.rows = kind === "lines" ? Math.max(2, (value || []).length) : 2;
      n.value = kind === "lines" ? (value || []).join("\n") : (value || "");
    } else {
      n = el("input", attrs);
      n.value = kind === "list" ? (value || []).join(", ") : (value == null ? "" : value);
    }
    return n;
  }

  function readInput(n) {
    const kind = n.dataset.kind, v = n.value;
    if (kind === "list") return v.split(/[,，、]/).map((s) => s.trim()).filter(Boolean);
    if (kind === "lines") return v.split("\n").map((s) => s.trim()).filter(Boolean);
    if (kind === "int") return v.trim() === "" ? null : (/^-?\d+$/.test(v.trim()) ? Number(v) : v);
    if (kind === "num") return v.trim() === "" ? null : (isNaN(Number(v)) ? v : Number(v));
    return v;
  }

  function sourceLink(src) {
    if (src == null) return "";
    return el("a", { href: "#p-" + src, class: "src", text: "¶" + src, onclick: (e) => { e.preventDefault(); showPara(src); } });
  }

  function showPara(i) {
    const p = document.getElementById("p-" + i);
    if (!p) return;
    document.querySelectorAll(".para.hl").forEach((x) => x.classList.remove("hl"));
    p.classList.add("hl");
    p.scrollIntoView({ block: "center" });
  }

  function rowsSection(key, editable) {
    const items = getPath(split, key) || [];
    const fields = ROWS[key];
    const body = el("div", { class: "rows", "data-section": key });
    const addRow = (item, i) => {
      const row = el("div", { class: "split-row", "data-path": `${key}.${i}`, "data-source": item.source == null ? "" : item.source },
        ...fields.map(([f, kind, choices]) => el("label", { class: kind === "textarea" || kind === "lines" ? "f wide" : "f" },
          el("span", { text: WP.t("fld." + f, f.replace("condition.", "")) }),
          input(`${key}.${i}.${f}`, kind, choices, getPath(item, f)))),
        el("div", { class: "row-tools" }, sourceLink(item.source),
          editable ? el("button", { type: "button", class: "linkbtn", text: WP.t("plan.remove"), onclick: () => { row.remove(); } }) : ""));
      body.append(row);
    };
    items.forEach(addRow);
    return el("section", { class: "split-part", id: "sec-" + key.replace(".", "-") },
      el("h3", {}, WP.t("sec." + key), " ", el("span", { class: "muted", text: `(${items.length})` })), body,
      editable ? el("button", { type: "button", class: "btn add", text: "+ " + WP.t("plan.add"),
        onclick: () => addRow({}, body.children.length ? 1 + Math.max(...[...body.children].map((r) => Number(r.dataset.path.split(".").pop()))) : 0) }) : "");
  }

  function collect() {
    // Start from the split as loaded (outline, sources and anything the form does not show stay).
    const out = JSON.parse(JSON.stringify(split));
    for (const [f] of TRIGGERS) setPath(out, `triggers.${f}`, readInput(document.querySelector(`[data-path="triggers.${f}"]`)));
    setPath(out, "reporting.contents", readInput(document.querySelector('[data-path="reporting.contents"]')));
    for (const key of Object.keys(ROWS)) {
      const rows = [...document.querySelectorAll(`[data-section="${key}"] > .split-row`)];
      const before = getPath(split, key) || [];
      setPath(out, key, rows.map((r) => {
        const i = Number(r.dataset.path.split(".").pop());
        const item = JSON.parse(JSON.stringify(before[i] || {}));
        r.querySelectorAll(".f-input").forEach((n) => {
          const v = readInput(n);
          const f = n.dataset.path.slice(r.dataset.path.length + 1);
          if (v === null) { const ks = f.split("."); const o = getPath(item, ks.slice(0, -1).join(".")) || item; delete (ks.length > 1 ? o : item)[ks[ks.length - 1]]; } else setPath(item, f, v);
        });
        return item;
      }));
    }
    return out;
  }

  // "structured: action_cards.3.role: ... ; reporting.chain.0.to: ..." → the message beside each field.
  function showFieldErrors(e) {
    document.querySelectorAll(".field-error").forEach((n) => n.remove());
    document.querySelectorAll(".f-input.invalid").forEach((n) => n.classList.remove("invalid"));
    const text = String(e.message || e).replace(/^structured:\s*/, "");
    let placed = 0;
    // "a.3.b: why" pairs anywhere in the message (a whole-plan check reports them after "(root): Value error, ").
    for (const m of text.matchAll(/([a-z_]+(?:\.[\w]+)+):\s*([^;]*)/g)) {
      // Items on screen keep their position at load, the API counts the rows as sent: map one to the other.
      const segs = m[1].split(".");
      let target = null;
      for (let k = segs.length; k > 0 && !target; k--) {
        const path = mapIndex(segs.slice(0, k));
        target = path && document.querySelector(`[data-path="${path}"]`);
      }
      if (!target) continue;
      target.classList.add("invalid");
      target.insertAdjacentElement("afterend", el("div", { class: "field-error", text: m[2] }));
      placed++;
    }
    if (!placed) WP.showError(e); else WP.showError(new Error(text));
  }

  function mapIndex(segs) {
    for (const key of Object.keys(ROWS)) {
      const ks = key.split(".");
      if (segs.slice(0, ks.length).join(".") === key && segs.length > ks.length) {
        const rows = [...document.querySelectorAll(`[data-section="${key}"] > .split-row`)];
        const row = rows[Number(segs[ks.length])];
        if (!row) return null;
        return [row.dataset.path, ...segs.slice(ks.length + 1)].join(".");
      }
    }
    return segs.join(".");
  }

  async function save() {
    WP.showError(null);
    document.getElementById("save-msg").textContent = "";
    try {
      plan = await WP.api(`/api/plans/${id}/structured`, { method: "PUT", body: collect() });
      split = plan.structured;
      document.getElementById("save-msg").textContent = `${WP.t("plan.saved")} v${plan.version}`;
      renderFacts();
      await renderHistory();
    } catch (e) { showFieldErrors(e); }
  }

  function splitForm() {
    const editable = ["draft", "returned", "reference"].includes(plan.status) &&
      ["admin", "commander", "duty_officer"].includes(WP.user.role);
    const trig = el("section", { class: "split-part", id: "sec-triggers" }, el("h3", { text: WP.t("sec.triggers") }),
      el("div", { class: "split-row" }, ...TRIGGERS.map(([f, kind]) => el("label", { class: "f" }, el("span", { text: WP.t("fld." + f, f) }),
        input(`triggers.${f}`, kind, null, getPath(split, `triggers.${f}`))))));
    const contents = el("section", { class: "split-part" }, el("h3", { text: WP.t("sec.reporting.contents") }),
      el("label", { class: "f" }, input("reporting.contents", "list", null, getPath(split, "reporting.contents"))));
    const form = el("form", { id: "split-form", onsubmit: (e) => { e.preventDefault(); save(); } },
      trig, ...["response_levels", "organisation", "action_cards", "resources", "notifications", "hazards",
        "scenario_cards", "reporting.chain"].map((k) => rowsSection(k, editable)), contents,
      ...["protection", "termination", "contacts"].map((k) => rowsSection(k, editable)),
      editable ? el("div", { class: "actions sticky-actions" }, el("button", { type: "submit", class: "btn primary", id: "save-split", text: WP.t("plan.save") }),
        el("span", { class: "muted", id: "save-msg" })) : el("div", { class: "muted", text: WP.t("plan.readonly") }));
    if (!editable) form.querySelectorAll(".f-input").forEach((n) => { n.disabled = true; });
    return form;
  }

  function documentPane() {
    if (!imp) return el("div", { class: "empty", text: WP.t("plan.nodoc") });
    const r = imp.report, placed = r.placed_by_paragraph || {};
    const guessBy = {};
    for (const g of r.guesses || []) if (g.source != null) (guessBy[g.source] = guessBy[g.source] || []).push(g.note);
    const paras = imp.paragraphs.map((p) => {
      const cls = ["para"];
      if (placed[p.index]) cls.push("placed"); else cls.push("unplaced");
      if (p.style && /heading|title|标题/i.test(p.style)) cls.push("heading");
      if (guessBy[p.index]) cls.push("guessed");
      return el("div", { class: cls.join(" "), id: "p-" + p.index, title: (placed[p.index] || []).join(", ") },
        el("span", { class: "pn", text: "¶" + p.index }), " ",
        p.cells ? el("span", { class: "cells", text: p.cells.join(" │ ") }) : p.text,
        guessBy[p.index] ? el("div", { class: "guess", text: "⚠ " + guessBy[p.index].join("；") }) : "");
    });
    const listOf = (items, fmt) => el("ul", {}, items.map((x) => el("li", {}, ...fmt(x))));
    return el("div", {},
      el("div", { class: "muted", id: "import-stats", text: WP.t("plan.stats").replace("{n}", r.paragraphs).replace("{p}", r.placed + r.headings).replace("{s}", imp.seconds) }),
      r.missing && r.missing.length ? el("div", { class: "warn", id: "import-missing" }, `${WP.t("plan.missing")}: ${r.missing.join(", ")}`) : "",
      r.guesses && r.guesses.length ? el("details", { id: "import-guesses", open: true }, el("summary", { text: `${WP.t("plan.guesses")} (${r.guesses.length})` }),
        listOf(r.guesses, (g) => [sourceLink(g.source), " ", el("code", { text: g.path }), " ", g.note])) : "",
      el("details", { id: "import-unplaced" }, el("summary", { text: `${WP.t("plan.unplaced")} (${r.unplaced.length})` }),
        listOf(r.unplaced, (u) => [sourceLink(u.source), ` [${u.section}] `, u.text])),
      el("div", { class: "doc", id: "doc" }, ...paras));
  }

  function renderFacts() {
    const steps = ((WP.meta.plan_steps || {})[plan.scope] || {})[plan.status] || [];
    const decisions = new Set(WP.meta.plan_decisions || []);
    const role = WP.user.role;
    const canStep = (a) => role === "admin" || role === "commander" || (role === "duty_officer" && !decisions.has(a));
    const kv = (k, v) => [el("dt", { text: WP.t(k, k) }), el("dd", {}, v == null || v === "" ? "—" : v)];
    const review = plan.status === "in_review" && ["admin", "commander"].includes(role) ? reviewForm() : "";
    const editable = ["draft", "returned", "reference"].includes(plan.status) && ["admin", "commander", "duty_officer"].includes(role);
    document.getElementById("facts").replaceChildren(
      el("h2", {}, `#${plan.id} ${plan.title} `, WP.statusBadge(plan.status), " ", el("span", { class: "muted", text: "v" + plan.version })),
      el("dl", { class: "kv" }, ...kv("plans.scope", WP.t("scope." + plan.scope, plan.scope)), ...kv("plans.type", plan.level),
        ...kv("plans.enterprise", plan.enterprise), ...kv("plan.hazards", (plan.hazard_types || []).map((t) => WP.t("type." + t, t)).join(", ")),
        ...kv("plan.attachments", [...(plan.attachments || []).map((a) => el("a", { class: "att", href: `/api/plans/${plan.id}/attachments/${a.id}`, text: a.filename + " " })),
          editable ? attachForm() : ""]),
        ...kv("plan.yaml", plan.structured ? el("a", { id: "yaml-link", href: `/api/plans/${plan.id}/structured.yaml`, text: "structured.yaml" }) : "")),
      el("div", { class: "actions", id: "plan-steps" }, steps.filter(canStep).map((a) => el("button", {
        class: "btn" + (a === "publish" || a === "accept" ? " primary" : ""), "data-step": a, text: WP.t("step." + a, a),
        onclick: () => step(a) }))),
      review);
  }

  function attachForm() {
    const file = el("input", { type: "file", id: "attach-file", accept: ".docx,.pdf" });
    return el("form", { class: "inline-form", onsubmit: async (e) => {
      e.preventDefault();
      if (!file.files.length) return;
      const fd = new FormData();
      fd.append("file", file.files[0]);
      try { await WP.upload(`/api/plans/${id}/attachments`, fd); plan = await WP.api(`/api/plans/${id}`); renderFacts(); } catch (err) { WP.showError(err); }
    } }, file, el("button", { type: "submit", class: "btn", id: "attach-submit", text: WP.t("plan.attach") }));
  }

  function reviewForm() {
    const opinion = el("textarea", { id: "review-opinion", rows: 2, placeholder: WP.t("plan.opinion") });
    const send = async (approve) => {
      try {
        await WP.api(`/api/plans/${id}/reviews`, { method: "POST", body: { opinion: opinion.value, approve } });
        opinion.value = "";
        await renderHistory();
      } catch (e) { WP.showError(e); }
    };
    return el("div", { class: "review-form" }, el("h3", { text: WP.t("plan.review") }), opinion,
      el("div", { class: "actions" }, el("button", { type: "button", class: "btn primary", id: "review-approve", text: WP.t("plan.approve"), onclick: () => send(true) }),
        el("button", { type: "button", class: "btn", id: "review-reject", text: WP.t("plan.reject"), onclick: () => send(false) })));
  }

  async function step(action) {
    WP.showError(null);
    const body = { action };
    if (action === "return") {
      const reasons = (prompt(WP.t("plan.reasons")) || "").split("\n").map((s) => s.trim()).filter(Boolean);
      if (!reasons.length) return;
      body.reasons = reasons;
    }
    try {
      await WP.api(`/api/plans/${id}/steps`, { method: "POST", body });
      await load();
    } catch (e) { WP.showError(e); }
  }

  async function renderHistory() {
    const h = await WP.api(`/api/plans/${id}/history`);
    const diffBox = el("div", { id: "diff" });
    const showDiff = async (v) => {
      const d = await WP.api(`/api/plans/${id}/diff?from=${v - 1}&to=${v}`);
      const fmt = (x) => (x == null ? "—" : typeof x === "object" ? JSON.stringify(x) : String(x));
      diffBox.replaceChildren(el("h3", { text: `v${v - 1} → v${v}` }), el("table", { class: "grid diff" }, el("tbody", {},
        d.changes.map((c) => el("tr", { class: "ch-" + c.kind }, el("td", { text: c.kind }), el("td", {}, el("code", { text: c.path })),
          el("td", { class: "before", text: fmt(c.before) }), el("td", { class: "after", text: fmt(c.after) }))))));
    };
    // One version whole, read-only: its facts, its split part by part, and the length of its text (PLAN-7).
    const showVersion = async (v) => {
      const d = await WP.api(`/api/plans/${id}/versions/${v}`);
      const sp = d.structured || {};
      const parts = Object.entries(sp).filter(([, val]) => Array.isArray(val) ? val.length : val && typeof val === "object");
      diffBox.replaceChildren(el("h3", { text: `v${d.version} · ${d.title} · ${WP.fmtTime(d.at)} · ${d.actor}` }),
        el("div", { class: "muted", text: `${(d.body || "").length} chars · ${d.note || ""}` }),
        el("dl", { class: "kv version-view" }, parts.flatMap(([k, val]) => [el("dt", { text: WP.t("sec." + k, k) }),
          el("dd", {}, summary(k, val))])));
    };
    const summary = (k, val) => {
      if (k === "reporting") return (val.chain || []).map((c) => `${c.by || "?"} → ${c.to}${c.within_min ? ` (${c.within_min} min)` : ""}`).join("；");
      if (k === "triggers") return (val.incident_types || []).concat(val.substances || []).join("、");
      if (!Array.isArray(val)) return JSON.stringify(val);
      return `${val.length}: ` + val.slice(0, 8).map((x) => x.title || x.role || x.name || x.level || x.category || x.condition
        || x.to || x.zone || x.id || "").filter(Boolean).join("、");
    };
    document.getElementById("history").replaceChildren(
      el("h2", { text: WP.t("plan.history") }),
      el("ol", { class: "timeline", id: "versions" }, h.versions.map((v) => el("li", {},
        el("div", { class: "when", text: `v${v.version} · ${WP.fmtTime(v.at)} · ${v.actor}` }), v.note || "",
        " ", el("button", { type: "button", class: "linkbtn", "data-version": v.version, text: WP.t("plan.view"), onclick: () => showVersion(v.version).catch(WP.showError) }),
        v.version > 1 ? [" ", el("button", { type: "button", class: "linkbtn", "data-diff": v.version, text: WP.t("plan.diff"), onclick: () => showDiff(v.version).catch(WP.showError) })] : ""))),
      diffBox,
      el("h3", { text: WP.t("plan.reviews") }),
      el("ul", { id: "reviews" }, h.reviews.map((r) => el("li", {}, `v${r.version} ${r.reviewer}: ${r.approve ? "✔" : "✘"} ${r.opinion}`))),
      el("ul", { class: "muted", id: "events" }, h.events.map((e) => el("li", {}, `${WP.fmtTime(e.at)} ${e.actor} ${WP.t("step." + e.action, e.action)} ${e.from || ""}→${e.to || ""} ${e.note || ""}`))));
  }

  async function load() {
    plan = await WP.api(`/api/plans/${id}`);
    split = plan.structured || { triggers: { incident_types: [] }, response_levels: [] };
    imp = await WP.api(`/api/plans/${id}/import`).catch((e) => { if (e.status === 404) return null; throw e; });
    document.getElementById("content").replaceChildren(
      el("section", { class: "panel", id: "facts" }),
      el("div", { class: "review-split" },
        el("section", { class: "panel doc-pane" }, el("h2", { text: WP.t("plan.doc") }), documentPane()),
        el("section", { class: "panel split-pane" }, el("h2", { text: WP.t("plan.split") }), splitForm())),
      el("section", { class: "panel", id: "history" }));
    renderFacts();
    await renderHistory();
  }

  WP.boot().then(load).catch(WP.showError);
})();
