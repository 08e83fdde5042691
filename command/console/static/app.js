/* Shared console runtime: i18n, auth, fetch helper, WebSocket client, page shell.
   Every page loads i18n.js, nav.js, app.js, then its own script calling WP.boot(). */
(function () {
  "use strict";
  const LANG_KEY = "wp_lang", TOKEN_KEY = "wp_token";
  const dict = window.WP_STRINGS || { zh: {}, en: {} };

  const WP = (window.WP = {});
  WP.user = null;
  WP.lang = localStorage.getItem(LANG_KEY) || "zh";

  /* ---- i18n ---------------------------------------------------------------------------- */
  WP.i18n = {
    add(more) { for (const l of Object.keys(more)) dict[l] = Object.assign(dict[l] || {}, more[l]); },
  };
  WP.t = function (key, fallback) {
    const d = dict[WP.lang] || {};
    if (key in d) return d[key];
    return fallback !== undefined ? fallback : key;
  };
  WP.applyI18n = function (root) {
    (root || document).querySelectorAll("[data-i18n]").forEach((n) => { n.textContent = WP.t(n.dataset.i18n); });
    (root || document).querySelectorAll("[data-i18n-placeholder]").forEach((n) => { n.placeholder = WP.t(n.dataset.i18nPlaceholder); });
    document.documentElement.lang = WP.lang === "zh" ? "zh-CN" : "en";
  };
  WP.setLang = function (lang) {
    WP.lang = lang;
    localStorage.setItem(LANG_KEY, lang);
    WP.applyI18n();
    document.dispatchEvent(new CustomEvent("wp:lang"));
  };

  /* ---- DOM helpers ----------------------------------------------------------------------- */
  WP.el = function (tag, attrs, ...children) {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") n.className = v;
      else if (k === "text") n.textContent = v;
      else if (k.startsWith("on")) n.addEventListener(k.slice(2), v);
      else if (k === "dataset") Object.assign(n.dataset, v);
      else if (k === "style") n.style.cssText = v;  // CSSOM: the CSP allows no inline style attribute
      else n.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      n.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return n;
  };
  WP.param = (name) => new URLSearchParams(location.search).get(name);

  /* Pushes redraw regions an officer may be typing in (a half-written report, feedback on a task,
     a dispatch note). WP.redraw(region, draw) runs draw() and carries what the officer typed or
     picked into the redrawn fields, and the focus and caret, so neither the draft nor the next keys
     are lost. A field is matched by its id, else by the nearest ancestor with an id and its place
     among that ancestor's fields of the same kind. Only fields the officer touched are carried:
     the rest show what the server sent; so does a field marked data-now, whose change acts at once
     (a drill's speed) or goes straight into the page's own model (a drill report's text), though it
     keeps its focus. WP.forget(field) drops a sent draft, from that field and
     from whichever redrawn field now holds it. */
  const FIELDS = "input, select, textarea";
  const DRAFTABLE = ["input:not([type=file]):not([type=range]):not([type=hidden]):not([type=button]):not([type=submit])", "select", "textarea"]
    .map((s) => s + ":not([data-now])").join(", ");
  for (const kind of ["input", "change"]) {
    document.addEventListener(kind, (e) => { if (e.target.matches && e.target.matches(DRAFTABLE)) e.target.dataset.touched = "1"; }, true);
  }
  function fieldKey(n) {
    if (n.id) return "#" + n.id;
    const owner = n.parentElement && n.parentElement.closest("[id]");
    if (!owner) return null;
    const sel = `${n.tagName.toLowerCase()}${[...n.classList].map((c) => "." + CSS.escape(c)).join("")}`;
    return `#${owner.id} ${sel} ${[...owner.querySelectorAll(sel)].indexOf(n)}`;
  }
  const checkable = (n) => n.type === "checkbox" || n.type === "radio";
  WP.redraw = function (region, draw) {
    const drafts = new Map();
    for (const n of region.querySelectorAll(DRAFTABLE)) {
      const k = n.dataset.touched && fieldKey(n);
      if (k) drafts.set(k, checkable(n) ? n.checked : n.value);
    }
    const active = region.contains(document.activeElement) && document.activeElement.matches(FIELDS)
      ? document.activeElement : null;
    const activeKey = active && fieldKey(active);
    const caret = active && typeof active.selectionStart === "number" ? [active.selectionStart, active.selectionEnd] : null;
    draw();
    let again = null;
    for (const n of region.querySelectorAll(FIELDS)) {
      const k = fieldKey(n);
      if (k && drafts.has(k) && n.matches(DRAFTABLE)) {
        const v = drafts.get(k);
        if (checkable(n)) n.checked = v;
        else if (n.tagName !== "SELECT" || [...n.options].some((o) => o.value === v)) n.value = v;
        n.dataset.touched = "1";
      }
      if (k && k === activeKey) again = n;
    }
    if (again) {
      again.focus();
      if (caret && typeof again.setSelectionRange === "function") { try { again.setSelectionRange(caret[0], caret[1]); } catch (_) { /* a number field has no caret */ } }
    }
  };
  WP.forget = function (field) {
    const k = fieldKey(field);
    const now = k && [...document.querySelectorAll(DRAFTABLE)].find((x) => x !== field && fieldKey(x) === k);
    for (const n of [field, now]) {
      if (!n) continue;
      if (checkable(n)) n.checked = n.defaultChecked; else n.value = n.tagName === "SELECT" ? (n.options[0] || {}).value || "" : n.defaultValue;
      delete n.dataset.touched;
    }
  };
  /* Icons drawn as SVG (no icon font or emoji font on a kiosk; the CSP allows DOM-built SVG). */
  const ICONS = {
    bell: "M12 3a6 6 0 0 0-6 6v4l-2 3h16l-2-3V9a6 6 0 0 0-6-6zm-2 15a2 2 0 0 0 4 0",
    mute: "M12 3a6 6 0 0 0-6 6v4l-2 3h16l-2-3V9a6 6 0 0 0-6-6zm-2 15a2 2 0 0 0 4 0M3 3l18 18",
    fullscreen: "M4 9V4h5M15 4h5v5M20 15v5h-5M9 20H4v-5",
  };
  WP.icon = function (name) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("class", `icon icon-${name}`);
    svg.setAttribute("aria-hidden", "true");
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", ICONS[name]);
    svg.append(path);
    return svg;
  };
  WP.fmtTime = function (iso) {
    if (!iso) return "";
    const d = new Date(iso);
    if (isNaN(d)) return iso;
    const p = (x) => String(x).padStart(2, "0");
    const today = new Date();
    const hms = `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
    return d.toDateString() === today.toDateString() ? hms : `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${hms}`;
  };
  WP.isPast = (iso) => !!iso && new Date(iso) < new Date();
  WP.levelBadge = (level) => level ? WP.el("span", { class: `badge level-${level}`, text: WP.t(`level.${level}`, level) }) : "";
  WP.statusBadge = (s) => WP.el("span", { class: `badge st st-${s}`, text: WP.t(`status.${s}`, s) });
  /* Evidence uris are relative media paths served by GET /api/media/{path} (cookie auth). */
  WP.mediaUrl = function (uri) {
    if (!uri) return "";
    if (/^(https?:|data:|blob:)/.test(uri) || uri.startsWith("/")) return uri;
    return "/api/media/" + uri.split("/").map(encodeURIComponent).join("/");
  };
  WP.evidence = (item, kind) => (item.evidence || []).find((e) => e.kind === kind);

  /* ---- HTTP ----------------------------------------------------------------------------- */
  WP.goLogin = function () {
    const next = location.pathname + location.search;
    location.replace("/console/login.html?next=" + encodeURIComponent(next));
  };
  WP.api = async function (path, opts) {
    opts = opts || {};
    const headers = { Accept: "application/json" };
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.Authorization = "Bearer " + token;
    let body;
    if (opts.form !== undefined) body = opts.form;  // FormData: the browser sets the multipart boundary
    else if (opts.body !== undefined) { headers["Content-Type"] = "application/json"; body = JSON.stringify(opts.body); }
    let res;
    try {
      res = await fetch(path, { method: opts.method || "GET", headers, body, credentials: "same-origin" });
    } catch (e) {
      throw Object.assign(new Error(WP.t("err.network")), { status: 0 });
    }
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = text; }
    if (res.status === 401 && !opts.noRedirect) { WP.goLogin(); throw Object.assign(new Error("401"), { status: 401 }); }
    if (!res.ok) {
      let msg = data && data.detail !== undefined ? data.detail : res.statusText;
      if (Array.isArray(msg)) msg = msg.map((d) => `${(d.loc || []).join(".")}: ${d.msg}`).join("; ");
      if (res.status === 403) msg = `${WP.t("err.forbidden")} (${msg})`;
      throw Object.assign(new Error(String(msg)), { status: res.status, data });
    }
    return data;
  };
  WP.upload = (path, formData) => WP.api(path, { method: "POST", form: formData });
  WP.login = async function (username, password) {
    const r = await WP.api("/api/auth/login", { method: "POST", body: { username, password }, noRedirect: true });
    sessionStorage.setItem(TOKEN_KEY, r.token);
    return r;
  };
  WP.logout = async function () {
    try { await WP.api("/api/auth/logout", { method: "POST", noRedirect: true }); } catch (e) { /* already gone */ }
    sessionStorage.removeItem(TOKEN_KEY);
    location.replace("/console/login.html");
  };
  WP.showError = function (e) {
    const box = document.getElementById("err");
    if (box) { box.textContent = e ? (e.message || String(e)) : ""; }
    if (e) console.error(e);
  };

  /* ---- live stream ------------------------------------------------------------------------ */
  /* WP.live({topics, onEvent(ev), onReady(lastId, first), onReset()}): one WebSocket that replays
     what it missed after a drop (last_id) and answers the server's heartbeats. */
  WP.live = function (opts) {
    let lastId = null, first = true, delay = 1000, ws = null, stopped = false;
    const status = () => document.getElementById("conn");
    const setLive = (on) => {
      const s = status();
      if (!s || opts.indicator === false) return;
      s.classList.toggle("live", on);
      s.textContent = WP.t(on ? "top.live" : "top.offline");
      s.dataset.state = on ? "live" : "offline";
    };
    function connect() {
      const q = new URLSearchParams();
      const token = sessionStorage.getItem(TOKEN_KEY);
      if (token) q.set("token", token);
      if (lastId !== null) q.set("last_id", lastId);
      if (opts.topics) q.set("topics", opts.topics.join(","));
      ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws?${q}`);
      ws.onmessage = (m) => {
        const msg = JSON.parse(m.data);
        if (msg.type === "ping") { ws.send(JSON.stringify({ type: "pong" })); return; }
        if (msg.type === "ready") {
          delay = 1000;
          setLive(true);
          if (lastId === null || msg.last_id > lastId) lastId = msg.last_id;
          if (opts.onReady) opts.onReady(lastId, first);
          first = false;
          return;
        }
        if (msg.type === "reset") { if (opts.onReset) opts.onReset(); return; }
        if (msg.id !== undefined) {
          if (lastId !== null && msg.id <= lastId) return;
          lastId = msg.id;
          try { opts.onEvent(msg); } catch (e) { console.error(e); }
        }
      };
      ws.onclose = (ev) => {
        setLive(false);
        if (stopped) return;
        if (ev.code === 4401) { WP.goLogin(); return; }
        setTimeout(connect, delay);
        delay = Math.min(delay * 2, 10000);
      };
    }
    connect();
    return { close() { stopped = true; if (ws) ws.close(); }, get lastId() { return lastId; } };
  };

  /* ---- page shell -------------------------------------------------------------------------- */
  function topbar(page) {
    const nav = WP.el("nav", { class: "nav" },
      (window.WP_NAV || []).map((n) => WP.el("a", { href: "/console/" + n.href, class: n.page === page ? "active" : null,
        "data-i18n": n.label, text: WP.t(n.label) })));
    const clock = WP.el("span", { class: "clock", id: "clock" });
    const tick = () => { clock.textContent = new Date().toLocaleString(WP.lang === "zh" ? "zh-CN" : "en-GB", { hour12: false }); };
    tick();
    setInterval(tick, 1000);
    return WP.el("header", { class: "topbar" },
      WP.el("div", { class: "brand" }, WP.el("span", { "data-i18n": "app.name", text: WP.t("app.name") }),
        WP.el("span", { class: "park", id: "park" })),
      nav,
      WP.el("div", { class: "tools" },
        WP.el("span", { class: "conn", id: "conn", "data-state": "offline", text: WP.t("top.offline") }),
        clock,
        WP.el("span", { id: "who" }),
        WP.el("button", { class: "linkbtn", id: "lang", onclick: () => WP.setLang(WP.lang === "zh" ? "en" : "zh"),
          "data-i18n": "top.lang", text: WP.t("top.lang") }),
        WP.el("button", { class: "linkbtn", id: "logout", onclick: WP.logout, "data-i18n": "top.logout", text: WP.t("top.logout") })));
  }

  /* Call from each page: renders the header and returns the signed-in user (or goes to login). */
  WP.boot = async function (opts) {
    const page = (opts && opts.page) || document.body.dataset.page;
    document.body.prepend(topbar(page));
    WP.applyI18n();
    WP.user = await WP.api("/api/auth/me");
    document.getElementById("who").textContent = WP.user.display_name || WP.user.username;
    try {
      WP.meta = await WP.api("/api/console/meta");
      document.getElementById("park").textContent = WP.meta.park_name || "";
    } catch (e) { WP.meta = {}; }
    drillBanner();
    setInterval(drillBanner, 15000);
    alertSound();
    return WP.user;
  };

  /* ---- alarm sound (ALM-4) --------------------------------------------------------------- */
  /* A red or orange warning, or a red/orange alarm, rings until acknowledged (the "a" key or the
     bell); the bell mutes it, remembered in this browser. WebAudio tones: no file, no CDN. The
     browser lets a page make sound after its first click or key press (or with an autoplay
     policy set on the duty-room kiosk). */
  const MUTE_KEY = "wp_mute", LOUD = ["red", "orange"];
  WP.alerts = { rung: 0, ringing: false, muted: localStorage.getItem(MUTE_KEY) === "1" };
  let audio = null, ringTimer = null;
  function beep() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (audio.state === "suspended") audio.resume();
      const t = audio.currentTime;
      [[880, 0], [660, 0.25], [880, 0.5], [660, 0.75]].forEach(([f, at]) => {
        const o = audio.createOscillator(), g = audio.createGain();
        o.frequency.value = f; o.type = "square";
        g.gain.setValueAtTime(0.0001, t + at); g.gain.exponentialRampToValueAtTime(0.2, t + at + 0.02);
        g.gain.exponentialRampToValueAtTime(0.0001, t + at + 0.22);
        o.connect(g).connect(audio.destination); o.start(t + at); o.stop(t + at + 0.24);
      });
      WP.alerts.audioState = audio.state;
    } catch (e) { console.warn("no audio", e); }
  }
  WP.alerts.ring = function (why) {
    WP.alerts.rung += 1;
    WP.alerts.last = why;
    document.body.dataset.alarmRung = WP.alerts.rung;
    if (WP.alerts.muted) return;
    WP.alerts.ringing = true;
    bell();
    beep();
    clearInterval(ringTimer);
    let left = 10;  // rings for up to ~15 s unless acknowledged
    ringTimer = setInterval(() => { if (--left <= 0 || !WP.alerts.ringing) WP.alerts.ack(); else beep(); }, 1500);
  };
  WP.alerts.ack = function () { WP.alerts.ringing = false; clearInterval(ringTimer); ringTimer = null; bell(); };
  WP.alerts.toggleMute = function () {
    WP.alerts.muted = !WP.alerts.muted;
    localStorage.setItem(MUTE_KEY, WP.alerts.muted ? "1" : "0");
    if (WP.alerts.muted) WP.alerts.ack();
    bell();
  };
  function bell() {
    const b = document.getElementById("bell");
    if (!b) return;
    b.replaceChildren(WP.icon(WP.alerts.muted ? "mute" : "bell"));
    b.title = WP.t(WP.alerts.muted ? "top.unmute" : "top.mute");
    b.dataset.muted = WP.alerts.muted ? "1" : "0";
    b.classList.toggle("ringing", WP.alerts.ringing);
  }
  function alertSound() {
    const tools = document.querySelector(".topbar .tools");
    tools.prepend(WP.el("button", { class: "linkbtn bell", id: "bell", onclick: () => (WP.alerts.ringing ? WP.alerts.ack() : WP.alerts.toggleMute()) }));
    bell();
    const rungFor = new Set();  // an alarm and the warning it raised ring once
    // This stream is on every page, so it also drives the connection light.
    WP.live({ topics: ["alarm", "warning"], onEvent: (ev) => {
      const d = ev.data || {};
      if (!LOUD.includes(d.level)) return;
      const isNew = (ev.topic === "warning" && ev.action === "raised") || (ev.topic === "alarm" && ev.action === "created");
      const key = ev.topic === "alarm" ? `alarm ${d.id}` : d.alarm_id ? `alarm ${d.alarm_id}` : `warning ${d.id}`;
      if (!isNew || rungFor.has(key)) return;
      rungFor.add(key);
      WP.alerts.ring(key);
    } });
  }

  /* ---- keyboard shortcuts ------------------------------------------------------------------ */
  /* WP.keys.on("v", WP.t("key.verify"), fn): a page registers its own; "?" lists them and "a"
     acknowledges the alarm sound everywhere. Keys typed into a field are the field's. */
  const keymap = new Map();
  WP.keys = {
    on(key, label, fn) { keymap.set(key, { label, fn }); },
    help() {
      const old = document.getElementById("keyhelp");
      if (old) { old.remove(); return; }
      document.body.append(WP.el("div", { class: "keyhelp", id: "keyhelp", onclick: (e) => e.currentTarget.remove() },
        WP.el("div", { class: "panel" }, WP.el("h3", { text: WP.t("key.title") }),
          WP.el("dl", { class: "kv" }, [...keymap].flatMap(([k, v]) => [WP.el("dt", {}, WP.el("kbd", { text: k })),
            WP.el("dd", { text: typeof v.label === "function" ? v.label() : v.label })])))));
    },
  };
  WP.keys.on("a", () => WP.t("key.ack"), () => WP.alerts.ack());
  WP.keys.on("m", () => WP.t("key.mute"), () => WP.alerts.toggleMute());
  WP.keys.on("?", () => WP.t("key.help"), () => WP.keys.help());
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    if (t && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName))) return;
    const k = keymap.get(e.key);
    if (!k) return;
    e.preventDefault();
    k.fn(e);
  });

  /* A banner on every page while a drill runs: what the duty room sees is an exercise (DRL-3). */
  async function drillBanner() {
    let live = [];
    try { live = await WP.api("/api/drills/live", { noRedirect: true }); } catch (e) { return; }
    const old = document.getElementById("drill-banner");
    if (!live.length) { if (old) old.remove(); return; }
    const d = live.find((x) => x.my_role) || live[0];
    const bar = WP.el("div", { class: "drill-banner", id: "drill-banner", "data-drill": d.id },
      WP.el("strong", { text: `${WP.t("drill.banner")} · ${WP.lang === "en" && d.title_en ? d.title_en : d.title}` }),
      d.my_role ? WP.el("span", { text: ` · ${WP.t("drill.banner.role")}: ${WP.t("seat." + d.my_role, d.my_role)}` }) : null,
      WP.el("a", { href: `/console/drill.html?id=${d.id}`, text: WP.t("drill.banner.open") }));
    if (old) old.replaceWith(bar); else document.querySelector("header.topbar").after(bar);
  }
})();
