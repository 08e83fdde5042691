/* Incident list (CMD-2), live from the WebSocket. */
(function () {
  "use strict";
  const el = WP.el;
  const items = new Map();

  function render() {
    const list = [...items.values()].sort((x, y) => y.id - x.id);
    const rows = list.map((i) => el("tr", { id: `incident-${i.id}`, class: `lvl-${i.level}` },
      el("td", {}, WP.levelBadge(i.level)),
      el("td", { class: "num", text: "#" + i.id }),
      el("td", {}, el("a", { href: `incident.html?id=${i.id}`, text: i.title || i.type }),
        i.exercise ? [" ", el("span", { class: "badge exercise", text: WP.t("exercise") })] : null),
      el("td", { text: WP.t("type." + i.type, i.type) }),
      el("td", { text: [i.location && i.location.site, i.location && i.location.name].filter(Boolean).join(" · ") }),
      el("td", {}, WP.statusBadge(i.status), i.response_level ? ` ${i.response_level}` : ""),
      el("td", { class: "num", text: WP.fmtTime(i.received_at || i.created_at) }),
      el("td", { class: "num" + (!i.first_reported_at && WP.isPast(i.report_due_at) ? " overdue" : ""),
        text: i.first_reported_at ? "✓ " + WP.fmtTime(i.first_reported_at) : WP.fmtTime(i.report_due_at) })));
    document.getElementById("content").replaceChildren(el("section", { class: "panel" },
      el("h2", { text: WP.t("incidents.title") }),
      el("table", { class: "grid", id: "incidents" },
        el("thead", {}, el("tr", {}, ["col.level", "col.id", "col.title", "col.type", "col.location", "col.status",
          "col.time", "incident.report_due"].map((k) => el("th", { text: WP.t(k) })))),
        el("tbody", {}, rows)),
      list.length ? null : el("div", { class: "empty", text: WP.t("incidents.empty") })));
  }

  async function load() {
    items.clear();
    for (const i of await WP.api("/api/incidents?limit=200")) items.set(i.id, i);
    render();
  }

  WP.boot().then(() => {
    render();
    WP.live({
      topics: ["incident"],
      onReady: (_l, first) => { if (first) load().catch(WP.showError); },
      onReset: () => load().catch(WP.showError),
      onEvent: (ev) => { if (ev.data && ev.data.id !== undefined) { items.set(ev.data.id, Object.assign(items.get(ev.data.id) || {}, ev.data)); render(); } },
    });
    document.addEventListener("wp:lang", render);
  }).catch(WP.showError);
})();
