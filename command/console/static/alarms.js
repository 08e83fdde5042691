/* Live alarm list (ALM-4, CMD-2 接处警): loads over HTTP, then stays current from the WebSocket. */
(function () {
  "use strict";
  const el = WP.el;
  const alarms = new Map();
  const fresh = new Set();
  let selectedId = null, order = [];
  const tbody = document.querySelector("#alarms tbody");

  function thumb(a) {
    const snap = WP.evidence(a, "snapshot");
    if (!snap) return el("div", { class: "thumb none", text: "—" });
    return el("a", { href: `alarm.html?id=${a.id}` },
      el("img", { class: "thumb", src: WP.mediaUrl(snap.uri), alt: WP.t("alarm.snapshot"), loading: "lazy",
        // A missing file must not leave a broken-image icon in the duty officer's list.
        onerror: (e) => e.currentTarget.replaceWith(el("div", { class: "thumb none", "data-src": e.currentTarget.src,
          text: WP.t("alarm.snapshot") })) }));
  }

  function verifyCell(a) {
    if (a.verdict) {
      return el("span", { class: "muted verdict", text: `${WP.t("verify." + a.verdict, a.verdict)}${a.verified_by ? " · " + a.verified_by : ""}` });
    }
    return el("div", { class: "actions" }, ["true", "false", "drill"].map((v) =>
      el("button", { class: `btn v-${v}`, "data-verdict": v, text: WP.t("verify." + v),
        onclick: (e) => verify(a.id, v, e.currentTarget) })));
  }

  function row(a) {
    const loc = a.location || {};
    const tr = el("tr", { id: `alarm-${a.id}`, class: `lvl-${a.level}${fresh.has(a.id) ? " fresh" : ""}${a.id === selectedId ? " selected" : ""}`,
      "data-status": a.status, "data-id": a.id },
      el("td", {}, WP.levelBadge(a.level)),
      el("td", {}, thumb(a)),
      el("td", { text: WP.t("type." + a.type, a.type) }),
      el("td", {}, el("a", { href: `alarm.html?id=${a.id}`, text: a.title || a.type }),
        a.exercise ? [" ", el("span", { class: "badge exercise", text: WP.t("exercise") })] : null,
        a.camera_id ? [" ", el("a", { class: "btn live-btn", href: `alarm.html?id=${a.id}&live=1`, title: WP.t("alarm.live"),
          "data-live": a.id, text: "▶" })] : null),
      el("td", { text: [loc.site, loc.name].filter(Boolean).join(" · ") }),
      el("td", { class: "num", title: a.occurred_at, text: WP.fmtTime(a.last_seen_at || a.occurred_at) }),
      el("td", { class: "num occ", text: a.occurrences || 1 }),
      el("td", { class: "status" }, WP.statusBadge(a.status)),
      el("td", {}, verifyCell(a)));
    return tr;
  }

  function render() {
    // Newest activity first: a repeat of an old alarm comes back to the top.
    const when = (a) => Date.parse(a.last_seen_at || a.occurred_at) || 0;
    const list = [...alarms.values()].sort((x, y) => when(y) - when(x) || y.id - x.id);
    order = list.map((a) => a.id);
    tbody.replaceChildren(...list.map(row));
    fresh.clear();
    document.getElementById("empty").hidden = list.length > 0;
    document.getElementById("count-total").textContent = list.length;
    document.getElementById("count-new").textContent = list.filter((a) => a.status === "new").length;
  }

  function upsert(a, isNew) {
    if (!a || a.id === undefined) return;
    if (isNew && !alarms.has(a.id)) fresh.add(a.id);
    alarms.set(a.id, a);
  }

  async function verify(id, verdict, btn) {
    WP.showError(null);
    btn.closest(".actions").querySelectorAll("button").forEach((b) => { b.disabled = true; });
    try {
      upsert(await WP.api(`/api/alarms/${id}/verify`, { method: "POST", body: { verdict, note: "" } }));
      render();
    } catch (e) {
      WP.showError(e);
      btn.closest(".actions").querySelectorAll("button").forEach((b) => { b.disabled = false; });
    }
  }

  async function load() {
    const list = await WP.api("/api/alarms?limit=200");
    alarms.clear();
    for (const a of list) upsert(a);
    render();
  }

  /* Keyboard: j/k or arrows pick a row, Enter opens it, v/f/d verify it, l opens it live. */
  function pick(delta) {
    if (!order.length) return;
    const i = order.indexOf(selectedId);
    selectedId = order[Math.min(order.length - 1, Math.max(0, i < 0 ? 0 : i + delta))];
    render();
    const tr = document.getElementById(`alarm-${selectedId}`);
    if (tr && tr.scrollIntoView) tr.scrollIntoView({ block: "nearest" });
  }
  const chosen = () => alarms.get(selectedId !== null ? selectedId : order[0]);
  const verifyKey = (v) => () => {
    const a = chosen();
    const btn = a && document.querySelector(`#alarm-${a.id} button[data-verdict=${v}]`);
    if (btn) verify(a.id, v, btn);
  };
  WP.keys.on("j", () => WP.t("key.next"), () => pick(1));
  WP.keys.on("k", () => WP.t("key.prev"), () => pick(-1));
  WP.keys.on("ArrowDown", () => WP.t("key.next"), () => pick(1));
  WP.keys.on("ArrowUp", () => WP.t("key.prev"), () => pick(-1));
  WP.keys.on("Enter", () => WP.t("key.open"), () => { const a = chosen(); if (a) location.href = `alarm.html?id=${a.id}`; });
  WP.keys.on("v", () => WP.t("key.true"), verifyKey("true"));
  WP.keys.on("f", () => WP.t("key.false"), verifyKey("false"));
  WP.keys.on("d", () => WP.t("key.drill"), verifyKey("drill"));
  WP.keys.on("l", () => WP.t("key.live"), () => { const a = chosen(); if (a && a.camera_id) location.href = `alarm.html?id=${a.id}&live=1`; });

  WP.boot().then(() => {
    WP.live({
      topics: ["alarm"],
      // Load after the stream is ready, so nothing committed in between can be missed.
      onReady: (_lastId, first) => { if (first) load().catch(WP.showError); },
      onReset: () => load().catch(WP.showError),
      onEvent: (ev) => { upsert(ev.data, ev.action === "created"); render(); },
    });
    document.addEventListener("wp:lang", render);
  }).catch(WP.showError);
})();
