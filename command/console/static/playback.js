/* Playback (VID-5 录像回放): a camera and a time range, its recorded segments on a timeline with
   the camera's alarms marked; click the timeline to seek, 1×/2×/4×, jump to an alarm's time, and
   download the range as one MP4. ?camera=ID&at=ISO opens an alarm's moment (from the alarm page).
   Segments play one after another through /api/media, so seeking is the browser's own.
   A GB/T 28181 camera also lists the recordings its own device (card, NVR) keeps for the range, asked
   through the vision worker its device registered to (/api/cameras/ID/device-records; at most 24 h); ▶ plays
   one in a live tile (/api/cameras/ID/device-playback, then a WebRTC call-up of that session). Pausing, and
   dragging the position slider, ask the device to play again from that point (a new session): the device's
   own pause and seek (MANSRTSP) would stall or rewind the live path the tile rides on (docs/gb28181.md). */
(function () {
  "use strict";
  const el = WP.el;
  WP.i18n.add({
    zh: { "pb.title": "录像回放", "pb.camera": "摄像机", "pb.from": "开始", "pb.to": "结束", "pb.query": "查询",
      "pb.speed": "倍速", "pb.download": "下载该时段", "pb.jump": "跳到报警时刻", "pb.none": "该时段无录像",
      "pb.alarms": "该时段报警", "pb.segments": "录像段", "pb.evidence": "证据（已锁定）", "pb.live": "实时",
      "pb.device": "设备录像（摄像机/NVR 本地）", "pb.device.asking": "正在查询设备…", "pb.device.none": "设备在该时段无录像",
      "pb.device.span": "设备录像一次最多查询 24 小时", "pb.device.note": "点 ▶ 播放；暂停或拖动后从该时刻重新请设备回放",
      "pb.device.pause": "暂停", "pb.device.resume": "继续", "pb.device.at": "播放位置",
      "pb.device.play": "播放设备录像", "pb.device.starting": "正在请设备回放…" },
    en: { "pb.title": "Playback", "pb.camera": "Camera", "pb.from": "From", "pb.to": "To", "pb.query": "Search",
      "pb.speed": "Speed", "pb.download": "Download this range", "pb.jump": "Jump to the alarm", "pb.none": "Nothing recorded in this range",
      "pb.alarms": "Alarms in range", "pb.segments": "segments", "pb.evidence": "evidence (pinned)", "pb.live": "Live",
      "pb.device": "Recordings on the device (camera / NVR)", "pb.device.asking": "Asking the device…", "pb.device.none": "The device holds nothing in this range",
      "pb.device.span": "A device's recordings are listed at most 24 h at a time", "pb.device.note": "▶ plays one; after a pause or a drag the device plays again from that point",
      "pb.device.pause": "Pause", "pb.device.resume": "Resume", "pb.device.at": "Position",
      "pb.device.play": "Play the device's recording", "pb.device.starting": "Asking the device to play it…" },
  });
  const PRE_ROLL_MS = 5000;  // an alarm is easier to judge from a few seconds before it
  let cams = [], segs = [], alarms = [], cur = -1, speed = 1, from = 0, to = 0;
  // A hand-typed "+08:00" arrives as a space when not URL-encoded.
  const atParam = (WP.param("at") || "").replace(" ", "+");
  const at = atParam && !isNaN(Date.parse(atParam)) ? Date.parse(atParam) : null;
  const video = el("video", { id: "pb-video", controls: true, muted: true, playsinline: true, class: "pb-video" });
  video.muted = true;  // the attribute alone does not mute an element made by script; autoplay needs muted
  const timeline = el("div", { class: "timeline", id: "timeline" });
  const head = el("div", { class: "playhead", id: "playhead" });
  const clock = el("span", { class: "num", id: "play-time" });

  const local = (ms) => { const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60000); return d.toISOString().slice(0, 19); };
  const t = (s) => Date.parse(s);
  const camera = () => document.getElementById("pb-camera").value;

  async function query() {
    WP.showError(null);
    from = Date.parse(document.getElementById("pb-from").value);
    to = Date.parse(document.getElementById("pb-to").value);
    if (!(to > from)) { WP.showError(new Error(`${WP.t("pb.to")} > ${WP.t("pb.from")}`)); return; }
    const q = (o) => new URLSearchParams(o).toString();
    const range = { start: new Date(from).toISOString(), end: new Date(to).toISOString() };
    [segs, alarms] = await Promise.all([
      WP.api(`/api/recordings?${q({ camera: camera(), ...range, limit: 5000 })}`),
      WP.api(`/api/alarms?${q({ camera_id: camera(), since: range.start, until: range.end, limit: 200 })}`).catch(() => []),
    ]);
    cur = -1;
    stopDevicePlay();
    video.removeAttribute("src");
    document.getElementById("pb-download").href = `/api/recordings/export?${q({ camera: camera(), ...range })}`;
    draw();
    deviceRecords(camera(), range);  // not awaited: a slow device must not hold up Watchpost's own recordings
  }

  /* The recordings a GB camera's own device keeps (asked through its worker: seconds, or a 504 with why). */
  const DEVICE_SPAN_MS = 24 * 3600 * 1000;
  let deviceAsk = 0;
  async function deviceRecords(cam, range) {
    const box = document.getElementById("pb-device"), list = document.getElementById("pb-device-list");
    const status = document.getElementById("pb-device-status");
    const c = cams.find((x) => x.id === cam);
    box.hidden = !(c && c.gb28181);
    list.replaceChildren();
    if (box.hidden) return;
    if (to - from > DEVICE_SPAN_MS) { status.textContent = WP.t("pb.device.span"); return; }
    const mine = ++deviceAsk;  // a newer search supersedes this one's answer
    status.textContent = WP.t("pb.device.asking");
    let got;
    try {
      got = await WP.api(`/api/cameras/${encodeURIComponent(cam)}/device-records?${new URLSearchParams(range)}`);
    } catch (e) {
      if (mine === deviceAsk) status.textContent = e.message;
      return;
    }
    if (mine !== deviceAsk) return;
    status.textContent = got.records.length ? `${got.records.length} · ${WP.t("pb.device.note")}` : WP.t("pb.device.none");
    list.replaceChildren(...got.records.map((r) => el("li", { "data-device-record": r.name || r.start },
      el("button", { class: "linkbtn", "data-device-play": r.name || r.start, title: WP.t("pb.device.play"), text: "▶",
        onclick: () => devicePlay(cam, r).catch((e) => { status.textContent = e.message; }) }), " ",
      `${WP.fmtTime(r.start)} – ${WP.fmtTime(r.end)}`, " ",
      el("span", { class: "muted", text: [r.type, r.name || r.file_path, r.file_size != null ? `${(r.file_size / 1048576).toFixed(1)} MB` : ""]
        .filter(Boolean).join(" · ") }))));
  }

  /* Play a device's recording in a live tile where the page's player is (the device streams it to its worker;
     the service shows it as it shows a live camera). A new one, or a new search, ends the one before. */
  let deviceTile = null;
  // What plays from the device: the record, the offset (s) its session started at, when it started, paused.
  let devicePos = null;
  const deviceCtl = el("div", { class: "row pb-device-ctl", id: "pb-device-ctl", hidden: true });
  function stopDevicePlay(keepControls) {
    if (deviceTile) { deviceTile.stop(); deviceTile.remove(); deviceTile = null; }
    if (!keepControls) { devicePos = null; deviceCtl.hidden = true; video.hidden = false; }
  }
  const recordSpan = (r) => Math.max(1, Math.round((Date.parse(r.end) - Date.parse(r.start)) / 1000));
  function deviceAt() {  // seconds into the record now: counted on from where the session started
    const p = devicePos;
    return p.paused ? p.offset : Math.min(recordSpan(p.r), p.offset + (Date.now() - p.startedAt) / 1000);
  }
  function drawDeviceCtl() {
    const p = devicePos;
    if (!p) return;
    const span = recordSpan(p.r), now = Math.round(deviceAt());
    const slider = el("input", { type: "range", id: "pb-device-seek", min: 0, max: span, step: 1, value: now,
      title: WP.t("pb.device.at"), onchange: (e) => devicePlay(p.cam, p.r, Number(e.target.value)).catch(deviceErr) });
    deviceCtl.replaceChildren(
      p.paused ? el("button", { class: "btn", id: "pb-device-resume", text: `▶ ${WP.t("pb.device.resume")}`,
        onclick: () => devicePlay(p.cam, p.r, p.offset).catch(deviceErr) })
        : el("button", { class: "btn", id: "pb-device-pause", text: `⏸ ${WP.t("pb.device.pause")}`, onclick: pauseDevice }),
      slider, el("span", { class: "num", id: "pb-device-at", text: WP.fmtTime(new Date(Date.parse(p.r.start) + now * 1000).toISOString()) }));
    deviceCtl.hidden = false;
  }
  function pauseDevice() {
    const p = devicePos;
    if (!p || p.paused) return;
    p.offset = Math.round(deviceAt());
    p.paused = true;
    stopDevicePlay(true);  // the device's session ends; resuming asks for the rest from here
    drawDeviceCtl();
  }
  const deviceErr = (e) => { document.getElementById("pb-device-status").textContent = e.message; };
  setInterval(() => {  // the position moves on while it plays (not while the officer drags the slider)
    if (devicePos && !devicePos.paused && document.activeElement !== document.getElementById("pb-device-seek")) drawDeviceCtl();
  }, 1000);
  async function devicePlay(cam, r, offset = 0) {
    stopDevicePlay();
    const status = document.getElementById("pb-device-status");
    status.textContent = WP.t("pb.device.starting");
    const start = new Date(Date.parse(r.start) + offset * 1000).toISOString();
    const got = await WP.api(`/api/cameras/${encodeURIComponent(cam)}/device-playback`, { method: "POST",
      body: { start, end: r.end } });
    status.textContent = `${WP.fmtTime(r.start)} – ${WP.fmtTime(r.end)} · ${WP.t("pb.device.note")}`;
    video.pause();
    video.hidden = true;
    deviceTile = WP.videoTile(cam, { label: `${cam} · ${WP.fmtTime(start)}`, playback: got.session });
    deviceTile.id = "pb-device-player";
    video.after(deviceTile);
    deviceCtl.remove();
    deviceTile.after(deviceCtl);
    devicePos = { cam, r, offset, startedAt: Date.now(), paused: false };
    drawDeviceCtl();
    deviceTile.start();
  }

  const pct = (ms) => `${Math.max(0, Math.min(100, ((ms - from) / (to - from)) * 100))}%`;
  function draw() {
    timeline.replaceChildren(
      ...segs.map((s, i) => el("div", { class: `seg${s.category === "evidence" ? " evidence" : ""}`, "data-seg": i,
        title: `${WP.fmtTime(s.start)} – ${WP.fmtTime(s.end)}${s.category === "evidence" ? " · " + WP.t("pb.evidence") : ""}`,
        style: `left:${pct(t(s.start))};width:calc(${pct(t(s.end))} - ${pct(t(s.start))} + 2px)` })),
      ...alarms.map((a) => el("div", { class: `mark lvl-${a.level}`, "data-alarm": a.id, title: `#${a.id} ${a.title || a.type} ${WP.fmtTime(a.occurred_at)}`,
        style: `left:${pct(t(a.occurred_at))}`, onclick: (e) => { e.stopPropagation(); seek(t(a.occurred_at) - PRE_ROLL_MS); } })),
      head);
    document.getElementById("pb-summary").textContent = segs.length ? `${segs.length} ${WP.t("pb.segments")}` : WP.t("pb.none");
    document.getElementById("pb-alarms").replaceChildren(...alarms.map((a) => el("li", {},
      WP.levelBadge(a.level), " ", el("button", { class: "linkbtn", "data-jump": a.id, text: `${WP.fmtTime(a.occurred_at)} ${a.title || a.type}`,
        onclick: () => seek(t(a.occurred_at) - PRE_ROLL_MS) }))));
  }

  /* Play from wall-clock time ms: the segment holding it, or the next one after a gap. */
  function seek(ms) {
    let i = segs.findIndex((s) => t(s.start) <= ms && ms <= t(s.end));
    if (i < 0) i = segs.findIndex((s) => t(s.start) > ms);
    if (i < 0) { WP.showError(new Error(WP.t("pb.none"))); return; }
    play(i, Math.max(0, (ms - t(segs[i].start)) / 1000));
  }
  function play(i, offsetS) {
    const go = () => { video.currentTime = offsetS; video.playbackRate = speed; video.play().catch(() => { /* paused by the user */ }); };
    if (cur === i && video.readyState >= 1) { go(); return; }
    cur = i;
    video.src = WP.mediaUrl(segs[i].uri);
    video.addEventListener("loadedmetadata", go, { once: true });
  }
  video.addEventListener("ended", () => { if (cur >= 0 && cur + 1 < segs.length) play(cur + 1, 0); });
  video.addEventListener("timeupdate", () => {
    if (cur < 0) return;
    const now = t(segs[cur].start) + video.currentTime * 1000;
    head.style.left = pct(now);
    clock.textContent = WP.fmtTime(new Date(now).toISOString());
    clock.dataset.at = new Date(now).toISOString();
  });
  timeline.addEventListener("click", (e) => {
    const r = timeline.getBoundingClientRect();
    seek(from + ((e.clientX - r.left) / r.width) * (to - from));
  });

  function setSpeed(k) {
    speed = k;
    video.defaultPlaybackRate = k;
    video.playbackRate = k;
    document.querySelectorAll("button[data-speed]").forEach((b) => b.classList.toggle("primary", Number(b.dataset.speed) === k));
  }

  WP.boot().then(async () => {
    cams = await WP.api("/api/live/cameras");
    const want = WP.param("camera") || (cams[0] && cams[0].id) || "";
    const center = at || Date.now() - 15 * 60000;
    document.getElementById("content").replaceChildren(el("section", { class: "panel" },
      el("h2", { text: WP.t("pb.title") }),
      el("div", { class: "row pb-controls" },
        el("label", {}, WP.t("pb.camera"), " ", el("select", { id: "pb-camera" },
          cams.map((c) => el("option", { value: c.id, text: c.name, selected: c.id === want })),
          want && !cams.some((c) => c.id === want) ? el("option", { value: want, text: want, selected: true }) : null)),
        el("label", {}, WP.t("pb.from"), " ", el("input", { id: "pb-from", type: "datetime-local", step: 1, value: local(center - 15 * 60000) })),
        el("label", {}, WP.t("pb.to"), " ", el("input", { id: "pb-to", type: "datetime-local", step: 1, value: local(center + 15 * 60000) })),
        el("button", { class: "btn primary", id: "pb-query", text: WP.t("pb.query"), onclick: () => query().catch(WP.showError) }),
        el("span", { text: WP.t("pb.speed") }),
        [1, 2, 4].map((k) => el("button", { class: "btn", "data-speed": k, text: `${k}×`, onclick: () => setSpeed(k) })),
        at ? el("button", { class: "btn", id: "pb-jump", text: WP.t("pb.jump"), onclick: () => seek(at - PRE_ROLL_MS) }) : null,
        el("a", { class: "btn", id: "pb-download", download: "", text: WP.t("pb.download") }),
        el("a", { href: `live.html?camera=${encodeURIComponent(want)}`, text: WP.t("pb.live") })),
      el("div", { class: "muted", id: "pb-summary" }),
      timeline, el("div", {}, clock), video,
      el("h3", { text: WP.t("pb.alarms") }), el("ul", { id: "pb-alarms", class: "plain" }),
      el("div", { id: "pb-device", class: "pb-device", hidden: true },
        el("h3", { "data-i18n": "pb.device", text: WP.t("pb.device") }), el("div", { class: "muted", id: "pb-device-status" }),
        el("ul", { id: "pb-device-list", class: "plain" }))));
    setSpeed(1);
    await query();
    if (at) seek(at - PRE_ROLL_MS);
    WP.keys.on("1", () => "1×", () => setSpeed(1));
    WP.keys.on("2", () => "2×", () => setSpeed(2));
    WP.keys.on("4", () => "4×", () => setSpeed(4));
  }).catch(WP.showError);
})();
