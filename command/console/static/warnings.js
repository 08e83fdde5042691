/* Warnings with levels and their verify/feedback deadlines (ALM-1..3), live from the WebSocket. */
(function () {
  "use strict";
  const el = WP.el;
  const items = new Map();

  function due(at, doneAt) {
    if (doneAt) return el("span", { class: "muted", text: "✓ " + WP.fmtTime(doneAt) });
    if (!at) return "—";
    return el("span", { class: WP.isPast(at) ? "overdue" : "num",
      text: WP.fmtTime(at) + (WP.isPast(at) ? ` (${WP.t("warnings.overdue")})` : "") });
  }

  // The next closed-loop step a duty officer can take from here (ALM-2): 核查 → 反馈 → 关闭.
  const NEXT = { raised: "verify", pushed: "verify", verified: "feedback", fed_back: "close" };

  async function act(w, step, btn) {
    const text = window.prompt(WP.t(`warnings.prompt.${step}`), "");
    if (text === null) return;
    if (step === "feedback" && !text.trim()) return;
    btn.disabled = true;
    try {
      const body = step === "feedback" ? { text } : { note: text };
      const updated = await WP.api(`/api/warnings/${w.id}/${step}`, { method: "POST", body });
      items.set(updated.id, Object.assign(items.get(updated.id) || {}, updated));
      render();
    } catch (e) {
      btn.disabled = false;
      WP.showError(e);
    }
  }

  function actionCell(w) {
    const step = NEXT[w.stage];
    if (!step) return el("span", { class: "muted", text: "—" });
    return el("button", { class: "btn", "data-step": step, text: WP.t(`warnings.do.${step}`),
      onclick: (e) => act(w, step, e.currentTarget) });
  }

  function render() {
    const list = [...items.values()].sort((x, y) => y.id - x.id);
    document.getElementById("content").replaceChildren(el("section", { class: "panel" },
      el("h2", { text: WP.t("warnings.title") }),
      el("table", { class: "grid", id: "warnings" },
        el("thead", {}, el("tr", {}, ["col.level", "col.id", "col.title", "col.stage", "col.time", "warnings.verify_due",
          "warnings.feedback_due", "warnings.action"].map((k) => el("th", { text: WP.t(k) })))),
        el("tbody", {}, list.map((w) => el("tr", { id: `warning-${w.id}`, class: `lvl-${w.level}` },
          el("td", {}, WP.levelBadge(w.level)), el("td", { class: "num", text: "#" + w.id }),
          el("td", {}, w.title || w.kind, w.incident_id ? [" ", el("a", { href: `incident.html?id=${w.incident_id}`, text: "→#" + w.incident_id })] : null,
            w.exercise ? [" ", el("span", { class: "badge exercise", text: WP.t("exercise") })] : null),
          el("td", {}, WP.statusBadge(w.stage)), el("td", { class: "num", text: WP.fmtTime(w.raised_at) }),
          el("td", {}, due(w.verify_due_at, w.verified_at)), el("td", {}, due(w.feedback_due_at, w.fed_back_at)),
          el("td", {}, actionCell(w)))))),
      list.length ? null : el("div", { class: "empty", text: WP.t("warnings.empty") })));
  }

  async function load() {
    items.clear();
    for (const w of await WP.api("/api/warnings?limit=200")) items.set(w.id, w);
    render();
  }

  WP.boot().then(() => {
    render();
    WP.live({
      topics: ["warning"],
      onReady: (_l, first) => { if (first) load().catch(WP.showError); },
      onReset: () => load().catch(WP.showError),
      onEvent: (ev) => { if (ev.data && ev.data.id !== undefined) { items.set(ev.data.id, Object.assign(items.get(ev.data.id) || {}, ev.data)); render(); } },
    });
    setInterval(render, 30000);  // deadlines turn overdue with time, not only with events
    document.addEventListener("wp:lang", render);
  }).catch(WP.showError);
})();
