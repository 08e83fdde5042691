/* One incident: facts, timeline, and the legal transitions as buttons (CMD-2). */
(function () {
  "use strict";
  const el = WP.el;
  const id = Number(WP.param("id"));
  let inc = null;

  function transitions() {
    const allowed = ((WP.meta && WP.meta.incident_transitions) || {})[inc.status] || [];
    if (!allowed.length) return el("p", { class: "muted", text: WP.t("incident.none") });
    const note = el("textarea", { id: "note", rows: 2, style: "width:100%", placeholder: WP.t("incident.note") });
    const rl = el("select", { id: "response-level" }, ((WP.meta && WP.meta.response_levels) || []).map((l) => el("option", { value: l, text: l })));
    return el("div", {},
      el("div", { class: "field" }, el("label", { text: WP.t("incident.note") }), note),
      allowed.includes("activated") ? el("div", { class: "field" }, el("label", { text: WP.t("incident.rl") }), rl) : null,
      el("div", { class: "actions" }, allowed.map((to) => el("button", { class: "btn", "data-to": to, text: WP.t("to." + to, to),
        onclick: () => move(to, note, to === "activated" ? rl.value : null) }))));
  }

  // 上报 / 续报 (CMD-2): the first report to the authority, then follow-ups on their clock.
  function reportForm() {
    if (["closed", "false_alarm", "cancelled"].includes(inc.status)) return null;
    const kind = inc.first_reported_at ? "followup" : "initial";
    const body = el("textarea", { id: "report-body", rows: 3, style: "width:100%", placeholder: WP.t("report.body") });
    const to = el("input", { id: "report-to", style: "width:100%", placeholder: WP.t("report.to") });
    return el("div", { style: "margin-top:1rem" },
      el("h2", { text: WP.t("report." + kind) }),
      el("div", { class: "field" }, body), el("div", { class: "field" }, to),
      el("div", { class: "actions" }, el("button", { class: "btn", id: "report-submit", "data-kind": kind,
        text: WP.t("report.submit"), onclick: () => report(kind, body, to.value) })));
  }

  async function report(kind, field, toAuthority) {
    WP.showError(null);
    const body = field.value;
    if (!body.trim()) return;
    try {
      await WP.api(`/api/incidents/${id}/reports`, { method: "POST", body: { kind, body, to_authority: toAuthority } });
      WP.forget(field);  // sent; the recipient stays for the follow-ups
      await load();
    } catch (e) { WP.showError(e); }
  }

  function render() {
    if (!inc) return;
    const kv = (k, v) => [el("dt", { text: WP.t(k) }), el("dd", {}, v === null || v === undefined || v === "" ? "—" : v)];
    const loc = inc.location || {};
    const timeline = el("ol", { class: "timeline", id: "timeline" }, (inc.timeline || []).map((t) => el("li", {},
      el("div", { class: "when", text: `${WP.fmtTime(t.at)} · ${t.actor || ""}` }),
      el("div", {}, t.to ? [t.from ? WP.statusBadge(t.from) : null, t.from ? " → " : null, WP.statusBadge(t.to)] : el("b", { text: t.kind })),
      t.note ? el("div", { class: "muted", text: t.note }) : null)));
    // Every push about this incident (another officer's step, a report clock) redraws the page: a
    // half-written report or note, and the focus in it, survive.
    const content = document.getElementById("content");
    WP.redraw(content, () => content.replaceChildren(el("div", { class: "row" },
      el("section", { class: "panel grow" },
        el("h2", {}, WP.levelBadge(inc.level), `#${inc.id} ${inc.title || inc.type}`, WP.statusBadge(inc.status),
          inc.exercise ? el("span", { class: "badge exercise", text: WP.t("exercise") }) : null,
          el("a", { class: "btn", id: "map-link", href: `map.html?incident=${inc.id}`, text: WP.t("nav.map") })),  // situation map (RES-4)
        el("dl", { class: "kv" },
          kv("col.type", WP.t("type." + inc.type, inc.type)), kv("col.location", [loc.site, loc.name].filter(Boolean).join(" · ")),
          kv("col.time", WP.fmtTime(inc.received_at)), kv("incident.rl", inc.response_level),
          kv("incident.report_due", inc.first_reported_at ? "✓ " + WP.fmtTime(inc.first_reported_at)
            : el("span", { class: WP.isPast(inc.report_due_at) ? "overdue" : "", text: WP.fmtTime(inc.report_due_at) })),
          kv("incident.next_followup", WP.fmtTime(inc.next_followup_due_at)),
          kv("incident.alarms", (inc.alarms || []).map((a) => el("a", { href: `alarm.html?id=${a.id}`, text: `#${a.id} ${a.title || a.type} ` })))),
        el("h2", { style: "margin-top:1rem", text: WP.t("incident.timeline") }), timeline),
      el("section", { class: "panel", style: "min-width:340px;max-width:420px" },
        el("h2", { text: WP.t("incident.actions") }), transitions(), reportForm()))));
  }

  async function load() { inc = await WP.api(`/api/incidents/${id}`); render(); }

  async function move(to, noteField, responseLevel) {
    WP.showError(null);
    const body = { to, note: noteField.value };
    if (responseLevel) body.response_level = responseLevel;
    try { inc = await WP.api(`/api/incidents/${id}/transitions`, { method: "POST", body }); WP.forget(noteField); render(); }
    catch (e) { WP.showError(e); }
  }

  WP.boot().then(async () => {
    await load();
    document.querySelector("main").append(WP.dispatchPanel(id));  // dispatches and vehicle trips (dispatch.js)
    // consequence models, zones and the response draft (dss.js); the consultation room (consult.js)
    document.querySelector("main").append(WP.dssPanel(id), WP.consultPanel(id));
    WP.live({ topics: ["incident"], onEvent: (ev) => { if (ev.data && ev.data.id === id) load().catch(WP.showError); } });
    document.addEventListener("wp:lang", render);
  }).catch(WP.showError);
})();
