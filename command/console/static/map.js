/* Situation map for the duty room's large screen (RES-4, CMD-3, DSS-2; issue #24).

   The park's site plan (GeoJSON from GET /api/map/layers, no tile server) drawn with Leaflet
   (vendor/leaflet, served locally), with hazard sources, cameras and their status, resources by
   kind, personnel positions, open incidents with their tasks and unhandled alarms: each a layer
   that switches on and off, each thing a click card. With ?incident=N it also shows the nearest
   resources with their road routes, the cameras around the incident (one click to live video) and
   the people inside a radius (?radius=M, default 300 m), listed in a side panel.

   Live: incident, alarm and task events from the push stream (WP.live) refresh the affected
   layers without a reload. The personnel-location system has no push topic, so positions (and
   the cameras' live status) are polled every POLL_MS (10 s, or ?poll=S). Vector styles live in map.css (classes
   only: the CSP allows no inline style attributes).

   Decision support (DSS-2, DRL-5; issue #25): with ?simulation=S, or with ?incident=N the incident's
   latest model run, the run's zones are a switchable layer (evacuate red, shelter orange, warn
   yellow; each zone's card counts the people, enterprises, residents' areas, cameras, sensors and
   resources inside), and the response draft made from it adds its evacuation routes (dashed, to
   the assembly points) as another; both follow the push topic "dss". */
(function () {
  "use strict";
  const el = WP.el;
  WP.i18n.add({
    zh: {
      "map.layer.areas": "厂区平面", "map.layer.hazards": "危险源", "map.layer.cameras": "摄像头",
      "map.layer.people": "人员位置", "map.layer.incidents": "事件与任务", "map.layer.alarms": "待核实警情",
      "map.layer.focus": "事件周边", "map.layer.res": "资源",
      "map.layer.footprint": "模拟影响区", "map.layer.evac": "疏散路线", "map.fp.title": "后果模拟",
      "map.fp.level.evacuate": "疏散", "map.fp.level.shelter": "就地避险", "map.fp.level.warn": "预警",
      "map.fp.people": "人员", "map.fp.enterprises": "企业", "map.fp.residential": "居民区", "map.fp.cameras": "摄像头",
      "map.fp.sensors": "传感器", "map.fp.resources": "资源", "map.fp.threshold": "阈值", "map.fp.unreached": "未达到",
      "map.fp.zones": "模拟影响区", "map.fp.release": "泄漏点", "map.fp.assembly": "集结点", "map.fp.route": "疏散路线",
      "map.fp.draft": "处置方案", "map.fp.open": "事件页（模拟与方案）", "map.fp.at": "计算",
      "status.approved": "已批准", "status.sent": "已发布", "status.discarded": "已作废",
      "map.kind.team": "救援队伍", "map.kind.vehicle": "车辆", "map.kind.material": "物资", "map.kind.expert": "专家",
      "map.kind.medical_point": "医疗点", "map.kind.shelter": "避难场所",
      "map.area.boundary": "园区边界", "map.area.major_hazard": "重大危险源", "map.area.warehouse": "仓库",
      "map.area.control_room": "中控室", "map.area.resource_depot": "应急物资库", "map.area.fire_station": "消防站",
      "map.area.gate": "出入口",
      "map.cam.online": "在线", "map.cam.offline": "离线", "map.cam.idle": "待机", "map.cam.disabled": "已停用",
      "map.cam.restricted": "无权查看", "map.live": "▶ 实时视频", "map.playback": "录像回放",
      "map.fit": "全图", "map.fit.key": "地图：全图", "map.near": "最近资源（按道路）", "map.cams": "周边摄像头",
      "map.people": "范围内人员", "map.radius": "半径", "map.tasks": "任务", "map.tasks.none": "尚无任务",
      "map.none": "无", "map.noloc": "该事件没有位置（经纬度），无法在地图上定位。", "map.noroads": "未配置道路网",
      "map.distance": "距离", "map.road": "道路距离", "map.status": "状态", "map.kind": "类型", "map.site": "区域",
      "map.qty": "数量", "map.contact": "联系人", "map.floor": "楼层", "map.at": "定位时间", "map.substances": "物质",
      "map.open.incident": "事件详情", "map.open.plans": "预案与任务", "map.open.focus": "在地图上聚焦",
      "map.open.alarm": "警情详情", "map.all": "返回全园区", "map.panel": "事件面板", "map.type": "类别",
      // Statuses of resources and plan tasks shown on the map's cards (same words as resources.js).
      "status.available": "可用", "status.reserved": "已预留", "status.dispatched": "已出动", "status.unavailable": "不可用",
      "status.maintenance": "维护中", "status.accepted": "已接收", "status.in_progress": "处置中", "status.blocked": "受阻",
      "status.pending": "待处理",  // a plan task not yet taken up (the drill pages' 进行中 reads wrong here)
    },
    en: {
      "map.layer.areas": "Site plan", "map.layer.hazards": "Hazard sources", "map.layer.cameras": "Cameras",
      "map.layer.people": "People", "map.layer.incidents": "Incidents & tasks", "map.layer.alarms": "Unverified alarms",
      "map.layer.focus": "Around the incident", "map.layer.res": "Resources",
      "map.layer.footprint": "Model footprint", "map.layer.evac": "Evacuation routes", "map.fp.title": "Consequence model",
      "map.fp.level.evacuate": "evacuate", "map.fp.level.shelter": "shelter", "map.fp.level.warn": "warn",
      "map.fp.people": "people", "map.fp.enterprises": "enterprises", "map.fp.residential": "residential",
      "map.fp.cameras": "cameras", "map.fp.sensors": "sensors", "map.fp.resources": "resources", "map.fp.threshold": "threshold",
      "map.fp.unreached": "not reached", "map.fp.zones": "Model footprint", "map.fp.release": "release point",
      "map.fp.assembly": "assembly point", "map.fp.route": "evacuation route", "map.fp.draft": "response plan", "map.fp.at": "run",
      "map.fp.open": "Incident page (models and plan)",
      "status.approved": "approved", "status.sent": "sent", "status.discarded": "discarded",
      "map.kind.team": "teams", "map.kind.vehicle": "vehicles", "map.kind.material": "materials", "map.kind.expert": "experts",
      "map.kind.medical_point": "medical points", "map.kind.shelter": "shelters",
      "map.area.boundary": "Park boundary", "map.area.major_hazard": "Major hazard", "map.area.warehouse": "Warehouse",
      "map.area.control_room": "Control room", "map.area.resource_depot": "Resource depot", "map.area.fire_station": "Fire station",
      "map.area.gate": "Gate",
      "map.cam.online": "online", "map.cam.offline": "offline", "map.cam.idle": "standby", "map.cam.disabled": "disabled",
      "map.cam.restricted": "not permitted", "map.live": "▶ Live video", "map.playback": "Playback",
      "map.fit": "Whole park", "map.fit.key": "map: whole park", "map.near": "Nearest resources (by road)",
      "map.cams": "Cameras around", "map.people": "People within", "map.radius": "radius", "map.tasks": "Tasks",
      "map.tasks.none": "no tasks yet", "map.none": "none",
      "map.noloc": "This incident has no location (lon/lat); it cannot be placed on the map.",
      "map.noroads": "no road graph configured", "map.distance": "distance", "map.road": "by road",
      "map.status": "status", "map.kind": "kind", "map.site": "site", "map.qty": "quantity", "map.contact": "contact",
      "map.floor": "floor", "map.at": "position at", "map.substances": "substances",
      "map.open.incident": "Incident page", "map.open.plans": "Plans & tasks", "map.open.focus": "Focus on the map",
      "map.open.alarm": "Alarm page", "map.all": "Whole park", "map.panel": "Incident panel", "map.type": "type",
      "status.available": "available", "status.reserved": "reserved", "status.dispatched": "dispatched",
      "status.unavailable": "unavailable", "status.maintenance": "maintenance", "status.accepted": "accepted",
      "status.in_progress": "in progress", "status.blocked": "blocked",
    },
  });

  const incidentId = Number(WP.param("incident")) || null;
  const simulationId = Number(WP.param("simulation")) || null;
  const FP_KINDS = ["people", "enterprises", "residential", "cameras", "sensors", "resources"];
  const FP_ORDER = { warn: 0, shelter: 1, evacuate: 2 };  // outer (milder) zones below, the evacuation zone on top
  const RADII = [100, 200, 300, 500, 1000, 2000];
  let radius = Math.min(20000, Math.max(10, Number(WP.param("radius")) || 300));
  // People and camera status are re-read every POLL_MS (?poll=S, at least 2 s).
  const POLL_MS = Math.max(2, Number(WP.param("poll")) || 10) * 1000;
  const KINDS = ["team", "vehicle", "material", "expert", "medical_point", "shelter"];
  const OPEN_TASK = ["pending", "accepted", "in_progress", "blocked"];
  const T = (k, fb) => WP.t(k, fb);
  const metres = (m) => (m >= 1000 ? `${(m / 1000).toFixed(2)} km` : `${Math.round(m)} m`);
  // Marker sizes follow the screen: 1 at 1600 px wide, up to 2.4 on a 3840 px wall.
  const scale = () => Math.max(1, Math.min(2.4, window.innerWidth / 1600));

  /* ---- state ------------------------------------------------------------------------------ */
  const data = { layers: null, liveCams: null, tasks: new Map(), alarms: [], positions: null,
    focus: { inc: null, near: [], cams: [], people: [], error: null, roads: true }, footprint: { sim: null, draft: null } };
  let map = null, control = null, fitted = false, openKey = null, rebuilding = false;
  const groups = {};
  const index = {};  // group name -> Map(key -> layer), to reopen a card after a refresh and to fly to a thing

  /* ---- helpers ---------------------------------------------------------------------------- */
  function tag(layer, attrs) {
    const apply = () => {
      const n = layer.getElement && layer.getElement();
      if (n) for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
    };
    layer.on("add", apply);
    return layer;
  }
  function keyed(group, key, layer) {
    index[group].set(key, layer);
    layer.on("popupopen", () => { openKey = `${group}|${key}`; });
    layer.on("popupclose", () => { if (!rebuilding && openKey === `${group}|${key}`) openKey = null; });
    return layer;
  }
  const divIcon = (cls, html) => L.divIcon({ className: cls, html: html || "", iconSize: null });
  const popup = (layer, card) => layer.bindPopup(card, { className: "wp-popup", maxWidth: Math.round(440 * scale()),
    minWidth: Math.round(200 * scale()), autoPanPadding: [24, 24] });
  const latlng = (c) => [c[1], c[0]];
  // Leaflet puts a string label in with innerHTML: names typed by people go in as text nodes.
  const text = (s) => el("span", { text: s });
  const svgIcon = (d) => {
    const ns = "http://www.w3.org/2000/svg";
    const s = document.createElementNS(ns, "svg");
    s.setAttribute("viewBox", "0 0 24 24");
    s.setAttribute("aria-hidden", "true");
    const p = document.createElementNS(ns, "path");
    p.setAttribute("d", d);
    s.append(p);
    return s;
  };
  const CAMERA = "M3 7h11v10H3zM14 10.5l7-3.5v10l-7-3.5z";

  function card(title, rows, links, extra) {
    return el("div", { class: "wp-card" }, el("h3", {}, title),
      el("dl", { class: "kv" }, rows.filter((r) => r && r[1] !== null && r[1] !== undefined && r[1] !== "")
        .flatMap(([k, v]) => [el("dt", { text: T(k) }), el("dd", {}, v)])),
      extra || null,
      links && links.length ? el("div", { class: "wp-card-links" }, links) : null);
  }

  /* ---- rebuild one layer group, keeping an open card open ----------------------------------- */
  function rebuild(name, fill) {
    const g = groups[name];
    const wasOpen = openKey && openKey.startsWith(name + "|") ? openKey : null;
    rebuilding = true;
    try {
      g.clearLayers();
      index[name] = new Map();
      fill(g);
    } finally { rebuilding = false; }
    if (wasOpen) {
      const l = index[name].get(wasOpen.slice(name.length + 1));
      if (l && map.hasLayer(l)) l.openPopup(); else openKey = null;
    }
  }

  /* ---- site plan and hazards (static per load) ---------------------------------------------- */
  function areaName(p) { return p.name || T("map.area." + p.kind, p.kind || ""); }
  function drawAreas() {
    const feats = (data.layers.site_plan.features || []);
    rebuild("areas", (g) => {
      feats.filter((f) => f.properties && f.properties.kind !== "major_hazard").forEach((f, i) => {
        const p = f.properties || {};
        const layer = L.geoJSON(f, {
          pane: "wp-areas",
          style: () => ({ className: `wp-area wp-area-${p.kind || "other"}` }),
          pointToLayer: (_f, ll) => L.circleMarker(ll, { pane: "wp-areas", radius: 5 * scale(), className: `wp-area wp-area-${p.kind || "point"}` }),
          onEachFeature: (_f, l) => {
            if (p.kind === "boundary") return;
            l.bindTooltip(text(areaName(p)), { permanent: true, direction: f.geometry.type === "Point" ? "right" : "center",
              className: "wp-area-label", pane: "wp-labels" });
          },
        });
        popup(layer, () => card(areaName(p), [["map.kind", T("map.area." + p.kind, p.kind)], ["map.site", p.site]]));
        keyed("areas", String(i), layer).addTo(g);
      });
    });
    rebuild("hazards", (g) => {
      feats.filter((f) => f.properties && f.properties.kind === "major_hazard").forEach((f, i) => {
        const p = f.properties;
        const layer = L.geoJSON(f, { pane: "wp-hazards", style: () => ({ className: "wp-hazard-area" }),
          pointToLayer: (_f, ll) => L.marker(ll, { icon: divIcon("wp-hazard", el("span")) }),
          onEachFeature: (_f, l) => l.bindTooltip(text(`⚠ ${areaName(p)}`), { permanent: true, direction: "center",
            className: "wp-area-label wp-hazard-label", pane: "wp-labels" }) });
        popup(layer, () => card(`⚠ ${areaName(p)}`, [["map.kind", T("map.area.major_hazard")], ["map.site", p.site],
          ["map.substances", (p.substances || []).join("、")]]));
        keyed("hazards", "plan-" + i, layer).addTo(g);
      });
      // Hazard sources from the service's configuration (sites of kind major_hazard).
      for (const f of data.layers.hazards.features) {
        const p = f.properties;
        const m = tag(L.marker(latlng(f.geometry.coordinates), { icon: divIcon("wp-hazard", el("span")), title: p.name || p.id }),
          { "data-id": p.id });
        popup(m, () => card(`⚠ ${p.name || p.id}`, [["map.kind", T("map.area.major_hazard")], ["map.site", p.id]]));
        keyed("hazards", "site-" + p.id, m).addTo(g);
      }
    });
  }

  /* ---- cameras ------------------------------------------------------------------------------- */
  function camStatus(p) {
    if (p.enabled === false) return "disabled";
    const live = data.liveCams && data.liveCams.get(p.id);
    if (data.liveCams && !live) return "restricted";
    if (!live || !live.live || !live.live.open) return "idle";
    return live.live.online ? "online" : "offline";
  }
  function camCard(p) {
    const near = data.focus.cams.find((c) => c.id === p.id);
    const st = camStatus(p);
    const watchable = st !== "disabled" && st !== "restricted";
    return card(el("span", {}, p.name || p.id), [
      ["map.status", el("span", { class: `badge wp-cam-st cam-${st}`, text: T("map.cam." + st) })],
      ["map.site", p.site], ["ID", p.id], near ? ["map.distance", metres(near.distance_m)] : null,
    ], watchable ? [el("a", { class: "btn live-link", href: `live.html?camera=${encodeURIComponent(p.id)}`, text: T("map.live") }),
      el("a", { href: `playback.html?camera=${encodeURIComponent(p.id)}`, text: T("map.playback") })] : []);
  }
  function drawCameras() {
    const near = new Set(data.focus.cams.map((c) => c.id));
    rebuild("cameras", (g) => {
      for (const f of data.layers.cameras.features) {
        const p = f.properties;
        const st = camStatus(p);
        const m = tag(L.marker(latlng(f.geometry.coordinates), {
          icon: divIcon(`wp-cam cam-${st}${near.has(p.id) ? " near" : ""}`, svgIcon(CAMERA)), title: p.name || p.id,
          riseOnHover: true }), { "data-id": p.id, "data-status": st });
        popup(m, () => camCard(p));
        keyed("cameras", p.id, m).addTo(g);
      }
    });
  }

  /* ---- resources by kind --------------------------------------------------------------------- */
  function resCard(p) {
    const n = data.focus.near.find((x) => x.resource.id === p.id);
    const r = n ? n.resource : p;
    return card(r.name, [["map.kind", T("map.kind." + r.kind, r.kind)], ["map.type", r.category],
      ["map.status", WP.statusBadge(r.status)], r.quantity !== undefined && r.quantity !== null ? ["map.qty", `${r.quantity}${r.unit || ""}`] : null,
      ["map.contact", [r.contact, r.phone].filter(Boolean).join(" ")], ["map.site", r.location_name || r.site],
      n ? ["map.road", metres(n.distance_m)] : null]);
  }
  function drawResources() {
    const near = new Set(data.focus.near.map((n) => n.resource.id));
    for (const kind of KINDS) {
      rebuild("res-" + kind, (g) => {
        for (const f of data.layers.resources.features.filter((x) => x.properties.kind === kind)) {
          const p = f.properties;
          const m = tag(L.circleMarker(latlng(f.geometry.coordinates), { radius: (near.has(p.id) ? 9 : 6.5) * scale(),
            className: `wp-res wp-res-${kind} rst-${p.status}${near.has(p.id) ? " near" : ""}` }), { "data-id": p.id });
          m.bindTooltip(text(p.name), { direction: "top", className: "wp-tip" });
          popup(m, () => resCard(p));
          keyed("res-" + kind, String(p.id), m).addTo(g);
        }
      });
    }
  }

  /* ---- people -------------------------------------------------------------------------------- */
  function drawPeople() {
    const near = new Map(data.focus.people.map((p) => [p.person_id, p]));
    const list = data.positions || data.layers.personnel.features.map((f) => ({ ...f.properties,
      lon: f.geometry.coordinates[0], lat: f.geometry.coordinates[1] }));
    rebuild("people", (g) => {
      for (const p of list) {
        const n = near.get(p.person_id);
        const m = tag(L.circleMarker([p.lat, p.lon], { radius: (n ? 6.5 : 5) * scale(), className: `wp-person${n ? " near" : ""}` }),
          { "data-id": p.person_id });
        m.bindTooltip(text(p.name || p.person_id), { direction: "top", className: "wp-tip" });
        popup(m, () => card(p.name || p.person_id, [["ID", p.person_id], ["map.floor", p.floor], ["map.at", WP.fmtTime(p.at)],
          n ? ["map.distance", metres(n.distance_m)] : null]));
        keyed("people", p.person_id, m).addTo(g);
      }
    });
  }

  /* ---- incidents and their tasks --------------------------------------------------------------- */
  function taskSummary(id) {
    const ts = data.tasks.get(id) || [];
    const done = ts.filter((t) => t.status === "done").length;
    return { ts, done, open: ts.filter((t) => OPEN_TASK.includes(t.status)).length };
  }
  function incCard(p) {
    const { ts, done } = taskSummary(p.id);
    const tasks = ts.length
      ? el("ol", { class: "wp-tasks" }, ts.slice(0, 10).map((t) => el("li", { "data-status": t.status },
        WP.statusBadge(t.status), " ", el("span", { text: `${t.role ? t.role + "：" : ""}${t.title}` }),
        t.assignee ? el("span", { class: "muted", text: ` · ${t.assignee}` }) : null)))
      : el("div", { class: "muted", text: T("map.tasks.none") });
    const links = [el("a", { href: `incident.html?id=${p.id}`, text: T("map.open.incident") }),
      el("a", { href: `plans.html?incident=${p.id}`, text: T("map.open.plans") })];
    if (p.id !== incidentId) links.push(el("a", { class: "focus-link", href: `map.html?incident=${p.id}`, text: T("map.open.focus") }));
    return card(el("span", {}, WP.levelBadge(p.level), ` #${p.id} ${p.title || p.type}`),
      [["map.status", WP.statusBadge(p.status)], ["map.type", T("type." + p.type, p.type)],
        ["map.tasks", ts.length ? `${done}/${ts.length}` : "0"]],
      links, el("div", { class: "wp-card-tasks" }, tasks));
  }
  function drawIncidents() {
    rebuild("incidents", (g) => {
      for (const f of data.layers.incidents.features) {
        const p = f.properties;
        const { ts, done } = taskSummary(p.id);
        const m = tag(L.marker(latlng(f.geometry.coordinates), {
          icon: divIcon(`wp-incident lvl-${p.level || "none"}${p.id === incidentId ? " focused" : ""}`, el("span", { class: "ring" })),
          title: p.title || p.type, zIndexOffset: 1000, riseOnHover: true }), { "data-id": p.id, "data-status": p.status });
        m.bindTooltip(text(`#${p.id} ${p.title || p.type}${ts.length ? ` · ${T("map.tasks")} ${done}/${ts.length}` : ""}`),
          { permanent: true, direction: "right", offset: [14 * scale(), 0], className: `wp-inc-label lvl-${p.level || "none"}` });
        popup(m, () => incCard(p));
        keyed("incidents", String(p.id), m).addTo(g);
      }
    });
  }

  /* ---- unverified alarms ----------------------------------------------------------------------- */
  function drawAlarms() {
    rebuild("alarms", (g) => {
      for (const a of data.alarms) {
        const m = tag(L.marker([a.location.lat, a.location.lon], { icon: divIcon(`wp-alarm lvl-${a.level}`), title: a.title || a.type }),
          { "data-id": a.id });
        popup(m, () => card(el("span", {}, WP.levelBadge(a.level), ` ${a.title || a.type}`), [
          ["map.status", WP.statusBadge(a.status)], ["map.type", T("type." + a.type, a.type)],
          ["map.site", [a.location.site, a.location.name].filter(Boolean).join(" · ")], ["map.at", WP.fmtTime(a.last_seen_at || a.occurred_at)],
        ], [el("a", { href: `alarm.html?id=${a.id}`, text: T("map.open.alarm") }),
          a.camera_id ? el("a", { class: "live-link", href: `alarm.html?id=${a.id}&live=1`, text: T("map.live") }) : null]));
        keyed("alarms", String(a.id), m).addTo(g);
      }
    });
  }

  /* ---- around one incident: routes, radius, side panel ----------------------------------------- */
  function drawFocus() {
    if (!incidentId) return;
    const f = data.focus, inc = f.inc;
    const loc = inc && inc.location;
    rebuild("focus", (g) => {
      if (!loc || loc.lon === null || loc.lat === null) return;
      L.circle([loc.lat, loc.lon], { radius, pane: "wp-focus", className: "wp-radius", interactive: false }).addTo(g);
      f.near.forEach((n, i) => {
        const line = tag(L.polyline(n.route.coordinates.map(latlng), { pane: "wp-focus", className: `wp-route${i === 0 ? " first" : ""}`,
          weight: 4 * scale() }), { "data-resource": n.resource.id });
        line.bindTooltip(text(`${n.resource.name} · ${metres(n.distance_m)}`), { sticky: true, className: "wp-tip" });
        popup(line, () => resCard(n.resource));
        keyed("focus", "route-" + n.resource.id, line).addTo(g);
      });
      L.marker([loc.lat, loc.lon], { icon: divIcon("wp-target"), interactive: false, zIndexOffset: -100 }).addTo(g);
    });
    drawSide();
  }

  /* ---- a model run's zones and the response draft's evacuation routes (issue #25) ------------------ */
  const ringsOf = (geom) => {  // Leaflet's nested [lat, lng] rings, or null for an empty or unreached zone
    if (!geom || !Array.isArray(geom.coordinates)) return null;
    const rings = (poly) => (poly || []).filter((r) => Array.isArray(r) && r.length >= 3).map((r) => r.map(latlng));
    if (geom.type === "Polygon") { const r = rings(geom.coordinates); return r.length ? r : null; }
    if (geom.type === "MultiPolygon") { const ps = geom.coordinates.map(rings).filter((r) => r.length); return ps.length ? ps : null; }
    return null;
  };
  function zoneCard(sim, z) {
    const c = z.counts || {};
    return card(el("span", {}, el("span", { class: `badge wp-zone-badge wp-zone-${z.level}`, text: T("map.fp.level." + z.level, z.level) }),
      ` ${z.name}`), [
      z.threshold ? ["map.fp.threshold", `${z.threshold.value} ${z.threshold.unit || ""}`] : null,
      ...FP_KINDS.map((k) => ["map.fp." + k, String(c[k] || 0)]),
      ["map.fp.title", `#${sim.id} ${sim.model}`], ["map.fp.at", `${WP.fmtTime(sim.at)} · ${sim.actor || ""}`],
    ], sim.incident_id ? [el("a", { href: `incident.html?id=${sim.incident_id}`, text: T("map.fp.open") })] : null,
    (c.people && (z.people || []).length) ? el("div", { class: "wp-card-tasks muted",
      text: z.people.slice(0, 30).map((p) => p.person || p.name || "").join("、") }) : null);
  }
  function drawFootprint() {
    const { sim, draft } = data.footprint;
    rebuild("footprint", (g) => {
      if (!sim) return;
      const zones = (sim.zones || []).map((z, i) => [z, i]).filter(([z]) => ringsOf(z.polygon))
        .sort((a, b) => (FP_ORDER[a[0].level] || 0) - (FP_ORDER[b[0].level] || 0));
      for (const [z, i] of zones) {
        const poly = tag(L.polygon(ringsOf(z.polygon), { pane: "wp-footprint", className: `wp-zone wp-zone-${z.level}` }),
          { "data-level": z.level, "data-zone": z.name, "data-simulation": sim.id });
        poly.bindTooltip(text(`${z.name} · ${T("map.fp.people")} ${(z.counts || {}).people || 0}`), { sticky: true, className: "wp-tip" });
        popup(poly, () => zoneCard(sim, z));
        keyed("footprint", `zone-${i}`, poly).addTo(g);
      }
      const p = sim.params || {};
      const lon = p.lon !== undefined ? p.lon : p.source_lon, lat = p.lat !== undefined ? p.lat : p.source_lat;
      if (lon !== undefined && lon !== null && lat !== undefined && lat !== null) {
        L.marker([lat, lon], { icon: divIcon("wp-release"), interactive: false, pane: "markerPane" })
          .bindTooltip(text(T("map.fp.release")), { direction: "bottom", className: "wp-tip" }).addTo(g);
      }
    });
    rebuild("evac", (g) => {
      if (!draft) return;
      const seen = new Set();
      for (const z of (draft.body || {}).zones || []) {
        for (const r of z.routes || []) {
          if (!r.coordinates || r.coordinates.length < 2) continue;
          const ap = r.assembly_point || {};
          const line = tag(L.polyline(r.coordinates.map(latlng), { pane: "wp-footprint", className: "wp-evac", weight: 3 * scale() }),
            { "data-zone": z.name, "data-assembly": ap.name || "" });
          line.bindTooltip(text(`${T("map.fp.route")} → ${ap.name || ""} · ${metres(r.length_m || 0)}`), { sticky: true, className: "wp-tip" });
          line.addTo(g);
          const key = `${ap.lon},${ap.lat}`;
          if (ap.lon !== undefined && !seen.has(key)) {
            seen.add(key);
            const m = tag(L.circleMarker([ap.lat, ap.lon], { radius: 7 * scale(), className: "wp-assembly", pane: "wp-footprint" }),
              { "data-name": ap.name || "" });
            m.bindTooltip(text(`${T("map.fp.assembly")}: ${ap.name || ""}`), { direction: "top", className: "wp-tip" });
            m.addTo(g);
          }
        }
      }
    });
    drawLegend();
  }
  let legend = null;
  const Legend = L.Control.extend({
    options: { position: "bottomright" },
    onAdd() { const n = el("div", { class: "wp-fp-legend", id: "footprint-legend" }); L.DomEvent.disableClickPropagation(n); return n; },
  });
  function drawLegend() {
    const { sim, draft } = data.footprint;
    if (!sim) { if (legend) { legend.remove(); legend = null; } return; }
    if (!legend) legend = new Legend().addTo(map);
    const n = legend.getContainer();
    n.dataset.simulation = sim.id;
    n.replaceChildren(el("div", { class: "wp-fp-title" }, el("b", { text: `${T("map.fp.title")} #${sim.id}` }),
      el("span", { class: "muted", text: ` ${sim.model} · ${WP.fmtTime(sim.at)}` })),
    el("ol", { class: "wp-list wp-fp-zones", id: "footprint-zones" }, (sim.zones || []).map((z, i) => el("li", { "data-level": z.level,
      onclick: () => { const l = index.footprint && index.footprint.get(`zone-${i}`); if (l) { map.fitBounds(l.getBounds(), { padding: [30, 30] }); l.openPopup(); } } },
    el("span", { class: `wp-sw wp-zone-sw wp-zone-${z.level}` }),
    el("span", { class: "name", text: `${z.name}${z.reached === false ? ` (${T("map.fp.unreached")})` : ""}` }),
    el("span", { class: "dist", text: `${T("map.fp.people")} ${(z.counts || {}).people || 0}` })))),
    draft ? el("div", { class: "wp-fp-draft" }, el("span", { class: "wp-sw wp-sw-evac" }),
      `${T("map.fp.draft")} #${draft.id} `, WP.statusBadge(draft.status)) : null);
  }

  function flyTo(group, key) {
    const l = index[group] && index[group].get(String(key));
    if (!l) return;
    if (!map.hasLayer(groups[group])) map.addLayer(groups[group]);
    const ll = l.getLatLng ? l.getLatLng() : l.getBounds().getCenter();
    map.flyTo(ll, Math.max(map.getZoom(), 17), { duration: 0.6 });
    map.once("moveend", () => l.openPopup());
  }

  function drawSide() {
    const side = document.getElementById("side");
    const f = data.focus, inc = f.inc;
    side.hidden = false;
    if (!inc) { side.replaceChildren(el("div", { class: "muted", text: f.error || "…" })); return; }
    const loc = inc.location || {};
    const { ts, done } = taskSummary(inc.id);
    const list = (id, items, empty) => (items.length ? el("ol", { id, class: "wp-list" }, items)
      : el("div", { id, class: "muted empty-list", text: empty || T("map.none") }));
    const radiusSel = el("select", { id: "radius", onchange: (e) => {
      radius = Number(e.currentTarget.value);
      const q = new URLSearchParams(location.search); q.set("radius", radius);
      history.replaceState(null, "", `${location.pathname}?${q}`);
      schedule("focus");
    } }, [...new Set([...RADII, radius])].sort((a, b) => a - b).map((r) => el("option", { value: r, text: metres(r), selected: r === radius })));
    side.replaceChildren(
      el("button", { class: "linkbtn side-toggle", id: "side-toggle", title: T("map.panel"), "aria-label": T("map.panel"),
        text: document.body.classList.contains("side-collapsed") ? "⟩" : "⟨",
        onclick: (e) => {
          const shut = document.body.classList.toggle("side-collapsed");
          e.currentTarget.textContent = shut ? "⟩" : "⟨";
          setTimeout(() => map.invalidateSize(false), 50);
        } }),
      el("div", { class: "side-body" },
        el("h2", {}, WP.levelBadge(inc.level), el("span", { text: ` #${inc.id} ${inc.title || inc.type}` })),
        el("div", { class: "side-meta" }, WP.statusBadge(inc.status), " ", [loc.site, loc.name].filter(Boolean).join(" · "),
          el("div", { class: "wp-card-links" }, el("a", { href: `incident.html?id=${inc.id}`, text: T("map.open.incident") }),
            el("a", { href: `plans.html?incident=${inc.id}`, text: T("map.open.plans") }),
            el("a", { href: "map.html", text: T("map.all") }))),
        f.error ? el("p", { class: "err-inline", text: f.error }) : null,
        el("h3", { text: T("map.near") }),
        list("near-resources", f.near.map((n) => el("li", { "data-id": n.resource.id, onclick: () => flyTo("res-" + n.resource.kind, n.resource.id) },
          el("span", { class: `wp-sw wp-sw-res-${n.resource.kind}` }),
          el("span", { class: "name" }, el("b", { text: n.resource.name }),
            el("small", { class: "muted" }, `${T("map.kind." + n.resource.kind, n.resource.kind)} `, WP.statusBadge(n.resource.status))),
          el("span", { class: "dist", text: metres(n.distance_m) }))), f.roads ? null : T("map.noroads")),
        el("h3", { text: T("map.cams") }),
        list("near-cameras", f.cams.map((c) => el("li", { "data-id": c.id },
          el("span", { class: "name clickable", onclick: () => flyTo("cameras", c.id), text: c.name || c.id }),
          el("span", { class: "dist", text: metres(c.distance_m) }),
          el("a", { class: "btn live-link", href: `live.html?camera=${encodeURIComponent(c.id)}`, text: T("map.live") })))),
        el("h3", {}, `${T("map.people")} `, radiusSel, el("span", { class: "count", id: "people-count", text: ` (${f.people.length})` })),
        list("near-people", f.people.map((p) => el("li", { "data-id": p.person_id, onclick: () => flyTo("people", p.person_id) },
          el("span", { class: "name" }, el("b", { text: p.name || p.person_id }), el("span", { class: "muted", text: p.floor ? ` · ${p.floor}` : "" })),
          el("span", { class: "dist", text: metres(p.distance_m) })))),
        el("h3", { text: `${T("map.tasks")} ${ts.length ? `${done}/${ts.length}` : ""}` }),
        list("focus-tasks", ts.map((t) => el("li", { "data-status": t.status }, WP.statusBadge(t.status),
          el("span", { class: "name wrap", text: `${t.role ? t.role + "：" : ""}${t.title}` }))), T("map.tasks.none"))));
  }

  /* ---- loading ---------------------------------------------------------------------------------- */
  async function loadTasks() {
    const ids = data.layers.incidents.features.map((f) => f.properties.id);
    if (incidentId && !ids.includes(incidentId)) ids.push(incidentId);
    const got = await Promise.all(ids.slice(0, 60).map((id) => WP.api(`/api/incidents/${id}/tasks`).catch(() => [])));
    data.tasks = new Map(ids.map((id, i) => [id, got[i] || []]));
  }
  async function loadCams() {
    try { data.liveCams = new Map((await WP.api("/api/live/cameras")).map((c) => [c.id, c])); } catch (e) { data.liveCams = null; }
  }
  const LOADERS = {
    async layers() {
      data.layers = await WP.api("/api/map/layers");
      data.positions = null;  // the layers' own personnel are as fresh as a poll
      await Promise.all([loadTasks(), loadCams()]);
      if (!groups.areas.getLayers().length) drawAreas();
      drawCameras(); drawResources(); drawPeople(); drawIncidents();
      if (incidentId) drawSide();
    },
    async alarms() {
      const list = await WP.api("/api/alarms?status=new&limit=500");
      data.alarms = list.filter((a) => a.location && a.location.lon !== null && a.location.lat !== null && a.location.lon !== undefined);
      drawAlarms();
    },
    async poll() {
      const f = data.focus, loc = f.inc && f.inc.location;
      const around = incidentId && loc && loc.lon !== null && loc.lon !== undefined;
      const [pos, people] = await Promise.all([WP.api("/api/positions"),
        around ? WP.api(`/api/incidents/${incidentId}/personnel?radius_m=${radius}`).catch(() => f.people) : null, loadCams()]);
      data.positions = pos;
      if (around && JSON.stringify(people) !== JSON.stringify(f.people)) { f.people = people; drawSide(); }
      drawCameras(); drawPeople();
    },
    async footprint() {
      if (!simulationId && !incidentId) return;
      let sim = null, draft = null;
      if (simulationId) sim = await WP.api(`/api/simulations/${simulationId}`);
      else {
        const list = await WP.api(`/api/simulations?incident_id=${incidentId}&limit=1`).catch((e) => { if (e.status === 404) return []; throw e; });
        sim = list[0] || null;
      }
      if (sim && sim.incident_id) {
        const drafts = await WP.api(`/api/incidents/${sim.incident_id}/response-drafts`).catch(() => []);
        const live = drafts.filter((d) => d.status !== "discarded").sort((a, b) => b.id - a.id);
        draft = live.find((d) => d.simulation_id === sim.id) || null;
      }
      const had = !!data.footprint.sim;
      data.footprint = { sim, draft };
      drawFootprint();
      if (had !== !!sim) layersControl();
    },
    async focus() {
      if (!incidentId) return;
      const f = data.focus;
      try {
        f.inc = await WP.api(`/api/incidents/${incidentId}`);
        f.error = null;
      } catch (e) { f.inc = null; f.error = e.message; drawSide(); return; }
      const loc = f.inc.location || {};
      if (loc.lon === null || loc.lat === null || loc.lon === undefined) {
        f.near = []; f.cams = []; f.people = []; f.error = T("map.noloc");
      } else {
        const base = `/api/incidents/${incidentId}`;
        const [near, cams, people] = await Promise.all([
          WP.api(`${base}/nearest-resources?k=5`).then((x) => { f.roads = true; return x; })
            .catch((e) => { f.roads = e.status !== 404; return []; }),
          WP.api(`${base}/cameras?k=6`).catch(() => []),
          WP.api(`${base}/personnel?radius_m=${radius}`).catch(() => [])]);
        Object.assign(f, { near, cams, people });
      }
      const tasks = await WP.api(`/api/incidents/${incidentId}/tasks`).catch(() => null);
      if (tasks) data.tasks.set(incidentId, tasks);
      drawFocus();
      if (data.layers) { drawCameras(); drawResources(); drawPeople(); }
    },
  };

  /* Refreshes are coalesced (a burst of events costs one reload per layer) and run one at a time. */
  const pending = new Set();
  let timer = null, chain = Promise.resolve();
  function schedule(...what) {
    what.forEach((w) => pending.add(w));
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      chain = chain.then(async () => {
        const todo = ["layers", "alarms", "poll", "focus", "footprint"].filter((w) => pending.has(w));
        pending.clear();
        if (todo.includes("layers") && todo.includes("poll")) todo.splice(todo.indexOf("poll"), 1);
        for (const w of todo) {
          try { await LOADERS[w](); } catch (e) { WP.showError(e); }
        }
        document.body.dataset.mapRefreshed = String((Number(document.body.dataset.mapRefreshed) || 0) + 1);
      });
    }, 150);
  }

  /* ---- the map and its controls ---------------------------------------------------------------- */
  function overlays() {
    const sw = (cls, label) => `<span class="wp-sw ${cls}"></span>${label}`;
    const o = {};
    o[sw("wp-sw-areas", T("map.layer.areas"))] = groups.areas;
    o[sw("wp-sw-hazards", T("map.layer.hazards"))] = groups.hazards;
    o[sw("wp-sw-cameras", T("map.layer.cameras"))] = groups.cameras;
    for (const k of KINDS) o[sw(`wp-sw-res-${k}`, `${T("map.layer.res")} · ${T("map.kind." + k)}`)] = groups["res-" + k];
    o[sw("wp-sw-people", T("map.layer.people"))] = groups.people;
    o[sw("wp-sw-incidents", T("map.layer.incidents"))] = groups.incidents;
    o[sw("wp-sw-alarms", T("map.layer.alarms"))] = groups.alarms;
    if (incidentId) o[sw("wp-sw-focus", `${T("map.layer.focus")} #${incidentId}`)] = groups.focus;
    if (data.footprint.sim) {
      o[sw("wp-sw-footprint", `${T("map.layer.footprint")} #${data.footprint.sim.id}`)] = groups.footprint;
      if (data.footprint.draft) o[sw("wp-sw-evac", T("map.layer.evac"))] = groups.evac;
    }
    return o;
  }
  function layersControl() {
    if (control) control.remove();
    // Collapsed to a button on small screens (1024×768), open beside the map on a large one.
    control = L.control.layers(null, overlays(), { collapsed: window.innerWidth < 1400, position: "topright" }).addTo(map);
    const c = control.getContainer();
    c.id = "layers";
    c.querySelectorAll("label").forEach((lab, i) => {
      const names = ["areas", "hazards", "cameras", ...KINDS.map((k) => "res-" + k), "people", "incidents", "alarms",
        ...(incidentId ? ["focus"] : []), ...(data.footprint.sim ? ["footprint", "evac"] : [])];
      lab.dataset.layer = names[i];
    });
  }

  function fitAll(animate) {
    let b = null;
    const grow = (x) => { if (x && x.isValid && x.isValid()) b = b ? b.extend(x) : L.latLngBounds(x.getSouthWest(), x.getNorthEast()); };
    const loc = data.focus.inc && data.focus.inc.location;
    if (incidentId && loc && loc.lat !== null && loc.lat !== undefined) {
      grow(L.latLng(loc.lat, loc.lon).toBounds(radius * 2.2));
      data.focus.near.forEach((n) => grow(L.latLngBounds(n.route.coordinates.map(latlng))));
    } else {
      grow(groups.areas.getBounds());
      grow(groups.hazards.getBounds());
      if (!b) for (const n of ["incidents", "cameras", "people"]) grow(groups[n].getBounds());
    }
    if (data.footprint.sim && map.hasLayer(groups.footprint)) { grow(groups.footprint.getBounds()); grow(groups.evac.getBounds()); }
    if (!b) return;
    // Keep clear of an open layers list (top right) on a wide screen.
    const ctl = control && control.getContainer();
    const right = ctl && ctl.classList.contains("leaflet-control-layers-expanded") ? ctl.offsetWidth + 20 : 30;
    map.fitBounds(b, { paddingTopLeft: [30, 30], paddingBottomRight: [right, 30], maxZoom: 19, animate: animate !== false });
    fitted = true;
  }

  const FitControl = L.Control.extend({
    options: { position: "topleft" },
    onAdd() {
      const b = el("button", { class: "wp-fit", id: "fit", type: "button", title: T("map.fit"), text: T("map.fit"),
        onclick: (e) => { e.stopPropagation(); fitAll(true); } });
      L.DomEvent.disableClickPropagation(b);
      document.addEventListener("wp:lang", () => { b.textContent = T("map.fit"); b.title = T("map.fit"); });
      return el("div", { class: "leaflet-bar wp-fit-bar" }, b);
    },
  });

  async function start() {
    // No fade: a refreshed layer swaps its labels at once instead of showing old and new together.
    map = L.map("map", { zoomSnap: 0.25, zoomDelta: 0.5, minZoom: 3, maxZoom: 21, attributionControl: false,
      fadeAnimation: false });
    map.setView([30.8, 121.4], 15);  // replaced by the park's bounds once the site plan is in
    for (const [pane, z] of [["wp-areas", 300], ["wp-labels", 310], ["wp-hazards", 320], ["wp-footprint", 350], ["wp-focus", 390]]) {
      map.createPane(pane).style.zIndex = String(z);
    }
    for (const n of ["areas", "hazards", "cameras", ...KINDS.map((k) => "res-" + k), "people", "incidents", "alarms", "focus", "footprint", "evac"]) {
      groups[n] = L.featureGroup().addTo(map);
      index[n] = new Map();
    }
    L.control.scale({ imperial: false, position: "bottomleft", maxWidth: Math.round(120 * scale()) }).addTo(map);
    new FitControl().addTo(map);
    layersControl();
    WP.keys.on("f", () => T("map.fit.key"), () => fitAll(true));
    // The map follows its box (side panel folded, window resized, a banner above it).
    if (window.ResizeObserver) new ResizeObserver(() => map.invalidateSize(false)).observe(document.getElementById("map"));
    // The first loads, in order and in the refresh chain (an early event waits its turn), so the
    // first fit sees the site plan and the incident.
    chain = chain.then(async () => {
      await LOADERS.layers();
      await LOADERS.focus();
      try { await LOADERS.footprint(); } catch (e) { WP.showError(e); }  // a missing run must not keep the map from opening
      map.invalidateSize(false);
      fitAll(false);  // at once: a test or a screenshot must not catch the map mid-zoom
      await LOADERS.alarms();
      document.body.dataset.mapReady = "1";
    });
    await chain;
    setInterval(() => schedule("poll"), POLL_MS);
    let resizeTimer = null;
    window.addEventListener("resize", () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => {
        const want = window.innerWidth < 1400;
        if (control && control.options.collapsed !== want) layersControl();
      }, 200);
    });
    document.addEventListener("wp:lang", () => {
      layersControl();
      drawAreas(); drawCameras(); drawResources(); drawPeople(); drawIncidents(); drawAlarms(); drawFocus(); drawFootprint();
    });
    if (!fitted) fitAll(false);
  }

  WP.boot().then(() => {
    // The side panel takes its width before the map measures its box.
    if (incidentId) { document.body.classList.add("has-side"); document.getElementById("side").hidden = false; }
    WP.live({
      topics: ["incident", "alarm", "task", "dss"],
      // Load once the stream is ready, so nothing committed in between is missed.
      onReady: (_l, first) => { if (first) start().catch(WP.showError); },
      onReset: () => schedule("layers", "alarms", "focus", "footprint"),
      onEvent: (ev) => {
        if (!map) return;
        const d = ev.data || {};
        if (ev.topic === "dss") {  // a new run or a changed draft for the incident shown
          const inc = incidentId || (data.footprint.sim && data.footprint.sim.incident_id);
          if (inc && d.incident_id === inc) schedule("footprint");
          return;
        }
        if (ev.topic === "alarm") schedule("alarms");
        else schedule("layers");
        if (incidentId && ((ev.topic === "incident" && d.id === incidentId) || d.incident_id === incidentId)) schedule("focus");
        else if (incidentId && ev.topic === "task") schedule("focus");  // a dispatch changes what is free nearby
      },
    });
  }).catch(WP.showError);
})();
