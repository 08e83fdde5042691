/* Decision support on the incident page (DSS-1..4, DRL-5; issue #25): run a consequence model at
   the incident (the model's inputs are generated from its JSON schema, with units and ranges; the
   weather typed in or read from the park's station), see its key figures and each zone with what
   lies inside it, the incident's past runs with who ran them and "re-run" (reproduced ✓/✗), a
   link to the footprint on the situation map, and the response plan drafted from a run: edited
   (zone actions, resources, warning texts and recipients), approved by a commander (then sent
   through the comms outbox, with its CAP alert) or discarded.

   WP.dssPanel(incidentId) returns the section; it follows the push topic "dss". A refused input
   (422, with the model's range) is shown under the field it names. Styles: dss.css (classes
   only: the CSP allows no inline style attribute). */
(function () {
  "use strict";
  const el = WP.el;
  WP.i18n.add({
    zh: {
      "dss.title": "辅助决策 · 后果模拟", "dss.model": "模型", "dss.substance": "物质", "dss.substance.none": "（不选，手工填写）",
      "dss.substance.fill": "已按所选物质填入相关参数，可修改。", "dss.inputs": "模型参数", "dss.required": "必填",
      "dss.range": "范围", "dss.default": "默认", "dss.optional": "可选", "dss.at_incident": "留空：事件位置",
      "dss.weather": "气象", "dss.wx.manual": "手工输入", "dss.wx.station": "气象站", "dss.wx.speed": "风速 m/s",
      "dss.wx.dir": "风向（来向）°", "dss.wx.stability": "大气稳定度", "dss.wx.bycloud": "按风速、云量与太阳高度判定",
      "dss.wx.cloud": "云量（八分量）", "dss.wx.day": "昼 / 夜", "dss.wx.daytime": "白天", "dss.wx.night": "夜间",
      "dss.wx.age": "观测于", "dss.wx.ago": "前", "dss.wx.none": "无气象站读数", "dss.wx.temp": "气温 °C",
      "dss.run": "运行模型", "dss.running": "计算中…", "dss.result": "计算结果", "dss.result.none": "尚未运行模型",
      "dss.zones": "影响区域", "dss.zone.none": "没有区域（阈值未达到）", "dss.figures": "关键数值",
      "dss.count.people": "人员", "dss.count.enterprises": "企业", "dss.count.residential": "居民区", "dss.count.cameras": "摄像头",
      "dss.count.sensors": "传感器", "dss.count.resources": "资源", "dss.names": "明细", "dss.unreached": "未达到",
      "dss.level.evacuate": "疏散", "dss.level.shelter": "就地避险", "dss.level.warn": "预警",
      "dss.onmap": "在态势图查看", "dss.draft": "起草处置方案", "dss.runs": "历次计算", "dss.runs.none": "本事件尚无计算记录",
      "dss.col.when": "时间", "dss.col.who": "操作人", "dss.col.model": "模型", "dss.col.inputs": "输入", "dss.col.weather": "气象",
      "dss.col.seconds": "耗时", "dss.view": "查看", "dss.rerun": "重算", "dss.reproduced": "✓ 结果一致", "dss.not_reproduced": "✗ 结果不一致",
      "dss.of": "重算自", "dss.source.manual": "手工", "dss.source.station": "气象站", "dss.exercise": "演练",
      "dss.model.plume_footprint": "有毒气体扩散（高斯烟羽，影响范围）",
      "dss.model.dense_gas_continuous": "重气扩散（连续泄漏）", "dss.model.dense_gas_instantaneous": "重气扩散（瞬时泄漏）",
      "dss.model.pool_fire": "池火热辐射", "dss.model.bleve_fireball": "沸腾液体扩展蒸气爆炸（火球）",
      "dss.model.tnt_explosion": "蒸气云爆炸（TNT当量）", "dss.model.tno_multi_energy": "蒸气云爆炸（TNO多能法）",
      "dss.p.cloud_volume_m3": "受限/拥塞区云团体积", "dss.p.strength": "爆炸强度等级（1–10）", "dss.p.ambient_pressure_pa": "大气压",
      "dss.p.lon": "泄漏点经度", "dss.p.lat": "泄漏点纬度", "dss.p.release_rate_kg_s": "泄漏速率", "dss.p.release_height_m": "泄漏高度", "dss.p.terrain": "地形",
      "dss.p.thresholds": "浓度阈值", "dss.p.molar_mass_g_mol": "摩尔质量", "dss.p.source_lon": "泄漏点经度",
      "dss.p.source_lat": "泄漏点纬度", "dss.p.grid_n": "网格点数", "dss.p.gas_density": "泄漏气体密度",
      "dss.p.release_temperature": "泄漏温度", "dss.p.concentration": "关注浓度（体积分数）", "dss.p.release_rate": "体积泄漏速率",
      "dss.p.release_volume": "泄漏云团体积", "dss.p.diameter_m": "液池直径", "dss.p.heat_of_combustion_mj_kg": "燃烧热（低热值）",
      "dss.p.distance_m": "目标距离", "dss.p.mass_kg": "火球可燃物质量", "dss.p.fuel_mass_kg": "云团可燃物质量",
      "dss.p.yield_fraction": "爆炸效率", "dss.p.tnt_mass_kg": "TNT当量", "dss.p.levels_kw_m2": "热辐射等级",
      "dss.p.levels_kpa": "超压等级", "dss.p.distances_m": "计算距离", "dss.p.heat_of_vaporisation_kj_kg": "汽化热",
      "dss.p.boiling_point_k": "沸点", "dss.p.ambient_k": "环境温度", "dss.p.relative_humidity": "相对湿度",
      "dss.t.name": "名称（如 AEGL-2）", "dss.t.value": "数值", "dss.t.unit": "单位",
      "dss.p.air_temperature_k": "气温（ppm 换算）", "dss.p.air_pressure_pa": "气压（ppm 换算）", "dss.p.receptor_height_m": "计算平面高度",
      "dss.p.initial_concentration": "泄漏时浓度（体积分数）", "dss.p.ambient_temperature": "环境温度", "dss.p.ambient_pressure": "环境气压",
      "dss.p.ambient_density": "空气密度", "dss.p.release_duration": "泄漏持续时间", "dss.p.burning_rate_kg_m2_s": "燃烧速率（实测）",
      "dss.p.cp_liquid_kj_kg_k": "液体比热", "dss.p.air_density_kg_m3": "空气密度", "dss.p.air_kinematic_viscosity_m2_s": "空气运动黏度",
      "dss.p.sep_method": "表面辐射功率算法", "dss.p.radiative_fraction": "辐射分数", "dss.p.soot_fraction": "烟尘遮蔽分数",
      "dss.p.transmissivity": "大气透射率", "dss.p.sep_kw_m2": "表面辐射功率", "dss.p.centre_height_m": "火球中心高度",
      "dss.p.target": "受体朝向", "dss.p.tnt_energy_mj_kg": "TNT 爆热", "dss.p.curve": "爆炸曲线", "dss.p.wind_speed_10m_m_s": "10 m 风速",
      "dss.add_row": "+ 添加一行", "dss.remove": "删除", "dss.list_hint": "多个数值用逗号分隔",
      // response draft (DRL-5)
      "drf.title": "应急处置方案（草案）", "drf.none": "尚未起草处置方案", "drf.zones": "分区与疏散路线", "drf.zone": "区域",
      "drf.action": "措施", "drf.people": "人数", "drf.routes": "疏散路线", "drf.to": "至集结点", "drf.resources": "调用资源",
      "drf.kind": "类型", "drf.distance": "距离", "drf.flags": "提示", "drf.cards": "预案处置卡（只读）", "drf.role": "岗位",
      "drf.deadline": "时限（分钟）", "drf.plan": "预案", "drf.warnings": "定向预警", "drf.channel": "渠道",
      "drf.recipients": "接收人（每行一个）", "drf.message": "预警内容", "drf.note": "备注", "drf.save": "保存修改",
      "drf.approve": "批准并发布", "drf.discard": "作废", "drf.confirm.approve": "批准后将通过通信平台发出全部预警，确定？",
      "drf.confirm.discard": "作废此处置方案草案？", "drf.saved": "已保存", "drf.sent": "已发布", "drf.outbox": "发送任务数",
      "drf.cap": "CAP 预警报文", "drf.changed": "此方案已被他人更新。", "drf.reload": "重新载入", "drf.version": "版本",
      "drf.approved_by": "批准人", "drf.commanders": "仅指挥长可批准", "drf.invalid": "不可用",
      "drf.channel.sms": "短信", "drf.channel.broadcast": "广播", "drf.unsaved": "有未保存的修改",
      "status.approved": "已批准", "status.sent": "已发布", "status.discarded": "已作废",
    },
    en: {
      "dss.title": "Decision support · consequence models", "dss.model": "Model", "dss.substance": "Substance",
      "dss.substance.none": "(none: type the inputs)", "dss.substance.fill": "Inputs filled from the substance; change them if needed.",
      "dss.inputs": "Model inputs", "dss.required": "required", "dss.range": "range", "dss.default": "default",
      "dss.optional": "optional", "dss.at_incident": "empty: the incident's location",
      "dss.weather": "Weather", "dss.wx.manual": "Typed in", "dss.wx.station": "Station", "dss.wx.speed": "Wind speed m/s",
      "dss.wx.dir": "Wind from °", "dss.wx.stability": "Stability", "dss.wx.bycloud": "from wind, cloud and the sun",
      "dss.wx.cloud": "Cloud (oktas)", "dss.wx.day": "Day / night", "dss.wx.daytime": "day", "dss.wx.night": "night",
      "dss.wx.age": "observed", "dss.wx.ago": "ago", "dss.wx.none": "no station reading", "dss.wx.temp": "Air °C",
      "dss.run": "Run the model", "dss.running": "running…", "dss.result": "Result", "dss.result.none": "No model run yet",
      "dss.zones": "Zones", "dss.zone.none": "no zones (no threshold reached)", "dss.figures": "Key figures",
      "dss.count.people": "people", "dss.count.enterprises": "enterprises", "dss.count.residential": "residential",
      "dss.count.cameras": "cameras", "dss.count.sensors": "sensors", "dss.count.resources": "resources", "dss.names": "names", "dss.unreached": "not reached",
      "dss.level.evacuate": "evacuate", "dss.level.shelter": "shelter", "dss.level.warn": "warn",
      "dss.onmap": "On the map", "dss.draft": "Draft the response plan", "dss.runs": "Past runs",
      "dss.runs.none": "No runs for this incident yet", "dss.col.when": "When", "dss.col.who": "By", "dss.col.model": "Model",
      "dss.col.inputs": "Inputs", "dss.col.weather": "Weather", "dss.col.seconds": "Time", "dss.view": "View", "dss.rerun": "Re-run",
      "dss.reproduced": "✓ reproduced", "dss.not_reproduced": "✗ not reproduced", "dss.of": "re-run of",
      "dss.source.manual": "typed", "dss.source.station": "station", "dss.exercise": "exercise",
      "dss.model.plume_footprint": "Toxic gas plume footprint (Gaussian)",
      "dss.model.dense_gas_continuous": "Dense gas, continuous release", "dss.model.dense_gas_instantaneous": "Dense gas, instantaneous release",
      "dss.model.pool_fire": "Pool fire radiation", "dss.model.bleve_fireball": "BLEVE fireball",
      "dss.model.tnt_explosion": "Vapour cloud explosion (TNT equivalence)", "dss.model.tno_multi_energy": "Vapour cloud explosion (TNO multi-energy)",
      "dss.p.cloud_volume_m3": "Congested cloud volume", "dss.p.strength": "Blast strength (1–10)", "dss.p.ambient_pressure_pa": "Ambient pressure",
      "dss.p.lon": "Release point longitude", "dss.p.lat": "Release point latitude", "dss.p.release_rate_kg_s": "Release rate", "dss.p.release_height_m": "Release height", "dss.p.terrain": "Terrain",
      "dss.p.thresholds": "Concentration thresholds", "dss.p.molar_mass_g_mol": "Molar mass", "dss.p.source_lon": "Release longitude",
      "dss.p.source_lat": "Release latitude", "dss.p.grid_n": "Grid points", "dss.p.gas_density": "Gas density",
      "dss.p.release_temperature": "Release temperature", "dss.p.concentration": "Concentration of interest (vol. fraction)",
      "dss.p.release_rate": "Volumetric release rate", "dss.p.release_volume": "Released volume", "dss.p.diameter_m": "Pool diameter",
      "dss.p.heat_of_combustion_mj_kg": "Heat of combustion (LHV)", "dss.p.distance_m": "Target distance",
      "dss.p.mass_kg": "Fireball mass", "dss.p.fuel_mass_kg": "Fuel mass in the cloud", "dss.p.yield_fraction": "Explosion yield",
      "dss.p.tnt_mass_kg": "TNT mass", "dss.p.levels_kw_m2": "Radiation levels", "dss.p.levels_kpa": "Overpressure levels",
      "dss.p.distances_m": "Distances", "dss.p.heat_of_vaporisation_kj_kg": "Heat of vaporisation", "dss.p.boiling_point_k": "Boiling point",
      "dss.p.ambient_k": "Ambient temperature", "dss.p.relative_humidity": "Relative humidity",
      "dss.t.name": "name (e.g. AEGL-2)", "dss.t.value": "value", "dss.t.unit": "unit",
      "dss.add_row": "+ add a row", "dss.remove": "Remove", "dss.list_hint": "numbers separated by commas",
      "drf.title": "Response plan (draft)", "drf.none": "No response plan drafted yet", "drf.zones": "Zones and evacuation routes",
      "drf.zone": "Zone", "drf.action": "Action", "drf.people": "People", "drf.routes": "Routes", "drf.to": "to assembly point",
      "drf.resources": "Resources", "drf.kind": "Kind", "drf.distance": "Distance", "drf.flags": "Notes",
      "drf.cards": "Plan action cards (read-only)", "drf.role": "Role", "drf.deadline": "Deadline (min)", "drf.plan": "Plan",
      "drf.warnings": "Targeted warnings", "drf.channel": "Channel", "drf.recipients": "Recipients (one a line)",
      "drf.message": "Message", "drf.note": "Note", "drf.save": "Save changes", "drf.approve": "Approve and send",
      "drf.discard": "Discard", "drf.confirm.approve": "Approving sends every warning through the comms outbox. Go ahead?",
      "drf.confirm.discard": "Discard this draft response plan?", "drf.saved": "saved", "drf.sent": "sent",
      "drf.outbox": "outbox messages", "drf.cap": "CAP alert", "drf.changed": "Someone else changed this plan.",
      "drf.reload": "Reload", "drf.version": "version", "drf.approved_by": "approved by", "drf.commanders": "only a commander may approve",
      "drf.invalid": "not usable", "drf.channel.sms": "SMS", "drf.channel.broadcast": "broadcast", "drf.unsaved": "unsaved changes",
      "status.approved": "approved", "status.sent": "sent", "status.discarded": "discarded",
    },
  });

  // The models useful at an incident, in the order a commander reaches for them.
  const USEFUL = ["plume_footprint", "dense_gas_continuous", "dense_gas_instantaneous", "pool_fire", "bleve_fireball", "tnt_explosion",
    "tno_multi_energy"];
  // The inputs the weather fills, per model (the service's WIND_INPUTS, command/services/simulations.py):
  // with the weather block shown they are not asked for again (the service refuses a value given twice).
  const WEATHER_FILLS = {
    plume_footprint: ["wind_speed", "wind_from_deg", "stability", "air_temperature_k"],
    dense_gas_continuous: ["wind_speed_10m", "ambient_temperature"],
    dense_gas_instantaneous: ["wind_speed_10m", "ambient_temperature"],
    pool_fire: ["wind_speed_10m_m_s", "ambient_k"],
  };
  // The release point is params lon/lat (empty: the incident's location); the plume's own source_lon/lat follow it.
  const POINT_FIELDS = new Set(["source_lon", "source_lat"]);
  const OPERATORS = ["admin", "commander", "duty_officer"];
  const COMMANDERS = ["admin", "commander"];
  const KINDS = ["people", "enterprises", "residential", "cameras", "sensors", "resources"];
  const T = (k, fb) => WP.t(k, fb);

  /* ---- small helpers ----------------------------------------------------------------------------- */
  const fmt = (v) => {
    if (typeof v !== "number" || !isFinite(v)) return v === null || v === undefined ? "—" : String(v);
    const a = Math.abs(v);
    if (a === 0 || Number.isInteger(v)) return String(v);
    if (a >= 100) return v.toFixed(0);
    if (a >= 1) return v.toFixed(2).replace(/\.?0+$/, "");
    return Number(v.toPrecision(3)).toString();
  };
  const metres = (m) => (typeof m !== "number" ? "—" : m >= 1000 ? `${(m / 1000).toFixed(2)} km` : `${Math.round(m)} m`);
  const clone = (x) => JSON.parse(JSON.stringify(x === undefined ? null : x));
  const nameOf = (x) => {
    if (x === null || x === undefined) return "";
    if (typeof x !== "object") return String(x);
    const p = x.properties || {};
    return x.name || x.person || p.name || x.title || x.id || p.id || JSON.stringify(x);
  };
  const modelName = (n) => T("dss.model." + n, n);
  /* Field errors from an API refusal: [{path: [...], msg}] — FastAPI's 422 list (loc), an object
     {field|loc, msg|message}, or a model's OutOfRange text "what: … outside … [lo, hi]". */
  function fieldErrors(e) {
    const d = e && e.data ? e.data.detail : null;
    const out = [];
    const push = (path, msg) => out.push({ path: (path || []).filter((p) => p !== "body").map(String), msg: String(msg) });
    const one = (x) => {
      if (!x) return;
      if (typeof x === "string") {
        const m = /^([\w.\[\]]+): (.+)$/s.exec(x);
        push(m ? m[1].replace(/\[(\d+)\]/g, ".$1").split(".") : [], x);
      } else if (Array.isArray(x.loc)) push(x.loc, x.msg || x.message);
      else if (x.field || x.loc) push(String(x.field || x.loc).split("."), x.msg || x.message || x.detail);
      else push([], x.msg || x.message || JSON.stringify(x));
    };
    if (Array.isArray(d)) d.forEach(one); else one(d);
    if (!out.length) push([], e && e.message ? e.message : String(e));
    return out;
  }
  /* Put each error under the field it names (the container with data-err = the dotted path, or
     its longest named prefix); what names no field goes to `general`. */
  function showFieldErrors(root, e, general, strip) {
    root.querySelectorAll(".dss-ferr").forEach((n) => { n.textContent = ""; n.closest(".field, .dss-cell")?.classList.remove("bad"); });
    general.textContent = "";
    const rest = [];
    for (const { path, msg } of fieldErrors(e)) {
      let p = path.slice();
      if (strip && p[0] === strip) p = p.slice(1);
      let box = null;
      for (let n = p.length; n > 0 && !box; n--) box = root.querySelector(`.dss-ferr[data-err="${CSS.escape(p.slice(0, n).join("."))}"]`);
      if (!box && path.length) box = root.querySelector(`.dss-ferr[data-err="${CSS.escape(path.join("."))}"]`);
      if (box) {
        box.textContent = box.textContent ? `${box.textContent}; ${msg}` : msg;
        box.closest(".field, .dss-cell")?.classList.add("bad");
      } else rest.push(msg);
    }
    if (rest.length) general.textContent = rest.join("; ");
  }
  const clearErrors = (root, general) => showFieldErrors(root, { data: { detail: [] }, message: "" }, general);

  /* ---- the model's inputs from its JSON schema ------------------------------------------------------ */
  function resolve(schema, s) {
    if (!s) return {};
    if (s.$ref) {
      const key = s.$ref.split("/").pop();
      return Object.assign({}, (schema.$defs || schema.definitions || {})[key] || {}, s.description ? { description: s.description } : {});
    }
    if (s.anyOf || s.oneOf) {
      const alts = s.anyOf || s.oneOf;
      const real = alts.find((a) => a.type !== "null") || {};
      return Object.assign({}, resolve(schema, real), { nullable: alts.some((a) => a.type === "null"), default: s.default,
        description: s.description, title: s.title });
    }
    return s;
  }
  const unitOf = (desc) => {
    const main = String(desc || "").split(" (")[0].split(";")[0];
    const i = main.lastIndexOf(", ");
    const u = i >= 0 ? main.slice(i + 2).trim() : "";
    return u && u.length <= 14 && !/\s(or|and)\s/.test(u) ? u : "";
  };
  const rangeOf = (s) => {
    const lo = s.minimum !== undefined ? `[${s.minimum}` : s.exclusiveMinimum !== undefined ? `(${s.exclusiveMinimum}` : null;
    const hi = s.maximum !== undefined ? `${s.maximum}]` : s.exclusiveMaximum !== undefined ? `${s.exclusiveMaximum})` : null;
    if (lo === null && hi === null) return "";
    return `${lo || "(-∞"}, ${hi || "∞)"}`;
  };

  /* One input per schema property: {node, read() → value | undefined, set(v)}. */
  function inputFor(schema, key, raw, required) {
    const s = resolve(schema, raw);
    const id = `dss-in-${key}`;
    const desc = s.description || raw.description || "";
    const unit = unitOf(desc);
    const label = T("dss.p." + key, null) || desc.split(" (")[0].split(";")[0].replace(/, [^,]*$/, (m) => (unit ? "" : m));
    const hint = [];
    const range = rangeOf(s);
    if (range) hint.push(`${T("dss.range")} ${range}${unit ? " " + unit : ""}`);
    else if (unit) hint.push(unit);
    if (s.default !== undefined && s.default !== null && typeof s.default !== "object") hint.push(`${T("dss.default")} ${s.default}`);
    if (key === "lon" || key === "lat") hint.push(T("dss.at_incident"));
    let node, read, set;
    if (s.enum) {
      node = el("select", { id, name: key },
        !required ? el("option", { value: "", text: s.default !== undefined ? `(${T("dss.default")} ${s.default})` : "—" }) : null,
        s.enum.map((v) => el("option", { value: v, text: String(v) })));
      read = () => (node.value === "" ? undefined : node.value);
      set = (v) => { node.value = v === undefined || v === null ? "" : String(v); };
    } else if (s.type === "boolean") {
      node = el("select", { id, name: key }, el("option", { value: "", text: "—" }), el("option", { value: "true", text: "✓" }),
        el("option", { value: "false", text: "✗" }));
      read = () => (node.value === "" ? undefined : node.value === "true");
      set = (v) => { node.value = v === true ? "true" : v === false ? "false" : ""; };
    } else if (s.type === "number" || s.type === "integer") {
      const min = s.minimum !== undefined ? s.minimum : s.exclusiveMinimum;
      const max = s.maximum !== undefined ? s.maximum : s.exclusiveMaximum;
      node = el("input", { id, name: key, type: "number", step: s.type === "integer" ? "1" : "any", min, max,
        placeholder: s.default !== undefined && s.default !== null ? String(s.default) : required ? T("dss.required") : T("dss.optional") });
      read = () => (node.value.trim() === "" ? undefined : s.type === "integer" ? parseInt(node.value, 10) : Number(node.value));
      set = (v) => { node.value = v === undefined || v === null ? "" : String(v); };
    } else if (s.type === "array" && s.items && resolve(schema, s.items).type === "object") {
      return objectList(schema, key, s, required, label, desc);
    } else if (s.type === "array") {
      node = el("input", { id, name: key, placeholder: T("dss.list_hint"), inputmode: "decimal" });
      read = () => {
        const xs = node.value.split(/[,，\s]+/).filter(Boolean).map(Number);
        return xs.length ? xs : undefined;
      };
      set = (v) => { node.value = Array.isArray(v) ? v.join(", ") : ""; };
    } else {
      node = el("input", { id, name: key, placeholder: required ? T("dss.required") : T("dss.optional") });
      read = () => (node.value.trim() === "" ? undefined : node.value.trim());
      set = (v) => { node.value = v === undefined || v === null ? "" : String(v); };
    }
    const wrap = el("div", { class: "field dss-field", "data-key": key },
      el("label", { for: id, title: desc }, label, required ? el("span", { class: "dss-req", text: " *" }) : null),
      node, hint.length ? el("small", { class: "muted", text: hint.join(" · ") }) : null,
      el("div", { class: "dss-ferr err", id: `dss-err-${key}`, "data-err": key }));
    return { key, node: wrap, read, set };
  }

  /* An array of objects (the plume's thresholds): a row of inputs per item, add and remove rows. */
  function objectList(schema, key, s, required, label, desc) {
    const item = resolve(schema, s.items);
    const props = Object.entries(item.properties || {});
    const need = new Set(item.required || []);
    const rows = el("div", { class: "dss-objlist", id: `dss-in-${key}` });
    let n = 0;
    function addRow(v) {
      const i = n++;
      const cells = props.map(([k, raw]) => {
        const ps = resolve(schema, raw);
        const id = `dss-in-${key}-${i}-${k}`;
        const node = ps.enum
          ? el("select", { id, "data-prop": k }, ps.enum.map((x) => el("option", { value: x, text: x })))
          : el("input", { id, "data-prop": k, type: ps.type === "number" || ps.type === "integer" ? "number" : "text", step: "any",
            placeholder: T("dss.t." + k, k), title: ps.description || k, "aria-label": T("dss.t." + k, k) });
        if (v && v[k] !== undefined && v[k] !== null) node.value = String(v[k]);
        else if (ps.default !== undefined && ps.enum) node.value = ps.default;
        return el("div", { class: "dss-cell" }, node, el("div", { class: "dss-ferr err", "data-err": `${key}.${i}.${k}` }));
      });
      const row = el("div", { class: "dss-objrow", "data-i": i }, cells,
        el("button", { class: "linkbtn", type: "button", title: T("dss.remove"), "aria-label": T("dss.remove"), text: "×",
          onclick: () => row.remove() }));
      rows.append(row);
    }
    const read = () => {
      const out = [...rows.children].map((row) => {
        const o = {};
        row.querySelectorAll("[data-prop]").forEach((node) => {
          const k = node.dataset.prop, ps = resolve(schema, item.properties[k]);
          if (node.value.trim() === "") return;
          o[k] = ps.type === "number" || ps.type === "integer" ? Number(node.value) : node.value.trim();
        });
        return o;
      }).filter((o) => Object.keys(o).some((k) => need.has(k) || k !== "unit"));
      return out.length ? out : undefined;
    };
    // Errors for row i of a list are keyed by its position in what was sent: rows renumber on read.
    const set = (list) => { rows.replaceChildren(); n = 0; (list || []).forEach(addRow); if (!rows.children.length) addRow(null); };
    set(null);
    const node = el("div", { class: "field dss-field dss-wide", "data-key": key },
      el("label", { title: desc }, label, required ? el("span", { class: "dss-req", text: " *" }) : null),
      rows, el("div", {}, el("button", { class: "linkbtn", type: "button", id: `dss-add-${key}`, text: T("dss.add_row"), onclick: () => addRow(null) })),
      el("div", { class: "dss-ferr err", id: `dss-err-${key}`, "data-err": key }));
    return { key, node, read: () => { [...rows.children].forEach((r, j) => r.querySelectorAll(".dss-ferr").forEach((f) => {
      f.dataset.err = f.dataset.err.replace(/^([^.]+)\.\d+\./, `$1.${j}.`); })); return read(); }, set };
  }

  /* ---- substance → inputs ---------------------------------------------------------------------------- */
  function sval(s, prop) {
    for (const src of [s.values, s.thresholds, s.properties, s]) {
      if (!src || typeof src !== "object") continue;
      const v = src[prop];
      if (typeof v === "number") return v;
      if (v && typeof v === "object" && typeof v.value === "number") return v.value;
    }
    return null;
  }
  const mwOf = (s) => sval(s, "molecular_weight") || sval(s, "mw") || sval(s, "molar_mass_g_mol");
  /* What a substance tells each model. Toxic levels are AEGL (60 min), else ERPG, in ppm. */
  function fromSubstance(model, s) {
    const out = {};
    const mw = mwOf(s), tb = sval(s, "boiling_point"), hc = sval(s, "heat_of_combustion_lhv"), lfl = sval(s, "lfl");
    if (model === "plume_footprint") {
      const levels = [["AEGL-3 (60 min)", "aegl3_60min"], ["AEGL-2 (60 min)", "aegl2_60min"], ["AEGL-1 (60 min)", "aegl1_60min"]]
        .map(([n, k]) => [n, sval(s, k)]).filter(([, v]) => v);
      const erpg = [["ERPG-3", "erpg3"], ["ERPG-2", "erpg2"], ["ERPG-1", "erpg1"]].map(([n, k]) => [n, sval(s, k)]).filter(([, v]) => v);
      const idlh = sval(s, "idlh") ? [["IDLH", sval(s, "idlh")]] : [];
      const use = levels.length ? levels : erpg.length ? erpg : idlh;
      if (use.length) out.thresholds = use.map(([name, value]) => ({ name, value, unit: "ppm" }));
      if (mw) out.molar_mass_g_mol = mw;
    } else if (model.startsWith("dense_gas")) {
      if (mw && tb) { out.gas_density = Number((101325 * mw / 1000 / (8.314462618 * tb)).toFixed(3)); out.release_temperature = tb; }
      if (lfl) out.concentration = lfl / 100;
      else if (sval(s, "aegl2_60min")) out.concentration = Number((sval(s, "aegl2_60min") * 1e-6).toPrecision(3));
    } else if (model === "pool_fire") {
      if (hc) out.heat_of_combustion_mj_kg = hc;
      if (sval(s, "heat_of_vaporisation_at_bp")) out.heat_of_vaporisation_kj_kg = sval(s, "heat_of_vaporisation_at_bp");
      if (tb) out.boiling_point_k = tb;
    } else if (hc) out.heat_of_combustion_mj_kg = hc;
    return out;
  }

  /* ---- the panel ------------------------------------------------------------------------------------ */
  WP.dssPanel = function (incidentId) {
    const role = WP.user ? WP.user.role : "";
    const canRun = OPERATORS.includes(role) || role === "drill_organizer";  // drill organisers: exercise incidents (the service decides)
    const canDraft = OPERATORS.includes(role);
    let models = [], substances = [], fields = [], current = null, runs = [];
    const repro = new Map();  // simulation id → {reproduced, by} after a re-run from this page

    const err = el("div", { class: "err dss-general", id: "dss-err" });
    const modelSel = el("select", { id: "dss-model" });
    const subSel = el("select", { id: "dss-substance" });
    const subNote = el("small", { class: "muted", id: "dss-substance-note" });
    const inputs = el("div", { class: "dss-grid", id: "dss-inputs" });
    const wxBox = el("fieldset", { class: "dss-weather", id: "dss-weather" });
    const runBtn = el("button", { class: "btn primary", type: "submit", id: "dss-run", text: T("dss.run") });
    const result = el("div", { class: "dss-result", id: "dss-result" }, el("div", { class: "empty", text: T("dss.result.none") }));
    const runsBody = el("tbody", { id: "dss-runs" });
    const runsEmpty = el("div", { class: "empty", id: "dss-runs-empty", text: T("dss.runs.none") });
    const draftBox = el("div", { class: "dss-draft", id: "draft" });

    /* weather: typed in, or the park's station */
    const wx = {
      speed: el("input", { id: "dss-wx-speed", type: "number", step: "any", min: "0", max: "30", placeholder: "m/s" }),
      dir: el("input", { id: "dss-wx-dir", type: "number", step: "any", min: "0", max: "360", placeholder: "0–360" }),
      stability: el("select", { id: "dss-wx-stability" }, el("option", { value: "", text: T("dss.wx.bycloud") }),
        ["A", "B", "C", "D", "E", "F"].map((c) => el("option", { value: c, text: c }))),
      cloud: el("input", { id: "dss-wx-cloud", type: "number", step: "any", min: "0", max: "8", placeholder: "0–8" }),
      temp: el("input", { id: "dss-wx-temp", type: "number", step: "any", min: "-60", max: "60", placeholder: "°C" }),
      station: el("div", { class: "dss-station muted", id: "dss-wx-info" }),
    };
    const srcRadio = (v) => el("input", { type: "radio", name: "dss-wx-src", id: `dss-wx-${v}`, value: v, checked: v === "manual",
      onchange: () => showWx() });
    const wxField = (key, node, errKey) => el("div", { class: "field" }, el("label", { for: node.id, text: T(key) }), node,
      el("div", { class: "dss-ferr err", "data-err": errKey }));
    const manualBox = el("div", { class: "dss-grid", id: "dss-wx-manual-box" },
      wxField("dss.wx.speed", wx.speed, "weather.wind_speed_m_s"), wxField("dss.wx.dir", wx.dir, "weather.wind_from_deg"),
      wxField("dss.wx.stability", wx.stability, "weather.stability"), wxField("dss.wx.cloud", wx.cloud, "weather.cloud_oktas"),
      wxField("dss.wx.temp", wx.temp, "weather.temperature_c"));
    wxBox.append(el("legend", { text: T("dss.weather") }),
      el("div", { class: "dss-src" }, el("label", {}, srcRadio("manual"), " ", T("dss.wx.manual")),
        el("label", {}, srcRadio("station"), " ", T("dss.wx.station"))),
      manualBox, wx.station, el("div", { class: "dss-ferr err", "data-err": "weather" }));
    const wxSource = () => (wxBox.querySelector("input[name=dss-wx-src]:checked") || {}).value || "manual";
    function showWx() {
      const station = wxSource() === "station";
      manualBox.hidden = station;
      wx.station.hidden = !station;
      wx.cloud.closest(".field").hidden = !!wx.stability.value;  // the class is derived from wind, cloud and the sun
      if (station) loadStation();
    }
    wx.stability.addEventListener("change", showWx);
    async function loadStation() {
      wx.station.textContent = "…";
      try {
        const w = await WP.api("/api/weather/now");
        const age = typeof w.age_s === "number" ? Math.round(w.age_s / 60)
          : w.observed_at ? Math.max(0, Math.round((Date.now() - new Date(w.observed_at)) / 60000)) : null;
        wx.station.replaceChildren(el("b", { text: w.station || "" }), " ",
          `${fmt(w.wind_speed_m_s)} m/s · ${T("dss.wx.dir")} ${fmt(w.wind_from_deg)}°`,
          w.temperature_c !== undefined && w.temperature_c !== null ? ` · ${fmt(w.temperature_c)} °C` : "",
          w.cloud_oktas !== undefined && w.cloud_oktas !== null ? ` · ${fmt(w.cloud_oktas)}/8` : "",
          el("span", { class: w.stale ? "overdue" : "", id: "dss-wx-age", "data-stale": w.stale ? "1" : "0",
            text: w.observed_at ? ` · ${T("dss.wx.age")} ${WP.fmtTime(w.observed_at)} (${age} min ${T("dss.wx.ago")})` : "" }));
        wx.station.dataset.state = "ok";
      } catch (e) {
        wx.station.replaceChildren(el("span", { class: "err", text: `${T("dss.wx.none")}: ${e.message}` }));
        wx.station.dataset.state = "none";
      }
    }
    function weatherBody() {
      if (wxSource() === "station") return { source: "station" };
      const w = { source: "manual" };
      const num = (n) => (n.value.trim() === "" ? undefined : Number(n.value));
      if (num(wx.speed) !== undefined) w.wind_speed_m_s = num(wx.speed);
      if (num(wx.dir) !== undefined) w.wind_from_deg = num(wx.dir);
      if (wx.stability.value) w.stability = wx.stability.value;
      else if (num(wx.cloud) !== undefined) w.cloud_oktas = num(wx.cloud);
      if (num(wx.temp) !== undefined) w.temperature_c = num(wx.temp);
      return w;
    }

    /* the form for the chosen model */
    function buildInputs() {
      const m = models.find((x) => x.name === modelSel.value);
      if (!m) { inputs.replaceChildren(); fields = []; return; }
      const schema = m.inputs || {};
      const need = new Set(schema.required || []);
      // The weather block is for the models whose wind it fills (GET /api/dss/models: weather_inputs).
      const wi = m.weather_inputs || null;
      const fills = new Set(wi ? (Object.values(wi).includes("wind_speed_m_s") ? Object.keys(wi) : []) : WEATHER_FILLS[m.name] || []);
      const fed = fills.size > 0;
      inputs.dataset.weather = fed ? "1" : "0";
      const point = { type: "number", minimum: -180, maximum: 180 };
      fields = [inputFor(schema, "lon", Object.assign({ description: "release point, longitude, °" }, point), false),
        inputFor(schema, "lat", Object.assign({ description: "release point, latitude, °" }, point, { minimum: -85, maximum: 85 }), false)]
        .concat(Object.entries(schema.properties || {}).filter(([k]) => !fills.has(k) && !POINT_FIELDS.has(k))
          .map(([k, raw]) => inputFor(schema, k, raw, need.has(k))));
      inputs.replaceChildren(...fields.map((f) => f.node));
      inputs.dataset.model = m.name;
      wxBox.hidden = !fed;
      modelSel.title = m.summary || "";
      applySubstance();
    }
    function applySubstance() {
      const s = substances.find((x) => x.key === subSel.value);
      subNote.textContent = "";
      if (!s) return;
      const vals = fromSubstance(modelSel.value, s);
      for (const f of fields) if (vals[f.key] !== undefined) f.set(vals[f.key]);
      if (Object.keys(vals).length) subNote.textContent = T("dss.substance.fill");
    }
    modelSel.addEventListener("change", buildInputs);
    subSel.addEventListener("change", applySubstance);

    async function run(e) {
      e.preventDefault();
      clearErrors(form, err);
      const params = {};
      for (const f of fields) { const v = f.read(); if (v !== undefined) params[f.key] = v; }
      const body = { incident_id: incidentId, model: modelSel.value, params };
      if (inputs.dataset.weather === "1") body.weather = weatherBody();
      if (subSel.value) body.substance = subSel.value;
      runBtn.disabled = true;
      runBtn.textContent = T("dss.running");
      try {
        const sim = await WP.api("/api/simulations", { method: "POST", body });
        showResult(sim);
        await loadRuns();
      } catch (e2) {
        if (e2.status === 422 || e2.status === 400) showFieldErrors(form, e2, err, "params");
        else err.textContent = e2.message;
      } finally { runBtn.disabled = false; runBtn.textContent = T("dss.run"); }
    }
    const form = el("form", { class: "dss-form", id: "dss-form", onsubmit: run, novalidate: true },
      el("div", { class: "dss-grid dss-top" },
        el("div", { class: "field" }, el("label", { for: "dss-model", text: T("dss.model") }), modelSel),
        el("div", { class: "field" }, el("label", { for: "dss-substance", text: T("dss.substance") }), subSel, subNote,
          el("div", { class: "dss-ferr err", id: "dss-err-substance", "data-err": "substance" }))),
      el("h3", { text: T("dss.inputs") }), inputs, wxBox,
      el("div", { class: "actions" }, runBtn), err);

    /* ---- one run's result ---------------------------------------------------------------------------- */
    function figures(res) {
      if (!res || typeof res !== "object") return null;
      const scalars = [], blocks = [];
      for (const [k, v] of Object.entries(res)) {
        if (v === null || v === undefined) continue;
        if (typeof v !== "object") scalars.push([k, fmt(v)]);
        else if (Array.isArray(v) && v.length && typeof v[0] === "object" && !Array.isArray(v[0])) {
          const cols = Object.keys(v[0]).filter((c) => v.some((r) => r[c] !== null && typeof r[c] !== "object"));
          blocks.push(el("div", { class: "dss-scroll" }, el("table", { class: "grid dss-fig", "data-key": k },
            el("caption", { text: k }), el("thead", {}, el("tr", {}, cols.map((c) => el("th", { text: c })))),
            el("tbody", {}, v.map((r) => el("tr", {}, cols.map((c) => el("td", { class: "num", text: fmt(r[c]) }))))))));
        } else if (!Array.isArray(v) && Object.values(v).every((x) => x === null || typeof x !== "object")) {
          blocks.push(el("div", { class: "dss-subfig" }, el("b", { text: k }), el("dl", { class: "kv" },
            Object.entries(v).flatMap(([a, b]) => [el("dt", { text: a }), el("dd", { class: "num", text: fmt(b) })]))));
        }
      }
      return el("div", { class: "dss-figures", id: "dss-figures" },
        scalars.length ? el("dl", { class: "kv dss-kv" }, scalars.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { class: "num", text: v })])) : null,
        blocks);
    }
    function zoneList(zones) {
      if (!zones || !zones.length) return el("div", { class: "muted", id: "dss-zones", text: T("dss.zone.none") });
      return el("div", { id: "dss-zones", class: "dss-zones" }, zones.map((z, i) => {
        const counts = z.counts || {};
        const th = z.threshold ? ` · ≥ ${fmt(z.threshold.value)} ${z.threshold.unit || ""}` : "";
        return el("details", { class: `dss-zone lvl-${z.level}${z.reached === false ? " unreached" : ""}`, "data-level": z.level, "data-name": z.name, "data-i": i },
          el("summary", {}, el("span", { class: `badge dss-lvl dss-lvl-${z.level}`, text: T("dss.level." + z.level, z.level) }),
            el("b", { text: ` ${z.name}` }), el("span", { class: "muted", text: th }),
            z.reached === false ? el("span", { class: "muted", text: ` · ${T("dss.unreached")}` }) : null,
            el("span", { class: "dss-counts" }, KINDS.map((k) => el("span", { class: "dss-count", "data-kind": k, "data-n": counts[k] || 0 },
              `${T("dss.count." + k)} `, el("b", { text: String(counts[k] || 0) }))))),
          el("div", { class: "dss-names" }, KINDS.filter((k) => (z[k] || []).length).map((k) => el("div", { class: "dss-namegroup", "data-kind": k },
            el("b", { text: `${T("dss.count." + k)}: ` }),
            el("span", { text: z[k].map((x) => (k === "people" && x.phone ? `${nameOf(x)} (${x.phone})` : nameOf(x))).join("、") })))));
      }));
    }
    function showResult(sim) {
      current = sim;
      const w = sim.weather || {};
      result.dataset.sim = sim.id;
      result.replaceChildren(
        el("h3", {}, `#${sim.id} ${modelName(sim.model)}`, sim.exercise ? el("span", { class: "badge exercise", text: T("dss.exercise") }) : null),
        el("div", { class: "muted dss-meta" }, `${WP.fmtTime(sim.at)} · ${sim.actor || ""}`, weatherText(w) ? ` · ${weatherText(w)}` : "",
          sim.seconds !== undefined ? ` · ${fmt(sim.seconds)} s` : ""),
        el("div", { class: "actions dss-links" },
          el("a", { class: "btn", id: "dss-map-link", href: `map.html?incident=${incidentId}&simulation=${sim.id}`, text: T("dss.onmap") }),
          canDraft ? el("button", { class: "btn", type: "button", id: "dss-draft-btn", text: T("dss.draft"), onclick: (e) => draftFrom(sim, e.currentTarget) }) : null),
        el("h4", { text: T("dss.zones") }), zoneList(sim.zones),
        el("h4", { text: T("dss.figures") }), figures(sim.result));
    }
    const weatherText = (w) => {
      if (!w || !Object.keys(w).length) return "";
      const parts = [T("dss.source." + w.source, w.source || "")];
      if (w.wind_speed_m_s !== undefined) parts.push(`${fmt(w.wind_speed_m_s)} m/s`);
      if (w.wind_from_deg !== undefined) parts.push(`${fmt(w.wind_from_deg)}°`);
      if (w.stability) parts.push(w.stability);
      if (w.station) parts.push(w.station);
      return parts.filter(Boolean).join(" ");
    };
    const inputsText = (p) => Object.entries(p || {}).filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.map((x) => (typeof x === "object" ? nameOf(x) : x)).join("/") : typeof v === "object" ? "…" : v}`)
      .join(", ");

    /* ---- past runs ----------------------------------------------------------------------------------- */
    async function rerun(sim, btn) {
      btn.disabled = true;
      err.textContent = "";
      try {
        const r = await WP.api(`/api/simulations/${sim.id}/rerun`, { method: "POST" });
        repro.set(sim.id, { reproduced: !!r.reproduced, by: r.id });
        await loadRuns();
      } catch (e) { err.textContent = e.message; btn.disabled = false; }
    }
    // A re-run says what it re-ran and whether the result came out identical (versions.rerun, or of/reproduced).
    const rerunOf = (s) => {
      const r = (s.versions || {}).rerun || (s.of !== undefined && s.of !== null ? { of: s.of, reproduced: s.reproduced } : null);
      return r && r.of !== undefined && r.of !== null ? r : null;
    };
    const zonesText = (zs) => (zs || []).map((z) => `${z.name}: ${(z.counts || {}).people || 0} ${T("dss.count.people")}`).join("; ");
    async function loadRuns() {
      runs = await WP.api(`/api/simulations?incident_id=${incidentId}`);
      runs.sort((a, b) => b.id - a.id);
      const reruns = new Map();  // original id → its latest re-run
      for (const s of runs) { const r = rerunOf(s); if (r && !reruns.has(r.of)) reruns.set(r.of, { by: s.id, reproduced: r.reproduced }); }
      for (const [id, r] of repro) if (r.by && !reruns.has(id)) reruns.set(id, r);
      const reproMark = (r, by) => el("span", { class: `dss-repro ${r.reproduced ? "ok" : "bad"}`, "data-reproduced": r.reproduced ? "1" : "0",
        text: `${T(r.reproduced ? "dss.reproduced" : "dss.not_reproduced")}${by ? ` (#${by})` : ""}` });
      runsBody.replaceChildren(...runs.map((s) => {
        const mine = rerunOf(s), later = reruns.get(s.id);
        const inputsLine = s.params ? inputsText(s.params) : zonesText(s.zones);
        return el("tr", { "data-id": s.id, class: current && current.id === s.id ? "current" : null },
          el("td", { class: "num" }, `#${s.id} `, s.exercise ? el("span", { class: "badge exercise", text: T("dss.exercise") }) : null),
          el("td", { class: "num", text: WP.fmtTime(s.at) }), el("td", { text: s.actor || "" }),
          el("td", {}, modelName(s.model), mine ? el("div", { class: "muted dss-of" }, `${T("dss.of")} #${mine.of} `, reproMark(mine)) : null),
          el("td", { class: "dss-inputs-cell", title: inputsLine, text: inputsLine }),
          el("td", { text: weatherText(s.weather) }),
          el("td", {}, el("div", { class: "actions" },
            el("button", { class: "btn dss-view", type: "button", "data-id": s.id, text: T("dss.view"), onclick: () => showResultById(s.id) }),
            canRun ? el("button", { class: "btn dss-rerun", type: "button", "data-id": s.id, text: T("dss.rerun"),
              onclick: (e) => rerun(s, e.currentTarget) }) : null), later ? reproMark(later, later.by) : null));
      }));
      runsEmpty.hidden = runs.length > 0;
    }
    async function showResultById(id) {
      try { showResult(await WP.api(`/api/simulations/${id}`)); loadRuns().catch(() => {}); } catch (e) { err.textContent = e.message; }
    }

    /* ---- the response draft (DRL-5) ------------------------------------------------------------------ */
    // saved: the version this page last saved, shown until the next edit; kept here because the push of that
    // very save redraws the draft, and a message written into the old drawing would vanish with it.
    let drafts = [], draft = null, work = null, dirty = false, stale = false, saved = null;
    const draftErr = el("div", { class: "err", id: "draft-err" });
    async function draftFrom(sim, btn) {
      btn.disabled = true;
      draftErr.textContent = "";
      try {
        draft = await WP.api(`/api/incidents/${incidentId}/response-drafts`, { method: "POST", body: { simulation_id: sim.id } });
        work = null; dirty = false; stale = false;
        await loadDrafts(draft.id);
        draftBox.scrollIntoView({ block: "start" });
      } catch (e) { draftErr.textContent = e.message; renderDraft(); } finally { btn.disabled = false; }
    }
    async function loadDrafts(pick) {
      drafts = await WP.api(`/api/incidents/${incidentId}/response-drafts`);
      drafts.sort((a, b) => b.id - a.id);
      const want = pick || (draft && draft.id);
      draft = drafts.find((d) => d.id === want) || drafts.find((d) => d.status !== "discarded") || drafts[0] || null;
      if (!dirty || !work || !draft || work.id !== draft.id) { work = draft ? editable(draft) : null; dirty = false; stale = false; }
      renderDraft();
    }
    const editable = (d) => ({ id: d.id, version: d.version, zones: clone((d.body || {}).zones || []),
      resources: clone((d.body || {}).resources || []), warnings: clone((d.body || {}).warnings || []), note: d.note || (d.body || {}).note || "",
      changed: new Set() });
    const touch = (part) => {
      dirty = true; saved = null;
      if (work) work.changed.add(part);
      const u = draftBox.querySelector("#draft-unsaved"); if (u) u.hidden = false;
      const s = draftBox.querySelector("#draft-saved"); if (s) s.textContent = "";
    };

    function renderDraft() {
      const head = el("h2", {}, el("span", { text: T("drf.title") }));
      if (!draft) { draftBox.replaceChildren(head, draftErr, el("div", { class: "empty", id: "draft-none", text: T("drf.none") })); return; }
      const d = draft, editing = d.status === "draft" && canDraft, body = d.body || {};
      const pickList = drafts.length > 1 ? el("select", { id: "draft-pick", onchange: (e) => { dirty = false; work = null; draft = drafts.find((x) => x.id === Number(e.currentTarget.value)); work = editable(draft); renderDraft(); } },
        drafts.map((x) => el("option", { value: x.id, selected: x.id === d.id, text: `#${x.id} · ${T("status." + x.status, x.status)} · ${WP.fmtTime(x.created_at)}` }))) : null;
      head.append(el("span", { class: `badge st st-${d.status}`, id: "draft-status", "data-status": d.status, text: T("status." + d.status, d.status) }),
        el("span", { class: "muted dss-small", text: `#${d.id} · ${T("drf.version")} ${d.version || 1}${d.simulation_id ? ` · ← #${d.simulation_id}` : ""}` }));
      if (pickList) head.append(pickList);
      const w = work || editable(d);

      const zoneRows = (w.zones || []).map((z, i) => el("tr", { "data-i": i, "data-name": z.name },
        el("td", {}, el("b", { text: z.name })),
        el("td", {}, editing ? el("div", { class: "dss-cell" }, el("select", { class: "draft-action", id: `draft-action-${i}`,
          onchange: (e) => { z.action = e.currentTarget.value; touch("zones"); } },
        ["evacuate", "shelter"].map((a) => el("option", { value: a, selected: z.action === a, text: T("dss.level." + a) }))),
        el("div", { class: "dss-ferr err", "data-err": `zones.${i}.action` }))
          : el("span", { class: `badge dss-lvl dss-lvl-${z.action}`, text: T("dss.level." + z.action, z.action) })),
        el("td", { class: "num", text: typeof z.people === "number" ? String(z.people) : (z.people || []).length }),
        el("td", {}, el("ol", { class: "plain dss-routes" }, (z.routes || []).map((r) => el("li", { class: "draft-route" },
          `${T("drf.to")} `, el("b", { text: (r.assembly_point || {}).name || "" }), el("span", { class: "num", text: ` · ${metres(r.length_m)}` })))))));

      const resRows = (w.resources || []).map((r, i) => el("tr", { "data-id": r.resource_id, class: r.valid === false ? "dss-invalid" : null },
        el("td", {}, el("b", { text: r.name || `#${r.resource_id}` }), r.category ? el("div", { class: "muted", text: r.category }) : null),
        el("td", { text: WP.t("res.kind." + r.kind, r.kind || "") }), el("td", { class: "num", text: metres(r.distance_m) }),
        el("td", {}, r.valid === false ? el("span", { class: "overdue", text: T("drf.invalid") + " " }) : null, (r.flags || []).join(", ")),
        el("td", {}, editing ? el("button", { class: "btn draft-remove", type: "button", "data-id": r.resource_id, text: T("dss.remove"),
          onclick: () => { w.resources.splice(i, 1); touch("resources"); renderDraft(); } }) : null)));

      const cardRows = (body.action_cards || []).map((c) => el("tr", {},
        el("td", { text: c.plan_title || c.plan_id || "" }), el("td", { text: c.role || "" }), el("td", { text: c.action || "" }),
        el("td", { class: "num", text: c.deadline_min !== undefined && c.deadline_min !== null ? String(c.deadline_min) : "—" })));

      const warnings = (w.warnings || []).map((x, i) => {
        const rec = el("textarea", { class: "draft-recipients", id: `draft-recipients-${i}`, rows: 3, readonly: !editing });
        rec.value = (x.recipients || []).map((r) => (typeof r === "object" ? r.phone || r.address || nameOf(r) : r)).join("\n");
        rec.addEventListener("input", () => {
          x.recipients = rec.value.split(/\n|,|，/).map((s) => s.trim()).filter(Boolean); touch("warnings"); });
        const msg = el("textarea", { class: "draft-message", id: `draft-message-${i}`, rows: 3, readonly: !editing });
        msg.value = x.message || "";
        msg.addEventListener("input", () => { x.message = msg.value; touch("warnings"); });
        return el("div", { class: "dss-warning draft-warning", "data-id": x.id, "data-i": i },
          el("div", { class: "dss-warning-head" }, el("span", { class: "badge st", text: T("drf.channel." + x.channel, x.channel) }),
            el("b", { text: ` ${x.zone || ""}` }), el("span", { class: "muted", text: ` · ${(x.recipients || []).length}` })),
          el("div", { class: "dss-warning-body" },
            el("div", { class: "field dss-msg" }, el("label", { for: msg.id, text: T("drf.message") }), msg,
              el("div", { class: "dss-ferr err", "data-err": `warnings.${i}.message` })),
            el("div", { class: "field dss-rec" }, el("label", { for: rec.id, text: T("drf.recipients") }), rec,
              el("div", { class: "dss-ferr err", "data-err": `warnings.${i}.recipients` }))));
      });
      const note = el("textarea", { id: "draft-note", rows: 2, readonly: !editing });
      note.value = w.note || "";
      note.addEventListener("input", () => { w.note = note.value; touch("note"); });

      const table = (id, heads, rows) => el("div", { class: "dss-scroll" }, el("table", { class: "grid", id },
        el("thead", {}, el("tr", {}, heads.map((h) => el("th", { text: T(h) })))), el("tbody", {}, rows)));
      const buttons = [];
      if (editing) {
        buttons.push(el("button", { class: "btn primary", type: "button", id: "draft-save", text: T("drf.save"), onclick: save }));
        if (COMMANDERS.includes(role)) buttons.push(el("button", { class: "btn v-true", type: "button", id: "draft-approve", text: T("drf.approve"), onclick: approve }));
        else buttons.push(el("span", { class: "muted", text: T("drf.commanders") }));
        buttons.push(el("button", { class: "btn", type: "button", id: "draft-discard", text: T("drf.discard"), onclick: discard }));
      }
      const sent = d.status === "sent" || d.status === "approved"
        ? el("div", { class: "dss-sent", id: "draft-sent" },
          el("span", {}, `${T("drf.approved_by")} ${d.approved_by || "—"} · ${WP.fmtTime(d.approved_at)}`),
          el("span", {}, ` · ${T("drf.outbox")}: `, el("b", { id: "draft-outbox", text: String((d.outbox_ids || []).length) })),
          el("a", { class: "btn", id: "draft-cap", href: `/api/response-drafts/${d.id}/cap.xml`, target: "_blank", rel: "noopener", text: T("drf.cap") }))
        : null;
      draftBox.replaceChildren(...[head, draftErr,
        stale ? el("div", { class: "dss-stale", id: "draft-stale" }, T("drf.changed"), " ",
          el("button", { class: "btn", type: "button", text: T("drf.reload"), onclick: () => { dirty = false; work = null; loadDrafts(d.id).catch((e) => { draftErr.textContent = e.message; }); } })) : null,
        sent,
        el("h3", { text: T("drf.zones") }), table("draft-zones", ["drf.zone", "drf.action", "drf.people", "drf.routes"], zoneRows),
        el("h3", { text: T("drf.resources") }), table("draft-resources", ["dsp.resource", "drf.kind", "drf.distance", "drf.flags", ""], resRows),
        el("h3", { text: T("drf.cards") }), table("draft-cards", ["drf.plan", "drf.role", "drf.action", "drf.deadline"], cardRows),
        el("h3", { text: T("drf.warnings") }), el("div", { id: "draft-warnings", class: "dss-warnings" }, warnings),
        el("div", { class: "field" }, el("label", { for: "draft-note", text: T("drf.note") }), note,
          el("div", { class: "dss-ferr err", "data-err": "note" })),
        el("div", { class: "actions" }, buttons, el("span", { class: "muted", id: "draft-unsaved", hidden: !dirty, text: T("drf.unsaved") }),
          el("span", { class: "muted", id: "draft-saved",
            text: saved && draft && saved.id === draft.id ? `✓ ${T("drf.saved")} (${T("drf.version")} ${saved.version})` : "" }))].filter(Boolean));
    }
    async function save() {
      clearErrors(draftBox, draftErr);
      const w = work;
      if (!w || !w.changed.size) return true;
      // Only the parts edited here: the rest of the body stays as the service built it.
      const body = {};
      for (const part of w.changed) body[part] = w[part];
      try {
        draft = await WP.api(`/api/response-drafts/${draft.id}`, { method: "PATCH", body });
        work = editable(draft); dirty = false; stale = false;
        saved = { id: draft.id, version: draft.version };
        await loadDrafts(draft.id);
        return true;
      } catch (e) {
        if (e.status === 422 || e.status === 400) showFieldErrors(draftBox, e, draftErr);
        else draftErr.textContent = e.message;
        return false;
      }
    }
    async function approve(e) {
      if (!window.confirm(T("drf.confirm.approve"))) return;
      const btn = e.currentTarget; btn.disabled = true;
      if (dirty && !(await save())) { btn.disabled = false; return; }
      try {
        draft = await WP.api(`/api/response-drafts/${draft.id}/approve`, { method: "POST" });
        dirty = false; work = editable(draft);
        await loadDrafts(draft.id);
      } catch (e2) { draftErr.textContent = e2.message; btn.disabled = false; }
    }
    async function discard() {
      if (!window.confirm(T("drf.confirm.discard"))) return;
      try {
        draft = await WP.api(`/api/response-drafts/${draft.id}/discard`, { method: "POST" });
        dirty = false; work = null;
        await loadDrafts(draft.id);
      } catch (e) { draftErr.textContent = e.message; }
    }

    /* ---- assembly ------------------------------------------------------------------------------------- */
    const section = el("section", { class: "panel dss-panel", id: "dss" },
      el("h2", { "data-i18n": "dss.title", text: T("dss.title") }),
      el("div", { class: "dss-cols" },
        canRun ? el("div", { class: "dss-col dss-col-form" }, form) : null,
        el("div", { class: "dss-col dss-col-result" }, el("h3", { text: T("dss.result") }), result)),
      el("h3", { text: T("dss.runs") }),
      el("div", { class: "dss-scroll" }, el("table", { class: "grid dss-runs" }, el("thead", {}, el("tr", {},
        ["#", "dss.col.when", "dss.col.who", "dss.col.model", "dss.col.inputs", "dss.col.weather", ""].map((k) => el("th", { text: k.startsWith("dss.") ? T(k) : k })))),
      runsBody)), runsEmpty, el("div", { class: "err", id: "dss-runs-err" }),
      draftBox);

    async function start() {
      const [ms, subs] = await Promise.all([WP.api("/api/dss/models"), WP.api("/api/dss/substances").catch(() => [])]);
      models = USEFUL.map((n) => ms.find((m) => m.name === n)).filter(Boolean);
      substances = subs || [];
      modelSel.replaceChildren(...models.map((m) => el("option", { value: m.name, title: m.summary || "", text: modelName(m.name) })));
      subSel.replaceChildren(el("option", { value: "", text: T("dss.substance.none") }),
        ...substances.map((s) => el("option", { value: s.key, text: `${WP.lang === "en" ? s.name_en : s.name_zh} · ${WP.lang === "en" ? s.name_zh : s.name_en}${s.cas ? ` (${s.cas})` : ""}` })));
      buildInputs();
      showWx();
      section.dataset.ready = "1";
    }
    const runsErr = section.querySelector("#dss-runs-err");
    const reload = () => Promise.all([
      loadRuns().then(() => { runsErr.textContent = ""; }).catch((e) => { runsErr.textContent = e.message; }),
      loadDrafts().catch((e) => { draftErr.textContent = e.message; renderDraft(); })]);
    start().catch((e) => { err.textContent = e.message; });
    reload().then(async () => {
      if (!current && runs.length) {  // the latest run's result, so the page opens on what was last computed
        try { showResult(await WP.api(`/api/simulations/${runs[0].id}`)); loadRuns().catch(() => {}); } catch (e) { /* shown by the row */ }
      }
    });
    // The switch of language redraws what was drawn from data (the form keeps what was typed in it).
    document.addEventListener("wp:lang", () => { if (current) showResult(current); loadRuns().catch(() => {}); renderDraft(); });
    WP.live({
      topics: ["dss"], indicator: false,
      onEvent: (ev) => {
        const d = ev.data || {};
        if (d.incident_id !== undefined && d.incident_id !== incidentId) return;
        loadRuns().catch(() => {});
        const sameDraft = draft && (d.id === draft.id || d.draft_id === draft.id);
        if (dirty && sameDraft && (d.version === undefined || d.version !== (work && work.version))) { stale = true; renderDraft(); return; }
        if (!dirty) loadDrafts().catch(() => {});
      },
      onReset: reload,
    });
    return section;
  };
})();
