/* One alarm with its evidence (snapshot image, clip video), its camera live beside them (one
   click, or ?live=1 from the alarm list), and the verify buttons. */
(function () {
  "use strict";
  const el = WP.el;
  const id = Number(WP.param("id"));
  let alarm = null, tile = null;
  const box = { evidence: el("section", { class: "panel grow evidence" }), live: el("section", { class: "panel live-beside", id: "live-panel", hidden: true }),
    facts: el("section", { class: "panel", style: "min-width:340px" }) };

  // A drill plays its footage as CAM.drill<id>.<inject>: live shows the real camera it stands for.
  const liveCamera = (a) => (a.camera_id || "").split(".drill")[0];

  function openLive() {
    const cam = alarm && liveCamera(alarm);
    if (!cam) return;
    if (tile) { tile.stop(); tile = null; box.live.hidden = true; render(); return; }
    tile = WP.videoTile(cam, { label: cam }).start();
    WP.api("/api/live/cameras").then((list) => {  // the camera's name on the tile, once known
      const c = list.find((x) => x.id === cam);
      if (c && tile) tile.setLabel(c.name);
    }).catch(() => { /* the tile says why if the camera cannot be watched */ });
    box.live.hidden = false;
    box.live.replaceChildren(el("h2", { text: WP.t("alarm.live") }), tile,
      el("p", {}, el("a", { href: `live.html?camera=${encodeURIComponent(cam)}`, text: WP.t("alarm.wall") }), " · ",
        el("a", { id: "playback-link", href: playbackUrl(alarm), text: WP.t("alarm.playback") })));
    render();
  }
  const playbackUrl = (a) => `playback.html?camera=${encodeURIComponent(liveCamera(a))}&at=${encodeURIComponent(a.occurred_at)}`;

  // A burning fire refolds into its alarm every few seconds, each push redrawing the page. The
  // evidence is drawn once and only added to (a repeat appends its new snapshot and clip), so the
  // clip an officer is watching is not reset by the next push.
  const head = el("div"), figures = el("div", { class: "figures" });
  box.evidence.append(head, figures);
  let shown = null;  // the evidence URIs drawn, in order; null = redraw all
  function drawEvidence(a) {
    const list = a.evidence || [], uris = list.map((e) => e.uri);
    if (shown && shown.length && shown.every((u, i) => u === uris[i])) figures.append(...list.slice(shown.length).map(figure));
    else figures.replaceChildren(...evidence(a));
    shown = uris;
  }

  function evidence(a) {
    const items = (a.evidence || []).map(figure);
    return items.length ? items : [el("p", { class: "muted", text: WP.t("alarm.noevidence") })];
  }

  function figure(e) {
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
  }

  function render() {
    const a = alarm;
    if (!a) return;
    const loc = a.location || {};
    const kv = (k, v) => [el("dt", { text: WP.t(k) }), el("dd", {}, v === null || v === undefined || v === "" ? "—" : v)];
    const verify = a.verdict ? el("span", { text: WP.t("verify." + a.verdict, a.verdict) })
      : el("div", { class: "actions" }, ["true", "false", "drill"].map((v) => el("button", {
        class: `btn v-${v}`, "data-verdict": v, text: WP.t("verify." + v), onclick: () => doVerify(v) })));
    const content = document.getElementById("content");
    if (!content.firstChild) {
      content.replaceChildren(el("p", {}, el("a", { href: "index.html", text: "← " + WP.t("alarm.back") })),
        el("div", { class: "row" }, box.evidence, box.live, box.facts));
    }
    const cam = liveCamera(a);
    head.replaceChildren(
          el("h2", {}, WP.levelBadge(a.level), a.title || a.type, a.exercise ? el("span", { class: "badge exercise", text: WP.t("exercise") }) : null),
          cam ? el("p", { class: "actions" },
            el("button", { class: tile ? "btn" : "btn primary", id: "open-live", text: WP.t("alarm.live.open"), title: "L", onclick: openLive }),
            el("a", { class: "btn", href: playbackUrl(a), text: WP.t("alarm.playback") })) : null);
    drawEvidence(a);
    box.facts.replaceChildren(
          el("h2", { text: WP.t("alarm.title") + " #" + a.id }),
          el("dl", { class: "kv" },
            kv("col.status", WP.statusBadge(a.status)), kv("col.type", WP.t("type." + a.type, a.type)), kv("col.source", a.source),
            kv("col.location", [loc.site, loc.name].filter(Boolean).join(" · ")),
            kv("col.time", WP.fmtTime(a.occurred_at)), kv("alarm.lastseen", WP.fmtTime(a.last_seen_at)),
            kv("col.occ", a.occurrences), kv("alarm.camera", a.camera_id),
            kv("alarm.score", a.score === null || a.score === undefined ? null : Number(a.score).toFixed(2)),
            kv("alarm.desc", a.description), kv("alarm.verdict", verify), kv("alarm.by", a.verified_by),
            kv("alarm.incident", a.incident_id ? el("a", { href: `incident.html?id=${a.incident_id}`, text: "#" + a.incident_id }) : null)),
          !a.incident_id && a.verdict === "true" ? el("p", {}, el("button", { class: "btn primary", text: WP.t("alarm.open_incident"), onclick: openIncident })) : null);
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

  const verifyKey = (v) => () => { if (alarm && !alarm.verdict) doVerify(v); };
  WP.keys.on("v", () => WP.t("key.true"), verifyKey("true"));
  WP.keys.on("f", () => WP.t("key.false"), verifyKey("false"));
  WP.keys.on("d", () => WP.t("key.drill"), verifyKey("drill"));
  WP.keys.on("l", () => WP.t("key.live"), () => openLive());
  WP.keys.on("i", () => WP.t("key.incident"), () => { if (alarm && !alarm.incident_id && alarm.verdict === "true") openIncident(); });

  WP.boot().then(async () => {
    alarm = await WP.api(`/api/alarms/${id}`);
    render();
    if (WP.param("live") === "1") openLive();
    WP.live({ topics: ["alarm"], onEvent: (ev) => { if (ev.data && ev.data.id === id) { alarm = ev.data; render(); } } });
    document.addEventListener("wp:lang", () => { shown = null; render(); });  // captions in the new language
  }).catch(WP.showError);
})();
