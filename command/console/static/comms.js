/* SMS and broadcast: compose and send now, campaigns, live delivery progress per recipient,
   CSV export of the sending records (CMD-4, CMD-7, COM-1). Progress updates from "outbox" push
   events; the campaign is re-read (debounced) when one of its messages changes. */
(function () {
  "use strict";
  const el = WP.el;
  WP.i18n.add({
    zh: { "comms.compose": "立即发送", "comms.channel": "渠道", "comms.to": "接收人（号码或广播分区，每行一个）",
      "comms.groups": "通讯组（逗号分隔）", "comms.body": "内容", "comms.exercise": "演练（只进演练通道）",
      "comms.send": "发送", "comms.campaigns": "发送批次", "comms.progress": "发送进度", "comms.csv": "导出发送记录 CSV",
      "comms.recipient": "接收人", "comms.tries": "尝试", "comms.error": "错误", "comms.ack": "确认",
      "comms.audio": "录音", "comms.none": "暂无发送批次", "ch.sms": "短信", "ch.broadcast": "广播", "ch.console": "控制台",
      "status.queued": "排队", "status.sending": "发送中", "status.sent": "已发出", "status.delivered": "已送达",
      "status.undelivered": "未送达", "status.failed": "失败", "status.total": "合计", "status.acknowledged": "已确认" },
    en: { "comms.compose": "Send now", "comms.channel": "Channel", "comms.to": "Recipients (numbers or PA zones, one per line)",
      "comms.groups": "Groups (comma-separated)", "comms.body": "Message", "comms.exercise": "Exercise (drill sink only)",
      "comms.send": "Send", "comms.campaigns": "Campaigns", "comms.progress": "Delivery progress", "comms.csv": "Export CSV",
      "comms.recipient": "Recipient", "comms.tries": "Tries", "comms.error": "Error", "comms.ack": "Ack",
      "comms.audio": "Audio", "comms.none": "No campaigns yet", "ch.sms": "SMS", "ch.broadcast": "Broadcast", "ch.console": "Console",
      "status.queued": "queued", "status.sending": "sending", "status.sent": "sent", "status.delivered": "delivered",
      "status.undelivered": "undelivered", "status.failed": "failed", "status.total": "total", "status.acknowledged": "acknowledged" },
  });
  const ORDER = ["delivered", "sent", "sending", "queued", "undelivered", "failed"];
  let campaigns = [], current = null, status = null, pending = null;

  function composeForm() {
    const channel = el("select", { id: "channel" }, ["sms", "broadcast", "console"].map((c) => el("option", { value: c, text: WP.t("ch." + c) })));
    const to = el("textarea", { id: "to", rows: 3 });
    const groups = el("input", { type: "text", id: "groups", placeholder: "duty_officer, residents" });
    const body = el("textarea", { id: "body", rows: 4 });
    const exercise = el("input", { type: "checkbox", id: "exercise" });
    const send = async (ev) => {
      ev.preventDefault();
      try {
        const r = await WP.api("/api/comms/send", { method: "POST", body: {
          channel: channel.value, body: body.value, exercise: exercise.checked,
          to: to.value.split(/\n/).map((s) => s.trim()).filter(Boolean),
          groups: groups.value.split(",").map((s) => s.trim()).filter(Boolean) } });
        WP.showError(null);
        body.value = "";
        current = r.campaign.id;
        status = r;
        await loadCampaigns();
      } catch (e) { WP.showError(e); }
    };
    return el("form", { class: "panel", id: "compose", onsubmit: send },
      el("h2", { text: WP.t("comms.compose") }),
      el("div", { class: "field" }, el("label", { text: WP.t("comms.channel") }), channel),
      el("div", { class: "field" }, el("label", { text: WP.t("comms.to") }), to),
      el("div", { class: "field" }, el("label", { text: WP.t("comms.groups") }), groups),
      el("div", { class: "field" }, el("label", { text: WP.t("comms.body") }), body),
      el("div", { class: "field" }, el("label", {}, exercise, " ", WP.t("comms.exercise"))),
      el("button", { class: "btn primary", type: "submit", id: "send", text: WP.t("comms.send") }));
  }

  function campaignList() {
    return el("section", { class: "panel" }, el("h2", { text: WP.t("comms.campaigns") }),
      campaigns.length ? el("table", { class: "grid", id: "campaigns" },
        el("tbody", {}, campaigns.map((c) => el("tr", { class: c.id === current ? "current" : null, style: "cursor:pointer",
          onclick: () => { current = c.id; loadStatus(); } },
          el("td", { class: "num", text: "#" + c.id }),
          el("td", {}, WP.levelBadge(c.level), " ", c.title, c.exercise ? [" ", el("span", { class: "badge exercise", text: WP.t("exercise") })] : null),
          el("td", { class: "num", text: WP.fmtTime(c.created_at) })))))
        : el("div", { class: "empty", text: WP.t("comms.none") }));
  }

  function progress() {
    if (!status) return el("section", { class: "panel" }, el("h2", { text: WP.t("comms.progress") }));
    const t = status.totals, c = status.campaign;
    return el("section", { class: "panel", id: "progress" },
      el("h2", {}, WP.t("comms.progress"), ` #${c.id} ${c.title}`, c.exercise ? [" ", el("span", { class: "badge exercise", text: WP.t("exercise") })] : null),
      el("div", { class: "progress" }, ORDER.filter((k) => t[k]).map((k) =>
        el("div", { class: "p-" + k, style: `width:${(100 * t[k]) / t.total}%`, title: `${k}: ${t[k]}` }))),
      el("div", { class: "counts", id: "totals", text: Object.entries(t).map(([k, v]) => `${WP.t("status." + k, k)}: ${v}`).join(" · ") }),
      el("table", { class: "grid", id: "recipients" },
        el("thead", {}, el("tr", {}, ["col.id", "comms.channel", "comms.recipient", "col.status", "comms.tries", "comms.error", "comms.ack", "comms.audio"]
          .map((k) => el("th", { text: WP.t(k) })))),
        el("tbody", {}, status.recipients.map((m) => el("tr", { id: "msg-" + m.id },
          el("td", { class: "num", text: "#" + m.id }), el("td", { text: WP.t("ch." + m.channel, m.channel) }),
          el("td", {}, m.recipient_name ? m.recipient_name + " " : "", el("span", { class: "muted", text: m.recipient })),
          el("td", {}, WP.statusBadge(m.status)), el("td", { class: "num", text: m.attempts }),
          el("td", { text: m.error_code || "" }), el("td", { text: m.acked_at ? "✓ " + WP.fmtTime(m.acked_at) : "" }),
          el("td", {}, m.audio_path ? el("a", { href: "#", onclick: (ev) => { ev.preventDefault(); play(m.id); }, text: "▶" }) : ""))))),
      el("div", { class: "actions" }, el("button", { class: "btn", id: "csv", onclick: exportCsv, text: WP.t("comms.csv") })));
  }

  async function authFetch(path) {
    const token = sessionStorage.getItem("wp_token");
    const r = await fetch(path, { headers: token ? { Authorization: "Bearer " + token } : {}, credentials: "same-origin" });
    if (!r.ok) throw new Error(`${r.status} ${r.statusText}`);
    return r.blob();
  }
  async function play(id) {
    try { new Audio(URL.createObjectURL(await authFetch(`/api/comms/messages/${id}/audio`))).play(); } catch (e) { WP.showError(e); }
  }
  async function exportCsv() {
    try {
      const blob = await authFetch("/api/comms/messages.csv" + (current ? "?campaign_id=" + current : ""));
      const a = el("a", { href: URL.createObjectURL(blob), download: `sending-records${current ? "-" + current : ""}.csv` });
      a.click();
    } catch (e) { WP.showError(e); }
  }

  let form = null;
  function render() {
    // The form is built once so typing survives live updates; the rest is redrawn.
    if (!form || !document.getElementById("compose")) {
      form = composeForm();
      document.getElementById("content").replaceChildren(el("div", { class: "comms" },
        el("div", {}, form, el("div", { id: "camp-box" })), el("div", { id: "prog-box" })));
    }
    document.getElementById("camp-box").replaceChildren(campaignList());
    document.getElementById("prog-box").replaceChildren(progress());
  }
  async function loadCampaigns() {
    campaigns = await WP.api("/api/comms/campaigns?limit=50");
    if (current === null && campaigns.length) current = campaigns[0].id;
    await loadStatus();
  }
  async function loadStatus() {
    status = current === null ? null : await WP.api(`/api/comms/campaigns/${current}`);
    render();
  }
  function later() {  // many events arrive together in a big campaign: re-read at most every 500 ms
    if (pending) return;
    pending = setTimeout(() => { pending = null; loadStatus().catch(WP.showError); }, 500);
  }

  WP.boot().then(() => {
    render();
    WP.live({
      topics: ["outbox"],
      onReady: (_l, first) => { if (first) loadCampaigns().catch(WP.showError); },
      onReset: () => loadCampaigns().catch(WP.showError),
      onEvent: (ev) => {
        const d = ev.data || {};
        if (d.campaign_id !== undefined && d.campaign_id !== null && !campaigns.some((c) => c.id === d.campaign_id)) {
          loadCampaigns().catch(WP.showError);
        } else if (d.campaign_id === current) later();
      },
    });
    document.addEventListener("wp:lang", () => { form = null; render(); });
  }).catch(WP.showError);
})();
