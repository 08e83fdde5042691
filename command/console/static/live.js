/* The video wall (VID-5, CMD-3): 1 / 4 / 9 / 16 tiles, cameras by group, drag a camera into a tile,
   full-screen a tile, a tour (轮巡) that cycles a group through the wall, and PTZ for the selected
   tile. ?camera=ID opens that camera alone (alarm → live). The layout is remembered. */
(function () {
  "use strict";
  const el = WP.el;
  WP.i18n.add({
    zh: { "live.title": "视频监控", "live.cameras": "摄像机", "live.layout": "画面", "live.tour": "轮巡",
      "live.tour.start": "开始轮巡", "live.tour.pause": "暂停", "live.prev": "上一组", "live.next": "下一组",
      "live.dwell": "停留（秒）", "live.group": "分组", "live.empty": "拖入摄像机", "live.ptz": "云台",
      "live.zoomin": "放大", "live.zoomout": "缩小", "live.playback": "回放", "live.all": "全部" },
    en: { "live.title": "Live video", "live.cameras": "Cameras", "live.layout": "Layout", "live.tour": "Tour",
      "live.tour.start": "Start tour", "live.tour.pause": "Pause", "live.prev": "Previous", "live.next": "Next",
      "live.dwell": "Dwell (s)", "live.group": "Group", "live.empty": "Drop a camera here", "live.ptz": "PTZ",
      "live.zoomin": "Zoom in", "live.zoomout": "Zoom out", "live.playback": "Playback", "live.all": "All" },
  });
  const KEY = "wp_wall";
  let cams = [], n = 4, slots = [], tiles = [], selected = 0, tour = null, tourGroup = "", tourPage = 0;
  let dwell = 10;

  function save() { localStorage.setItem(KEY, JSON.stringify({ n, slots })); }
  function load() { try { const s = JSON.parse(localStorage.getItem(KEY) || "{}"); if (s.n) { n = s.n; slots = s.slots || []; } } catch (e) { /* fresh */ } }
  const camById = (id) => cams.find((c) => c.id === id);
  const groups = () => [...new Set(cams.map((c) => c.group || ""))];

  function setSlot(i, id) { slots[i] = id; save(); renderWall(); }

  function renderWall() {
    for (const t of tiles) if (t.stop) t.stop();
    slots.length = n;
    tiles = [...Array(n).keys()].map((i) => {
      const id = slots[i];
      const cam = id && camById(id);
      // A camera not in the list still gets a tile: it says why (not allowed, not configured).
      const tile = id ? WP.videoTile(id, { label: cam ? cam.name : id }).start() : el("div", { class: "tile empty", text: WP.t("live.empty") });
      tile.dataset.slot = i;
      if (i === selected) tile.classList.add("selected");
      tile.addEventListener("click", () => { selected = i; renderPtz(); for (const t of tiles) t.classList.toggle("selected", t === tile); });
      tile.addEventListener("dragover", (e) => { e.preventDefault(); tile.classList.add("drop"); });
      tile.addEventListener("dragleave", () => tile.classList.remove("drop"));
      tile.addEventListener("drop", (e) => { e.preventDefault(); setSlot(i, e.dataTransfer.getData("text/camera")); });
      return tile;
    });
    document.getElementById("wall").className = `wall n${n}`;
    document.getElementById("wall").replaceChildren(...tiles);
    document.querySelectorAll("button[data-layout]").forEach((b) => b.classList.toggle("primary", Number(b.dataset.layout) === n));
    renderPtz();
  }

  function renderList() {
    const list = document.getElementById("camlist");
    list.replaceChildren(...groups().flatMap((g) => [el("h4", { text: g || "—" }),
      ...cams.filter((c) => (c.group || "") === g).map((c) => el("div", { class: "cam", draggable: "true", "data-camera": c.id, text: c.name,
        ondragstart: (e) => e.dataTransfer.setData("text/camera", c.id),
        onclick: () => { const free = slots.findIndex((s, i) => i < n && !s); setSlot(free >= 0 ? free : selected, c.id); } }))]));
  }

  function renderPtz() {
    const box = document.getElementById("ptz");
    const cam = camById(slots[selected]);
    if (!cam || !cam.ptz) { box.replaceChildren(); return; }
    // One after another: a release's stop sent beside its press's move could reach the camera first and leave
    // it turning. Each waits for the one before to be answered (the service answers once the camera has).
    let queue = Promise.resolve();
    const send = (body) => (queue = queue.then(() =>
      WP.api(`/api/cameras/${encodeURIComponent(cam.id)}/ptz`, { method: "POST", body }).catch(WP.showError)));
    const hold = (label, move) => el("button", { class: "btn", "data-ptz": label, text: label,
      onmousedown: () => send(Object.assign({ action: "move" }, move)), onmouseup: () => send({ action: "stop" }),
      onmouseleave: (e) => { if (e.buttons) send({ action: "stop" }); } });
    box.replaceChildren(el("h3", { text: `${WP.t("live.ptz")} · ${cam.name}` }), el("div", { class: "ptz" },
      el("span"), hold("▲", { tilt: 0.5 }), el("span"),
      hold("◀", { pan: -0.5 }), el("button", { class: "btn", "data-ptz": "stop", text: "■", onclick: () => send({ action: "stop" }) }), hold("▶", { pan: 0.5 }),
      hold("＋", { zoom: 0.5 }), hold("▼", { tilt: -0.5 }), hold("－", { zoom: -0.5 })),
      el("div", { class: "presets", id: "ptz-presets" }));
    WP.api(`/api/cameras/${encodeURIComponent(cam.id)}/ptz/presets`).then((list) => {
      const holder = document.getElementById("ptz-presets");
      if (holder) holder.replaceChildren(...list.map((p) => el("button", { class: "btn", "data-preset": p.token, text: p.name,
        onclick: () => send({ action: "preset", preset: p.token }) })));
    }).catch(() => { /* a camera without presets still moves */ });
  }

  function tourStep(delta) {
    const members = cams.filter((c) => !tourGroup || (c.group || "") === tourGroup).map((c) => c.id);
    if (!members.length) return;
    const pages = Math.ceil(members.length / n);
    tourPage = ((tourPage + delta) % pages + pages) % pages;
    slots = [...Array(n).keys()].map((i) => members[tourPage * n + i] || null);
    document.getElementById("tour-page").textContent = `${tourPage + 1}/${pages}`;
    save();
    renderWall();
  }

  function controls() {
    const groupSel = el("select", { id: "tour-group", onchange: (e) => { tourGroup = e.target.value; tourPage = 0; } },
      el("option", { value: "", text: WP.t("live.all") }), groups().map((g) => el("option", { value: g, text: g || "—" })));
    const dwellIn = el("input", { id: "tour-dwell", type: "number", min: 2, value: dwell, style: "width:4rem",
      onchange: (e) => { dwell = Math.max(2, Number(e.target.value) || 10); } });
    const toggle = el("button", { class: "btn", id: "tour-toggle", text: WP.t("live.tour.start"), onclick: () => {
      if (tour) { clearInterval(tour); tour = null; toggle.textContent = WP.t("live.tour.start"); return; }
      tourStep(0);
      tour = setInterval(() => tourStep(1), dwell * 1000);
      toggle.textContent = WP.t("live.tour.pause");
    } });
    return el("div", { class: "row" },
      el("span", { text: WP.t("live.layout") }),
      [1, 4, 9, 16].map((k) => el("button", { class: "btn", "data-layout": k, text: String(k), onclick: () => { n = k; save(); renderWall(); } })),
      el("span", { text: ` ${WP.t("live.tour")} ${WP.t("live.group")}` }), groupSel,
      el("span", { text: WP.t("live.dwell") }), dwellIn, toggle,
      el("button", { class: "btn", id: "tour-prev", text: WP.t("live.prev"), onclick: () => tourStep(-1) }),
      el("button", { class: "btn", id: "tour-next", text: WP.t("live.next"), onclick: () => tourStep(1) }),
      el("span", { id: "tour-page", class: "muted" }),
      el("a", { href: "playback.html", text: WP.t("live.playback") }));
  }

  WP.boot().then(async () => {
    load();
    cams = await WP.api("/api/live/cameras");
    dwell = (WP.meta && WP.meta.tour_dwell_s) || dwell;
    const only = WP.param("camera");
    if (only) { n = 1; slots = [only]; }
    else if (!slots.length) slots = cams.slice(0, n).map((c) => c.id);
    document.getElementById("content").replaceChildren(el("div", { class: "row" },
      el("section", { class: "panel", style: "width:220px" }, el("h2", { text: WP.t("live.cameras") }), el("div", { class: "camlist", id: "camlist" }),
        el("div", { id: "ptz" })),
      el("section", { class: "panel grow" }, el("h2", { text: WP.t("live.title") }), controls(), el("div", { id: "wall", class: "wall" }))));
    renderList();
    renderWall();
    // An alarm on a camera on the wall outlines its tile for a while (the list has the details).
    WP.live({ topics: ["alarm"], onEvent: (ev) => {
      const cam = ((ev.data && ev.data.camera_id) || "").split(".drill")[0];
      const tile = tiles.find((x) => x.dataset && x.dataset.camera === cam);
      if (ev.action !== "created" || !tile) return;
      tile.classList.add("alarmed");
      tile.dataset.alarm = ev.data.id;
      setTimeout(() => tile.classList.remove("alarmed"), 30000);
    } });
  }).catch(WP.showError);
})();
