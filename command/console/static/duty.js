/* Duty management (值班管理, CMD-1, CMD-7): who is on duty now with the handover (交班) and its
   note, this week's roster by role, the week's handover records, and adding a shift (duty officer
   and up; the API enforces it). */
(function () {
  "use strict";
  const el = WP.el;
  WP.i18n.add({
    zh: {
      "duty.now": "当前在岗", "duty.none_now": "此刻没有排班", "duty.until": "至", "duty.since": "起",
      "duty.handover": "交班", "duty.handover.note": "交班记录（必填）：未结事项、设备状况……", "duty.handover.done": "已交班",
      "duty.roster": "本周排班", "duty.role": "岗位", "duty.prev": "‹ 上周", "duty.this": "本周", "duty.next": "下周 ›",
      "duty.empty": "本周没有排班", "duty.handovers": "本周交接班记录", "duty.handovers.none": "本周还没有交班记录",
      "duty.add": "新增排班", "duty.f.role": "岗位", "duty.f.person": "值班人", "duty.f.phone": "电话",
      "duty.f.starts_at": "开始", "duty.f.ends_at": "结束", "duty.save": "保存", "duty.saved": "已排班：{person}",
      "duty.days": "一,二,三,四,五,六,日", "duty.need_note": "请填写交班记录",
    },
    en: {
      "duty.now": "On duty now", "duty.none_now": "No shift covers this moment", "duty.until": "until", "duty.since": "since",
      "duty.handover": "Hand over", "duty.handover.note": "Handover note (required): open matters, equipment…",
      "duty.handover.done": "handed over",
      "duty.roster": "This week's roster", "duty.role": "Role", "duty.prev": "‹ Previous", "duty.this": "This week", "duty.next": "Next ›",
      "duty.empty": "No shifts this week", "duty.handovers": "Handovers this week", "duty.handovers.none": "No handovers yet this week",
      "duty.add": "Add a shift", "duty.f.role": "Role", "duty.f.person": "Person", "duty.f.phone": "Phone",
      "duty.f.starts_at": "Starts", "duty.f.ends_at": "Ends", "duty.save": "Save", "duty.saved": "Scheduled: {person}",
      "duty.days": "Mon,Tue,Wed,Thu,Fri,Sat,Sun", "duty.need_note": "Write a handover note first",
    },
  });
  const OPERATORS = ["admin", "commander", "duty_officer"];
  const DAY = 86400000;
  const fmt = (key, vars) => WP.t(key).replace(/\{(\w+)\}/g, (_, k) => (vars[k] !== undefined ? vars[k] : ""));
  const p2 = (x) => String(x).padStart(2, "0");
  const hm = (d) => `${p2(d.getHours())}:${p2(d.getMinutes())}`;
  const md = (d) => `${p2(d.getMonth() + 1)}-${p2(d.getDate())}`;
  const when = (iso) => { const d = new Date(iso); return `${md(d)} ${hm(d)}`; };

  function monday(d) {
    const m = new Date(d.getFullYear(), d.getMonth(), d.getDate());
    m.setDate(m.getDate() - ((m.getDay() + 6) % 7));
    return m;
  }
  const state = { week: monday(new Date()), shifts: [], now: [], saved: "" };
  let canEdit = false;

  async function load() {
    const since = state.week, until = new Date(since.getTime() + 7 * DAY + 3600000);  // DST-proof end
    until.setHours(0, 0, 0, 0);
    const [shifts, now] = await Promise.all([
      WP.api(`/api/duty/shifts?since=${encodeURIComponent(since.toISOString())}&until=${encodeURIComponent(until.toISOString())}`),
      WP.api("/api/duty/now")]);
    state.shifts = shifts;
    state.now = now;
    state.until = until;
    render();
  }

  /* ---- on duty now, with the handover ---------------------------------------------------------- */
  async function handover(shift, btn) {
    const field = document.getElementById(`handover-note-${shift.id}`);
    const note = field ? field.value.trim() : "";
    const box = document.querySelector(`.card[data-shift="${shift.id}"] .field-error`);
    if (!note) { if (box) box.textContent = WP.t("duty.need_note"); return; }
    btn.disabled = true;
    try {
      await WP.api(`/api/duty/shifts/${shift.id}/handover`, { method: "POST", body: { note } });
      WP.forget(field);
      await load();
    } catch (e) { btn.disabled = false; if (box) box.textContent = e.message; else WP.showError(e); }
  }
  function nowPanel() {
    const cards = state.now.map((s) => {
      const note = el("textarea", { id: `handover-note-${s.id}`, rows: 2, placeholder: WP.t("duty.handover.note") });
      return el("div", { class: "card", "data-shift": s.id, "data-person": s.person },
        el("div", { class: "role", text: s.role }),
        el("div", { class: "person", text: s.person }),
        s.phone ? el("div", { class: "phone" }, el("a", { href: `tel:${s.phone}`, text: s.phone })) : null,
        el("div", { class: "muted small", text: `${when(s.starts_at)} – ${when(s.ends_at)}` }),
        s.handed_over_at ? el("div", { class: "handover-note", "data-handover": s.id },
          el("b", { text: `${WP.t("duty.handover.done")} ${WP.fmtTime(s.handed_over_at)}` }), el("div", { text: s.handover_note })) : null,
        canEdit ? [note, el("div", { class: "field-error" }),
          el("div", { class: "actions" }, el("button", { class: "btn", "data-handover": s.id, type: "button", text: WP.t("duty.handover"),
            onclick: (e) => handover(s, e.currentTarget) }))] : null);
    });
    return el("section", { class: "panel", id: "on-duty" }, el("h2", { text: WP.t("duty.now") }),
      cards.length ? el("div", { class: "oncall" }, cards) : el("div", { class: "empty", text: WP.t("duty.none_now") }));
  }

  /* ---- the week by role ------------------------------------------------------------------------- */
  function rosterPanel() {
    const days = [...Array(7)].map((_, i) => { const d = new Date(state.week); d.setDate(d.getDate() + i); return d; });
    const names = WP.t("duty.days").split(",");
    const today = new Date().toDateString();
    const roles = [...new Set(state.shifts.map((s) => s.role))].sort((a, b) => a.localeCompare(b, "zh"));
    const nowMs = Date.now();
    const cell = (role, d) => {
      const start = d.getTime(), end = new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1).getTime();
      // A shift shows once: on the day it starts, or on Monday if it started the week before.
      const first = d.getTime() === state.week.getTime();
      const here = state.shifts.filter((s) => {
        const a = new Date(s.starts_at).getTime();
        return s.role === role && a < end && (a >= start || (first && new Date(s.ends_at) > start));
      });
      return el("td", { class: d.toDateString() === today ? "today" : null }, here.map((s) => {
        const a = new Date(s.starts_at), b = new Date(s.ends_at);
        const on = a.getTime() <= nowMs && nowMs < b.getTime();
        const days = Math.round((new Date(b.getFullYear(), b.getMonth(), b.getDate()) - new Date(a.getFullYear(), a.getMonth(), a.getDate())) / DAY);
        return el("span", { class: "shift" + (on ? " now" : ""), "data-shift": s.id, title: s.handover_note || "" },
          s.person, el("span", { class: "t", text: `${a.getTime() < start ? "…" : hm(a)}–${hm(b)}${days > 0 ? "⁺" + days : ""}` }),
          s.handed_over_at ? el("span", { class: "ok", title: WP.t("duty.handover.done"), text: " ✓" }) : null);
      }));
    };
    const nav = el("span", { class: "weeknav" },
      el("button", { class: "linkbtn", id: "week-prev", type: "button", text: WP.t("duty.prev"), onclick: () => shift(-7) }),
      el("button", { class: "linkbtn", id: "week-this", type: "button", text: WP.t("duty.this"), onclick: () => { state.week = monday(new Date()); load().catch(WP.showError); } }),
      el("button", { class: "linkbtn", id: "week-next", type: "button", text: WP.t("duty.next"), onclick: () => shift(7) }));
    const last = days[6];
    return el("section", { class: "panel", id: "roster-panel" },
      el("h2", {}, `${WP.t("duty.roster")} · ${md(days[0])} – ${md(last)}`, nav),
      el("div", { class: "scroll" }, el("table", { class: "grid roster", id: "roster" },
        el("thead", {}, el("tr", {}, el("th", { text: WP.t("duty.role") }),
          days.map((d, i) => el("th", { class: d.toDateString() === today ? "today" : null, text: `${names[i]} ${md(d)}` })))),
        el("tbody", {}, roles.map((r) => el("tr", { "data-role": r }, el("td", {}, el("b", { text: r })), days.map((d) => cell(r, d))))))),
      roles.length ? null : el("div", { class: "empty", text: WP.t("duty.empty") }));
  }
  function shift(days) {
    const d = new Date(state.week);
    d.setDate(d.getDate() + days);
    state.week = monday(d);
    load().catch(WP.showError);
  }

  function handoversPanel() {
    const done = state.shifts.filter((s) => s.handed_over_at).sort((a, b) => (a.handed_over_at < b.handed_over_at ? 1 : -1));
    return el("section", { class: "panel", id: "handovers" }, el("h2", { text: WP.t("duty.handovers") }),
      done.length ? el("ul", { class: "handovers" }, done.map((s) => el("li", { "data-shift": s.id },
        el("div", { class: "muted small", text: `${WP.fmtTime(s.handed_over_at)} · ${s.role} · ${s.person}` }),
        el("div", { text: s.handover_note }))))
        : el("div", { class: "empty", text: WP.t("duty.handovers.none") }));
  }

  /* ---- add a shift: the API's 422/409 next to the fields ---------------------------------------- */
  const FIELDS = [["role", "text"], ["person", "text"], ["phone", "tel"], ["starts_at", "datetime-local"], ["ends_at", "datetime-local"]];
  function addPanel() {
    if (!canEdit) return null;
    const roles = [...new Set(state.shifts.map((s) => s.role))];
    const fields = FIELDS.map(([name, type]) => {
      const input = el("input", { id: "sf-" + name, name, type, list: name === "role" ? "sf-roles" : null });
      return el("div", { class: "field" }, el("label", { for: "sf-" + name, text: WP.t("duty.f." + name) }), input,
        el("div", { class: "field-error", "data-for": name }));
    });
    return el("section", { class: "panel", id: "shift-panel" },
      el("h2", {}, WP.t("duty.add"), state.saved ? el("span", { class: "saved", id: "shift-saved", text: state.saved }) : null),
      el("form", { id: "shift-form", class: "form-cols", novalidate: true, onsubmit: (e) => { e.preventDefault(); addShift(e.currentTarget); } },
        fields, el("datalist", { id: "sf-roles" }, roles.map((r) => el("option", { value: r }))),
        el("div", { class: "field-error general", "data-for": "" }),
        el("div", { class: "actions" }, el("button", { class: "btn primary", type: "submit", id: "sf-save", text: WP.t("duty.save") }))));
  }
  function fieldErrors(form, e) {
    form.querySelectorAll(".field-error").forEach((n) => { n.textContent = ""; });
    const put = (f, msg) => {
      const box = form.querySelector(`.field-error[data-for="${f}"]`) || form.querySelector(".field-error.general");
      box.textContent = (box.textContent ? box.textContent + "; " : "") + msg;
    };
    const detail = e.data && e.data.detail;
    if (Array.isArray(detail)) {
      for (const d of detail) { const loc = (d.loc || []).filter((x) => x !== "body"); put(loc.length ? String(loc[0]) : "", d.msg); }
    } else put("", String(detail || e.message));
  }
  async function addShift(form) {
    const body = {};
    for (const [name, type] of FIELDS) {
      const v = (form.elements[name].value || "").trim();
      if (!v) { if (name !== "phone") body[name] = v; continue; }
      // A datetime-local has no offset; the browser's own is the officer's (the API refuses a naive time).
      body[name] = type === "datetime-local" ? new Date(v).toISOString() : v;
    }
    try {
      const s = await WP.api("/api/duty/shifts", { method: "POST", body });
      for (const [name] of FIELDS) WP.forget(form.elements[name]);
      state.saved = fmt("duty.saved", { person: s.person });
      await load();
    } catch (e) {
      if (e.status === 422 || e.status === 409) fieldErrors(form, e); else WP.showError(e);
    }
  }

  const typing = () => { const a = document.activeElement; return !!a && ["INPUT", "TEXTAREA", "SELECT"].includes(a.tagName); };

  function render() {
    // The minute's refresh and pushes redraw the page: handover notes and a half-filled shift form survive.
    const content = document.getElementById("content");
    WP.redraw(content, () => content.replaceChildren(nowPanel(), el("div", { class: "res-layout" },
      el("div", { class: "res-main" }, rosterPanel()),
      el("aside", { class: "res-side" }, addPanel(), handoversPanel()))));
  }

  WP.boot().then(async () => {
    canEdit = OPERATORS.includes(WP.user.role);
    document.body.dataset.canEdit = canEdit ? "1" : "0";
    await load();
    document.addEventListener("wp:lang", render);
    // Shifts begin and end with time, not with events; not while the officer is typing.
    setInterval(() => { if (!typing()) load().catch(() => {}); }, 60000);
  }).catch(WP.showError);
})();
