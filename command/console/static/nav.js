/* The console's navigation: the ONE place to register a page. To add a page, drop
   command/console/static/<page>.html (see docs/console.md) and add a line here; put its label
   in i18n.js (or in the page with WP.i18n.add). `page` must match <body data-page="...">. */
window.WP_NAV = [
  { page: "alarms", href: "index.html", label: "nav.alarms" },
  { page: "live", href: "live.html", label: "nav.live" },
  { page: "incidents", href: "incidents.html", label: "nav.incidents" },
  { page: "warnings", href: "warnings.html", label: "nav.warnings" },
  { page: "comms", href: "comms.html", label: "nav.comms" },
  { page: "map", href: "map.html", label: "nav.map" },
  { page: "plans", href: "plans.html", label: "nav.plans" },
  { page: "resources", href: "resources.html", label: "nav.resources" },
  { page: "duty", href: "duty.html", label: "nav.duty" },
  { page: "drills", href: "drills.html", label: "nav.drills" },
  { page: "health", href: "health.html", label: "nav.health" },
];
/* Labels of pages that keep their strings in their own script (health.js) but show in every page's nav. */
if (window.WP_STRINGS) {
  Object.assign(window.WP_STRINGS.zh, { "nav.health": "系统状态" });
  Object.assign(window.WP_STRINGS.en, { "nav.health": "System health" });
}
