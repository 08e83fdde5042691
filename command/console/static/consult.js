/* The incident's consultation room (线上会商, DSS-1; issue #25): messages with their author, role
   and time, each with an optional file (a link to it), posting a message with a file (multipart
   through WP.upload), live on the push topic "consult". WP.consultPanel(incidentId) returns the
   section. Styles: dss.css. */
(function () {
  "use strict";
  const el = WP.el;
  WP.i18n.add({
    zh: {
      "cns.title": "线上会商", "cns.none": "尚无会商消息", "cns.body": "发言内容…", "cns.file": "附件（可选）",
      "cns.send": "发送", "cns.sending": "发送中…", "cns.empty": "请输入内容或选择附件",
      "role.admin": "管理员", "role.commander": "指挥长", "role.duty_officer": "值班员", "role.drill_organizer": "演练组织者",
      "role.evaluator": "评估员", "role.viewer": "查看者", "role.service": "系统",
    },
    en: {
      "cns.title": "Consultation room", "cns.none": "No messages yet", "cns.body": "Your message…", "cns.file": "File (optional)",
      "cns.send": "Send", "cns.sending": "sending…", "cns.empty": "Type a message or pick a file",
      "role.admin": "admin", "role.commander": "commander", "role.duty_officer": "duty officer", "role.drill_organizer": "drill organiser",
      "role.evaluator": "evaluator", "role.viewer": "viewer", "role.service": "system",
    },
  });
  const POSTERS = ["admin", "commander", "duty_officer", "drill_organizer"];  // the service decides (drill organisers: exercises)
  const size = (n) => (typeof n !== "number" ? "" : n >= 1048576 ? `${(n / 1048576).toFixed(1)} MB` : n >= 1024 ? `${Math.round(n / 1024)} KB` : `${n} B`);

  WP.consultPanel = function (incidentId) {
    const list = el("ol", { class: "cns-list", id: "consult-messages" });
    const empty = el("div", { class: "empty", id: "consult-empty", text: WP.t("cns.none") });
    const err = el("div", { class: "err", id: "consult-err" });
    const body = el("textarea", { id: "consult-body", rows: 2, placeholder: WP.t("cns.body") });
    const file = el("input", { id: "consult-file", type: "file", title: WP.t("cns.file") });
    const send = el("button", { class: "btn primary", type: "submit", id: "consult-send", text: WP.t("cns.send") });
    let seen = new Set();

    function item(m) {
      const f = m.file;
      const mine = WP.user && m.author === WP.user.username;
      return el("li", { class: `cns-msg${mine ? " mine" : ""}`, "data-id": m.id },
        el("div", { class: "cns-head" }, el("b", { class: "cns-author", text: m.author || "" }),
          el("span", { class: "badge st cns-role", text: WP.t("role." + m.role, m.role || "") }),
          el("span", { class: "muted num", text: WP.fmtTime(m.at) })),
        m.body ? el("div", { class: "cns-body", text: m.body }) : null,
        f ? el("div", { class: "cns-file" }, el("a", { href: f.url || `/api/incidents/${incidentId}/consult/${m.id}/file`,
          download: f.name || "", target: "_blank", rel: "noopener", class: "cns-file-link", text: f.name || "file" }),
        el("span", { class: "muted", text: ` ${size(f.size)}${f.type ? " · " + f.type : ""}` })) : null);
    }
    async function load() {
      const msgs = await WP.api(`/api/incidents/${incidentId}/consult`);
      msgs.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id - b.id));
      const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 8;
      list.replaceChildren(...msgs.map(item));
      const fresh = msgs.some((m) => !seen.has(m.id));
      seen = new Set(msgs.map((m) => m.id));
      empty.hidden = msgs.length > 0;
      if (atBottom || fresh) list.scrollTop = list.scrollHeight;
      err.textContent = "";
    }
    async function post(e) {
      e.preventDefault();
      err.textContent = "";
      if (!body.value.trim() && !file.files.length) { err.textContent = WP.t("cns.empty"); return; }
      const fd = new FormData();
      fd.append("body", body.value.trim());
      if (file.files.length) fd.append("file", file.files[0]);
      send.disabled = true;
      send.textContent = WP.t("cns.sending");
      try {
        await WP.upload(`/api/incidents/${incidentId}/consult`, fd);
        body.value = ""; file.value = "";
        await load();
      } catch (e2) { err.textContent = e2.message; } finally { send.disabled = false; send.textContent = WP.t("cns.send"); }
    }
    const canPost = WP.user && POSTERS.includes(WP.user.role);
    const section = el("section", { class: "panel cns-panel", id: "consult" },
      el("h2", { "data-i18n": "cns.title", text: WP.t("cns.title") }), list, empty, err,
      canPost ? el("form", { class: "cns-form", id: "consult-form", onsubmit: post }, body,
        el("div", { class: "cns-form-row" }, file, send)) : null);
    body.addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) post(e); });

    load().catch((e) => { err.textContent = e.message; });
    document.addEventListener("wp:lang", () => load().catch(() => {}));
    WP.live({
      topics: ["consult"], indicator: false,
      onEvent: (ev) => { const d = ev.data || {}; if (d.incident_id === undefined || d.incident_id === incidentId) load().catch((e) => { err.textContent = e.message; }); },
      onReset: () => load().catch(() => {}),
    });
    return section;
  };
})();
