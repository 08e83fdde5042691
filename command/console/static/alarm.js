/* One alarm with its evidence (snapshot image, clip video) and the verify buttons. */
(function () {
  "use strict";
  const el = WP.el;
  const id = Number(WP.param("id"));
  let alarm = null;

  function evidence(a) {
    const items = (a.evidence || []).map((e) => {
      const src = WP.mediaUrl(e.uri);
      if (e.kind === "clip" || (e.media_type || "").startsWith("video/")) {
        return el("figure", {}, el("video", { src, controls: true, preload: "metadata" }),
          el("figcaption", { class: "muted", text: WP.t("alarm.clip") }));
      }
      if ((e.media_type || "image/").startsWith("image/") || e.kind === "snapshot") {
        return el("figure", {}, el("a", { href: src, target: "_blank" }, el("img", { src, alt: e.kind })),
          el("figcaption", { class: "muted", text: WP.t("alarm." + e.kind, e.kind) }));
      }
      return el("p", {}, el("a", { href: src, text: `${e.kind}: ${e.uri}` }));
    });
    return items.length ? items : [el("p", { class: "muted", text: WP.t("alarm.noevidence") })];
  }

  function render() {
    const a = alarm;
    if (!a) return;
    const loc = a.location || {};
    const kv = (k, v) => [el("dt", { text: WP.t(k) }), el("dd", {}, v === null || v === undefined || v === "" ? "—" : v)];
    const verify = a.verdict ? el("span", { text: WP.t("verify." + a.verdict, a.verdict) })
      : el("div", { class: "actions" }, ["true", "false", "drill"].map((v) => el("button", {
        class: `btn v-${v}`, "data-verdict": v, text: WP.t("verify." + v), onclick: () => doVerify(v) })));
    document.getElementById("content").replaceChildren(
      el("p", {}, el("a", { href: "index.html", text: "← " + WP.t("alarm.back") })),
      el("div", { class: "row" },
        el("section", { class: "panel grow evidence" },
          el("h2", {}, WP.levelBadge(a.level), a.title || a.type, a.exercise ? el("span", { class: "badge exercise", text: WP.t("exercise") }) : null),
          evidence(a)),
        el("section", { class: "panel", style: "min-width:340px" },
          el("h2", { text: WP.t("alarm.title") + " #" + a.id }),
          el("dl", { class: "kv" },
            kv("col.status", WP.statusBadge(a.status)), kv("col.type", WP.t("type." + a.type, a.type)), kv("col.source", a.source),
            kv("col.location", [loc.site, loc.name].filter(Boolean).join(" · ")),
            kv("col.time", WP.fmtTime(a.occurred_at)), kv("alarm.lastseen", WP.fmtTime(a.last_seen_at)),
            kv("col.occ", a.occurrences), kv("alarm.camera", a.camera_id),
            kv("alarm.score", a.score === null || a.score === undefined ? null : Number(a.score).toFixed(2)),
            kv("alarm.desc", a.description), kv("alarm.verdict", verify), kv("alarm.by", a.verified_by),
            kv("alarm.incident", a.incident_id ? el("a", { href: `incident.html?id=${a.incident_id}`, text: "#" + a.incident_id }) : null)),
          !a.incident_id && a.verdict === "true" ? el("p", {}, el("button", { class: "btn primary", text: WP.t("alarm.open_incident"), onclick: openIncident })) : null)));
  }

  async function doVerify(verdict) {
    try { alarm = await WP.api(`/api/alarms/${id}/verify`, { method: "POST", body: { verdict, note: "" } }); render(); }
    catch (e) { WP.showError(e); }
  }

  async function openIncident() {
    try {
      const inc = await WP.api("/api/incidents", { method: "POST", body: { alarm_ids: [id] } });
      location.href = `incident.html?id=${inc.id}`;
    } catch (e) { WP.showError(e); }
  }

  WP.boot().then(async () => {
    alarm = await WP.api(`/api/alarms/${id}`);
    render();
    WP.live({ topics: ["alarm"], onEvent: (ev) => { if (ev.data && ev.data.id === id) { alarm = ev.data; render(); } } });
    document.addEventListener("wp:lang", render);
  }).catch(WP.showError);
})();
