/* Dispatch on the incident page (CMD-1, CMD-2 资源调度, CMD-5, CMD-7): the resources and teams sent
   to an incident with their field status and feedback, a button per legal next status, and the
   vehicle trips (departed / arrived / returned). WP.dispatchPanel(incidentId) returns the section;
   it refreshes itself on "task" pushes (dispatches) and every 30 s (vehicle trips have no push). */
(function () {
  "use strict";
  const el = WP.el;
  WP.i18n.add({
    zh: {
      "dsp.title": "资源调度与车辆", "dsp.sent": "调派的队伍与资源", "dsp.none": "尚未调派",
      "dsp.resource": "资源", "dsp.qty": "数量", "dsp.status": "状态", "dsp.feedback": "现场反馈", "dsp.next": "下一步",
      "dsp.note": "现场反馈（可选）", "dsp.send": "调派", "dsp.pick": "选择队伍/物资/车辆…", "dsp.send.note": "任务说明",
      "dsp.trips": "车辆出车记录", "dsp.trips.none": "本事件暂无出车记录", "dsp.vehicle": "车辆", "dsp.driver": "驾驶员",
      "dsp.origin": "出发地", "dsp.destination": "目的地", "dsp.purpose": "事由", "dsp.departed": "出车", "dsp.arrived": "到达",
      "dsp.returned": "返回", "dsp.depart": "登记出车", "dsp.mark.arrived": "已到达", "dsp.mark.returned": "已返回",
      "dsp.to.en_route": "出发", "dsp.to.on_scene": "到场", "dsp.to.returned": "归队", "dsp.to.cancelled": "取消",
      "res.kind.expert": "专家", "res.kind.team": "队伍", "res.kind.material": "物资", "res.kind.vehicle": "车辆",
      "res.kind.shelter": "避难场所", "res.kind.medical_point": "医疗点",
      "status.ordered": "已下达", "status.en_route": "途中", "status.on_scene": "到场", "status.returned": "已归队",
    },
    en: {
      "dsp.title": "Dispatch and vehicles", "dsp.sent": "Teams and resources sent", "dsp.none": "Nothing sent yet",
      "dsp.resource": "Resource", "dsp.qty": "Qty", "dsp.status": "Status", "dsp.feedback": "Field feedback", "dsp.next": "Next",
      "dsp.note": "field feedback (optional)", "dsp.send": "Send", "dsp.pick": "Pick a team, material or vehicle…",
      "dsp.send.note": "task", "dsp.trips": "Vehicle trips", "dsp.trips.none": "No vehicle trips for this incident",
      "dsp.vehicle": "Vehicle", "dsp.driver": "Driver", "dsp.origin": "From", "dsp.destination": "To", "dsp.purpose": "Purpose",
      "dsp.departed": "Departed", "dsp.arrived": "Arrived", "dsp.returned": "Returned", "dsp.depart": "Record departure",
      "dsp.mark.arrived": "Arrived", "dsp.mark.returned": "Returned",
      "dsp.to.en_route": "En route", "dsp.to.on_scene": "On scene", "dsp.to.returned": "Returned", "dsp.to.cancelled": "Cancel",
      "res.kind.expert": "Experts", "res.kind.team": "Teams", "res.kind.material": "Materials", "res.kind.vehicle": "Vehicles",
      "res.kind.shelter": "Shelters", "res.kind.medical_point": "Medical points",
      "status.ordered": "ordered", "status.en_route": "en route", "status.on_scene": "on scene", "status.returned": "returned",
    },
  });
  // The legal next statuses: DISPATCH_FLOW in command/services/dispatch.py (the browser test compares them).
  WP.dispatchFlow = { ordered: ["en_route", "cancelled"], en_route: ["on_scene", "cancelled"], on_scene: ["returned"],
    returned: [], cancelled: [] };
  const OPERATORS = ["admin", "commander", "duty_officer"];

  WP.dispatchPanel = function (incidentId) {
    const canEdit = !!WP.user && OPERATORS.includes(WP.user.role);
    const names = new Map();  // resource id → resource (name, kind, unit)
    let candidates = [];
    const dispatchBody = el("tbody", { id: "dispatches" });
    const tripBody = el("tbody", { id: "trips" });
    const dispatchEmpty = el("div", { class: "empty", "data-i18n": "dsp.none", text: WP.t("dsp.none") });
    const tripEmpty = el("div", { class: "empty", "data-i18n": "dsp.trips.none", text: WP.t("dsp.trips.none") });
    const err = el("div", { class: "err", id: "dispatch-err" });
    const showErr = (e) => { err.textContent = e ? e.message || String(e) : ""; };

    async function resource(id) {
      if (!names.has(id)) {
        try { names.set(id, await WP.api(`/api/resources/${id}`)); } catch (e) { names.set(id, { name: `#${id}`, unit: "" }); }
      }
      return names.get(id);
    }

    async function move(d, to, btn) {
      showErr(null);
      btn.disabled = true;
      try {
        const note = document.getElementById(`dispatch-note-${d.id}`);
        await WP.api(`/api/dispatches/${d.id}/status`, { method: "POST", body: { status: to, note: note ? note.value.trim() : "" } });
        if (note) WP.forget(note);
        await loadDispatches();
      } catch (e) { btn.disabled = false; showErr(e); }
    }

    async function loadDispatches() {
      const list = await WP.api(`/api/incidents/${incidentId}/dispatches`);
      await Promise.all([...new Set(list.map((d) => d.resource_id))].map(resource));
      // A push redraws the rows while feedback may be half typed: WP.redraw carries it over.
      WP.redraw(dispatchBody, () => dispatchBody.replaceChildren(...list.map((d) => {
        const r = names.get(d.resource_id) || {};
        const next = WP.dispatchFlow[d.status] || [];
        let actions = null;
        if (canEdit && next.length) {
          const note = el("input", { class: "dispatch-note", id: `dispatch-note-${d.id}`, placeholder: WP.t("dsp.note") });
          actions = el("div", {}, note, el("div", { class: "actions" }, next.map((to) => el("button", {
            class: "btn", type: "button", "data-dispatch": d.id, "data-to": to, text: WP.t("dsp.to." + to, to),
            onclick: (e) => move(d, to, e.currentTarget) }))));
        }
        const feedback = (d.history || []).map((h) => el("li", {},
          el("span", { class: "muted", text: `${WP.fmtTime(h.at)} ` }), WP.statusBadge(h.status),
          el("span", { class: "muted", text: ` ${h.actor || ""}` }), h.note ? el("span", { class: "fb-note", text: ` ${h.note}` }) : null));
        return el("tr", { id: `dispatch-${d.id}`, dataset: { status: d.status } },
          el("td", {}, el("b", { text: r.name || `#${d.resource_id}` }),
            r.kind ? el("div", { class: "muted", text: [WP.t("res.kind." + r.kind, r.kind), r.category].filter(Boolean).join(" · ") }) : null),
          el("td", { class: "num", text: `${d.quantity}${r.unit ? " " + r.unit : ""}` }),
          el("td", {}, WP.statusBadge(d.status)),
          el("td", {}, el("ol", { class: "plain feedback" }, feedback)),
          el("td", {}, actions || el("span", { class: "muted", text: "—" })));
      })));
      dispatchEmpty.hidden = list.length > 0;
    }

    async function tripEvent(t, ev, btn) {
      showErr(null);
      btn.disabled = true;
      try { await WP.api(`/api/dispatch/vehicles/${t.id}/${ev}`, { method: "POST" }); await loadTrips(); }
      catch (e) { btn.disabled = false; showErr(e); }
    }

    async function loadTrips() {
      const list = await WP.api(`/api/dispatch/vehicles?incident_id=${incidentId}`);
      tripBody.replaceChildren(...list.map((t) => {
        const evs = canEdit ? [!t.arrived_at && !t.returned_at ? "arrived" : null, !t.returned_at ? "returned" : null].filter(Boolean) : [];
        return el("tr", { id: `trip-${t.id}`, dataset: { state: t.returned_at ? "returned" : t.arrived_at ? "arrived" : "departed" } },
          el("td", {}, el("b", { text: t.vehicle }), el("div", { class: "muted", text: t.driver })),
          el("td", { text: `${t.origin} → ${t.destination}` }), el("td", { text: t.purpose || "—" }),
          el("td", { class: "num", text: WP.fmtTime(t.departed_at) }), el("td", { class: "num", text: WP.fmtTime(t.arrived_at) || "—" }),
          el("td", { class: "num", text: WP.fmtTime(t.returned_at) || "—" }),
          el("td", {}, evs.length ? el("div", { class: "actions" }, evs.map((ev) => el("button", { class: "btn", type: "button",
            "data-trip": t.id, "data-event": ev, text: WP.t("dsp.mark." + ev), onclick: (e) => tripEvent(t, ev, e.currentTarget) }))) : null));
      }));
      tripEmpty.hidden = list.length > 0;
    }

    const load = () => Promise.all([loadDispatches(), loadTrips()]).then(() => showErr(null)).catch(showErr);

    /* ---- forms: send a resource, record a vehicle's departure ------------------------------------- */
    function sendForm() {
      const pick = el("select", { id: "dispatch-resource" }, el("option", { value: "", text: WP.t("dsp.pick") }));
      const qty = el("input", { id: "dispatch-qty", type: "number", min: "0", step: "any", value: "1" });
      const note = el("input", { id: "dispatch-task", placeholder: WP.t("dsp.send.note"), "data-i18n-placeholder": "dsp.send.note" });
      return el("form", { class: "dispatch-form", id: "dispatch-form", onsubmit: async (e) => {
        e.preventDefault();
        if (!pick.value) return;
        showErr(null);
        try {
          await WP.api(`/api/incidents/${incidentId}/dispatches`, { method: "POST",
            body: { resource_id: Number(pick.value), quantity: Number(qty.value || 1), note: note.value.trim() } });
          pick.value = ""; qty.value = "1"; note.value = "";
          await loadDispatches();
        } catch (err2) { showErr(err2); }
      } }, pick, qty, note, el("button", { class: "btn primary", type: "submit", text: WP.t("dsp.send") }));
    }
    function tripForm(loc) {
      const f = (id, key, value) => el("input", { id, placeholder: WP.t(key), "data-i18n-placeholder": key, value: value || "" });
      const vehicle = f("trip-vehicle", "dsp.vehicle"), driver = f("trip-driver", "dsp.driver");
      const origin = f("trip-origin", "dsp.origin"), dest = f("trip-destination", "dsp.destination", loc);
      const purpose = f("trip-purpose", "dsp.purpose");
      vehicle.setAttribute("list", "trip-vehicles");
      vehicle.addEventListener("change", () => {
        const v = candidates.find((c) => c.kind === "vehicle" && c.name === vehicle.value);
        if (v && !origin.value) origin.value = v.location_name || v.site || "";
      });
      return el("form", { class: "dispatch-form", id: "trip-form", onsubmit: async (e) => {
        e.preventDefault();
        showErr(null);
        const v = candidates.find((c) => c.kind === "vehicle" && c.name === vehicle.value.trim());
        try {
          await WP.api("/api/dispatch/vehicles", { method: "POST", body: { vehicle: vehicle.value.trim(), driver: driver.value.trim(),
            origin: origin.value.trim(), destination: dest.value.trim(), purpose: purpose.value.trim(), incident_id: incidentId,
            resource_id: v ? v.id : null } });
          for (const n of [vehicle, driver, origin, purpose]) n.value = "";
          await loadTrips();
        } catch (err2) { showErr(err2); }
      } }, vehicle, driver, origin, dest, purpose, el("datalist", { id: "trip-vehicles" }),
      el("button", { class: "btn primary", type: "submit", text: WP.t("dsp.depart") }));
    }

    const head = (keys) => el("thead", {}, el("tr", {}, keys.map((k) => el("th", { "data-i18n": k, text: WP.t(k) }))));
    const sendBox = el("div", {}), tripBox = el("div", {});
    const section = el("section", { class: "panel", id: "dispatch" },
      el("h2", { "data-i18n": "dsp.title", text: WP.t("dsp.title") }), err,
      el("h3", { "data-i18n": "dsp.sent", text: WP.t("dsp.sent") }),
      el("div", { class: "scroll-x" }, el("table", { class: "grid" },
        head(["dsp.resource", "dsp.qty", "dsp.status", "dsp.feedback", "dsp.next"]), dispatchBody)), dispatchEmpty, sendBox,
      el("h3", { "data-i18n": "dsp.trips", text: WP.t("dsp.trips") }),
      el("div", { class: "scroll-x" }, el("table", { class: "grid" },
        head(["dsp.vehicle", "dsp.destination", "dsp.purpose", "dsp.departed", "dsp.arrived", "dsp.returned", "dsp.next"]), tripBody)),
      tripEmpty, tripBox);
    // CSSOM styles (the CSP allows no inline style attribute, and this panel brings no stylesheet).
    section.querySelectorAll(".scroll-x").forEach((n) => { n.style.overflowX = "auto"; n.style.maxWidth = "100%"; });
    err.style.minHeight = "0";

    if (canEdit) {
      Promise.all([WP.api("/api/resources?status=available&limit=1000"), WP.api(`/api/incidents/${incidentId}`).catch(() => ({}))])
        .then(([rows, inc]) => {
          candidates = rows;
          const form = sendForm();
          const pick = form.querySelector("select");
          const KIND_ORDER = ["team", "expert", "vehicle", "material", "medical_point", "shelter"];
          for (const kind of KIND_ORDER) {
            const mine = rows.filter((r) => r.kind === kind);
            if (mine.length) pick.append(el("optgroup", { label: WP.t("res.kind." + kind, kind) }, mine.map((r) => el("option", { value: r.id,
              text: `${r.name}${r.code ? " (" + r.code + ")" : ""} · ${r.quantity - (r.reserved || 0)}${r.unit ? " " + r.unit : ""}` }))));
          }
          sendBox.replaceChildren(form);
          const loc = inc && inc.location ? [inc.location.site, inc.location.name].filter(Boolean).join(" ") : "";
          const tf = tripForm(loc);
          tf.querySelector("datalist").append(...rows.filter((r) => r.kind === "vehicle").map((r) => el("option", { value: r.name })));
          tripBox.replaceChildren(tf);
          section.querySelectorAll(".dispatch-form").forEach((n) => {
            Object.assign(n.style, { display: "flex", flexWrap: "wrap", gap: ".35rem", margin: ".5rem 0 .2rem" });
          });
          section.querySelectorAll(".dispatch-form input, .dispatch-form select").forEach((n) => { n.style.minWidth = "0"; n.style.maxWidth = "100%"; });
        }).catch(showErr);
    }

    load();
    document.addEventListener("wp:lang", load);  // headings follow by their data-i18n; the rows are redrawn
    WP.live({
      topics: ["task"], indicator: false,
      onEvent: (ev) => { if (ev.action === "dispatch" && ev.data && ev.data.incident_id === incidentId) loadDispatches().catch(showErr); },
      onReset: load,
    });
    setInterval(() => {
      const a = document.activeElement;
      if (!(a && section.contains(a) && ["INPUT", "SELECT"].includes(a.tagName))) loadTrips().catch(showErr);
    }, 30000);
    return section;
  };
})();
