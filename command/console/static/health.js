/* System health (issue #26, NFR-10): the workers and their cameras (fps in/analysed, decode errors,
   detection latency), spool and queue depths, the comms outbox, this service process and its fellow
   replicas (heartbeat age, which runs the background loops), the media root, and the open alarms the
   service raised about itself. From GET /api/system/health, refreshed every
   10 s and whenever a system alarm arrives over the WebSocket. */
(function () {
  "use strict";
  const el = WP.el;
  WP.i18n.add({
    zh: {
      "health.title": "系统状态", "health.updated": "更新于", "health.service": "指挥服务",
      "health.sessions": "控制台连接", "health.db": "数据库延迟", "health.cpu": "CPU", "health.rss": "内存",
      "health.loops": "后台任务", "health.media": "媒体存储", "health.quota": "配额", "health.free": "磁盘剩余",
      "health.outbox": "待发消息", "health.oldest": "最久待发", "health.rate": "发送速率",
      "health.workers": "视频分析节点", "health.no_workers": "尚无节点上报心跳", "health.seen": "心跳",
      "health.silent": "失联", "health.spool": "待发告警", "health.dead": "被拒", "health.queue": "检测队列",
      "health.camera": "摄像机", "health.online": "在线", "health.offline": "离线", "health.fps_in": "接收帧率",
      "health.fps_an": "分析帧率", "health.fps_cfg": "配置帧率", "health.errors": "解码错误",
      "health.latency": "检测耗时", "health.starved": "帧率不足", "health.ok": "正常",
      "health.alarms": "系统告警", "health.no_alarms": "无未关闭的系统告警", "health.seconds_ago": "秒前",
      "health.last": "最近出现", "health.replicas": "指挥服务进程", "health.address": "地址",
      "health.leader": "运行后台任务", "health.this": "本页所连",
    },
    en: {
      "health.title": "System health", "health.updated": "updated", "health.service": "Command service",
      "health.sessions": "Console sessions", "health.db": "DB latency", "health.cpu": "CPU", "health.rss": "Memory",
      "health.loops": "Background loops", "health.media": "Media storage", "health.quota": "quota", "health.free": "Disk free",
      "health.outbox": "Outbox pending", "health.oldest": "Oldest pending", "health.rate": "Send rate",
      "health.workers": "Vision workers", "health.no_workers": "No worker has sent a heartbeat yet", "health.seen": "heartbeat",
      "health.silent": "silent", "health.spool": "spool", "health.dead": "refused", "health.queue": "detect queue",
      "health.camera": "Camera", "health.online": "online", "health.offline": "offline", "health.fps_in": "fps in",
      "health.fps_an": "fps analysed", "health.fps_cfg": "fps set", "health.errors": "decode errors",
      "health.latency": "detect time", "health.starved": "starved", "health.ok": "ok",
      "health.alarms": "System alarms", "health.no_alarms": "No open system alarms", "health.seconds_ago": "s ago",
      "health.last": "Last seen", "health.replicas": "Service processes", "health.address": "Address",
      "health.leader": "runs the background loops", "health.this": "serving this page",
    },
  });

  let data = null;

  function bytes(n) {
    if (n === null || n === undefined) return "—";
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
  }
  const num = (v, d) => (v === null || v === undefined ? "—" : Number(v).toFixed(d === undefined ? 1 : d));
  const ms = (s) => (s === null || s === undefined ? "—" : `${(s * 1000).toFixed(1)} ms`);

  function tile(key, value, bad, id) {
    return el("div", { class: "hl-tile" + (bad ? " bad" : ""), id },
      el("div", { class: "k", text: WP.t(key) }), el("div", { class: "v", text: value }));
  }

  function overview(d) {
    const m = d.media, o = d.outbox, s = d.service, lim = d.limits;
    const share = m.quota_bytes ? m.used_bytes / m.quota_bytes : 0;
    return el("section", { class: "panel", id: "health-service" },
      el("h2", {}, WP.t("health.service"), el("span", { class: "hl-updated", id: "health-updated",
        text: `${WP.t("health.updated")} ${WP.fmtTime(d.at)}` })),
      el("div", { class: "hl-tiles" },
        tile("health.sessions", String(s.websocket_sessions), false, "tile-sessions"),
        tile("health.db", ms(s.db_ping_s), false, "tile-db"),
        tile("health.cpu", `${num(s.cpu_percent)} %`, false, "tile-cpu"),
        tile("health.rss", bytes(s.rss_bytes), false, "tile-rss"),
        tile("health.loops", String(s.background_loops), false, "tile-loops"),
        tile("health.media", `${bytes(m.used_bytes)} / ${bytes(m.quota_bytes)}`, share > lim.disk_share, "tile-media"),
        tile("health.free", bytes(m.free_bytes), false, "tile-free"),
        tile("health.outbox", String(o.backlog), o.backlog > lim.outbox_backlog, "tile-outbox"),
        tile("health.oldest", o.oldest_pending_s === null ? "—" : `${num(o.oldest_pending_s, 0)} s`,
          o.oldest_pending_s !== null && o.oldest_pending_s > lim.outbox_oldest_s, "tile-oldest"),
        tile("health.rate", `${num(o.send_rate * 60, 1)} /min`, false, "tile-rate")));
  }

  function cameraRow(c) {
    const state = !c.online ? "offline" : c.starved ? "starved" : "ok";
    return el("tr", { id: `cam-${c.camera_id}`, "data-state": state },
      el("td", {}, c.camera_id, c.name ? el("span", { class: "muted", text: " " + c.name }) : null,
        c.drill ? [" ", el("span", { class: "badge exercise", text: WP.t("exercise") })] : null),
      el("td", { class: state === "ok" ? "ok" : "bad", text: WP.t(`health.${state === "ok" ? "ok" : state}`) }),
      el("td", { class: "num", text: num(c.fps_in) }),
      el("td", { class: "num" + (c.starved ? " bad" : ""), text: num(c.fps_analysed, 2) }),
      el("td", { class: "num", text: num(c.detect_fps) }),
      el("td", { class: "num", text: String(c.decode_errors || 0) }),
      el("td", { class: "num", text: ms(c.detect_latency_s) }));
  }

  function worker(w) {
    return el("div", { class: "hl-worker", id: `worker-${w.worker_id}` },
      el("h3", {}, w.worker_id,
        el("span", { class: w.silent ? "bad" : "muted", text: w.silent ? `${WP.t("health.silent")} · ${num(w.age_s, 0)} ${WP.t("health.seconds_ago")}`
          : `${WP.t("health.seen")} ${num(w.age_s, 0)} ${WP.t("health.seconds_ago")}` }),
        el("span", { class: "muted", text: `${WP.t("health.spool")} ${w.spool_depth} · ${WP.t("health.dead")} ${w.spool_dead} · ${WP.t("health.queue")} ${w.queue_depth}` }),
        el("span", { class: "muted", text: `CPU ${num(w.cpu_percent)} % · ${bytes(w.rss_bytes)}` })),
      el("div", { class: "hl-scroll" }, el("table", { class: "grid" },
        el("thead", {}, el("tr", {}, ["health.camera", "col.status", "health.fps_in", "health.fps_an", "health.fps_cfg",
          "health.errors", "health.latency"].map((k) => el("th", { text: WP.t(k) })))),
        el("tbody", {}, w.cameras.map(cameraRow)))));
  }

  function replicas(list, lim) {
    return el("section", { class: "panel", id: "health-replicas" },
      el("h2", { text: WP.t("health.replicas") }),
      el("div", { class: "hl-scroll" }, el("table", { class: "grid" },
        el("thead", {}, el("tr", {}, ["health.address", "PID", "col.status", "health.seen"]
          .map((k) => el("th", { text: k === "PID" ? k : WP.t(k) })))),
        el("tbody", {}, list.map((r) => el("tr", { id: `replica-${r.replica_id}`, "data-state": r.silent ? "silent" : "ok" },
          el("td", {}, r.address,
            r.leader ? el("span", { class: "muted", text: ` · ${WP.t("health.leader")}` }) : null,
            r.this ? el("span", { class: "muted", text: ` · ${WP.t("health.this")}` }) : null),
          el("td", { class: "num", text: String(r.pid) }),
          el("td", { class: r.silent ? "bad" : "ok", text: WP.t(r.silent ? "health.silent" : "health.ok") }),
          el("td", { class: "num" + (r.age_s > lim.replica_silent_s ? " bad" : ""),
            text: `${num(r.age_s, 0)} ${WP.t("health.seconds_ago")}` })))))));
  }

  function alarms(list) {
    return el("section", { class: "panel", id: "health-alarms" },
      el("h2", { text: WP.t("health.alarms") }),
      list.length ? el("div", { class: "hl-scroll" }, el("table", { class: "grid" },
        el("thead", {}, el("tr", {}, ["col.level", "col.id", "col.type", "col.title", "col.occ", "health.last"]
          .map((k) => el("th", { text: WP.t(k) })))),
        el("tbody", {}, list.map((a) => el("tr", { id: `sysalarm-${a.id}`, class: `lvl-${a.level}` },
          el("td", {}, WP.levelBadge(a.level)),
          el("td", { class: "num" }, el("a", { href: `alarm.html?id=${a.id}`, text: "#" + a.id })),
          el("td", { text: a.type }),
          el("td", {}, a.title, el("div", { class: "muted", text: a.description })),
          el("td", { class: "num", text: String(a.occurrences) }),
          el("td", { class: "num", text: WP.fmtTime(a.last_seen_at) }))))))
        : el("div", { class: "empty", text: WP.t("health.no_alarms") }));
  }

  function render() {
    if (!data) return;
    document.getElementById("content").replaceChildren(
      overview(data),
      el("section", { class: "panel", id: "health-workers" }, el("h2", { text: WP.t("health.workers") }),
        data.workers.length ? data.workers.map(worker) : el("div", { class: "empty", text: WP.t("health.no_workers") })),
      replicas(data.replicas || [], data.limits),
      alarms(data.alarms));
  }

  async function load() {
    data = await WP.api("/api/system/health");
    render();
  }

  WP.boot().then(() => {
    load().catch(WP.showError);
    setInterval(() => load().catch(WP.showError), 10000);
    WP.live({
      topics: ["alarm"],
      onEvent: (ev) => { if (ev.data && ev.data.source === "system") load().catch(WP.showError); },
    });
    document.addEventListener("wp:lang", render);
  }).catch(WP.showError);
})();
