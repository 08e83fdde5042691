/* The sign-in form (a file of its own: the console's CSP allows no inline script). */
WP.applyI18n();
document.getElementById("lang").onclick = () => WP.setLang(WP.lang === "zh" ? "en" : "zh");
document.getElementById("login-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  WP.showError(null);
  try {
    await WP.login(document.getElementById("username").value, document.getElementById("password").value);
    const next = WP.param("next");
    location.replace(next && next.startsWith("/") && !next.startsWith("//") ? next : "/console/index.html");
  } catch (err) {
    WP.showError(err.status === 423 ? new Error(WP.t("login.locked")) : new Error(WP.t("login.failed") + ": " + err.message));
  }
});
