"""Hardening a park's security review asks for (GB/T 22239-2019 level 3; NFR-6, NFR-7, NFR-9):
security headers and a CSP without inline code, login rate limiting per address, the password
policy, sign-out on a role change, answers that never leak internals, and HTTPS."""

from __future__ import annotations

import ssl
import subprocess
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError

from command.app import create_app
from command.domain.passwords import PasswordPolicy, generate
from command.domain.rate_limit import SlidingWindow
from command.services.auth import add_user, issue_token
from command.throwaway import cli, start, write_config
from watchpost.db import session_scope
from watchpost.throwaway import free_port

STATIC = Path(__file__).resolve().parents[2] / "command" / "console" / "static"


def _app(sqlite_url, make_config, **server):
    cfg = make_config(sqlite_url, server=server) if server else make_config(sqlite_url)
    app = create_app(cfg, run_background=False)
    with session_scope(app.state.wp.sessions) as s:
        tokens = {role: issue_token(s, add_user(s, role, "Password-1-" + role, role), "api", None)
                  for role in ("admin", "viewer")}
    return app, tokens


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


# -- headers and the console's CSP -------------------------------------------------------------------
def test_every_answer_has_security_headers_and_api_answers_are_not_cached(service):
    for path in ("/console/index.html", "/healthz", "/api/alarms", "/api/nope"):
        r = service.get(path, headers=service.as_role("viewer"))
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert "strict-transport-security" not in r.headers  # plain HTTP: HSTS means nothing there
        assert r.headers["x-request-id"]
    assert service.get("/api/alarms", headers=service.as_role("viewer")).headers["cache-control"] == "no-store"
    assert service.get("/console/index.html").headers["cache-control"] == "no-cache"  # the route's own


def test_console_has_no_inline_script_or_style():
    """The CSP allows no inline code, so the pages must not need any."""
    for page in STATIC.glob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "<style" not in html, page.name
        assert " style=" not in html, page.name
        for tag in html.split("<script")[1:]:
            assert tag.lstrip().startswith("src="), f"{page.name}: inline <script>"
        assert " onclick=" not in html and "javascript:" not in html, page.name


# -- login rate limiting -------------------------------------------------------------------------------
def test_sliding_window_counts_attempts_per_key_and_says_how_long_to_wait():
    w = SlidingWindow(limit=3, window_s=60)
    assert [w.attempt("10.0.0.1", t) for t in (0, 1, 2)] == [None, None, None]
    assert w.attempt("10.0.0.1", 3) == pytest.approx(57)
    assert w.attempt("10.0.0.2", 3) is None  # another address has its own budget
    assert w.attempt("10.0.0.1", 60.5) is None  # the first attempt left the window


def test_sliding_window_memory_is_bounded():
    w = SlidingWindow(limit=1, window_s=60, max_keys=100)
    for i in range(1000):
        w.attempt(f"k{i}", float(i))
    assert len(w._hits) <= 100


def test_login_attempts_per_address_are_limited_with_retry_after(sqlite_url, make_config):
    app, _ = _app(sqlite_url, make_config, login_attempts_per_min=3)
    with TestClient(app) as client:
        for _ in range(3):
            assert client.post("/api/auth/login", json={"username": "viewer", "password": "nope"}).status_code == 401
        r = client.post("/api/auth/login", json={"username": "viewer", "password": "Password-1-viewer"})
        assert r.status_code == 429, r.text
        assert 1 <= int(r.headers["retry-after"]) <= 60
        assert "too many login attempts" in r.json()["detail"]


# -- password policy ---------------------------------------------------------------------------------------
def test_password_policy_names_what_is_missing():
    p = PasswordPolicy(min_length=10, min_classes=3)
    assert p.problems("Str0ng-enough") == []
    assert p.problems("短但是有三类Aa1") == ["at least 10 characters"]
    missing = p.problems("onlylowercaseletters")
    assert len(missing) == 1 and "an upper-case letter or a digit or a symbol" in missing[0]
    assert "not the user name" in p.problems("Admin-Admin-1", username="admin-admin-1")
    with pytest.raises(ValueError, match="^password: needs"):
        p.check("short")
    for _ in range(50):  # generated passwords always pass the strictest policy
        assert PasswordPolicy(min_length=16, min_classes=4).problems(generate(16)) == []


def test_api_and_cli_refuse_weak_passwords_naming_the_field(service, tmp_path):
    admin = service.as_role("admin")
    r = service.post("/api/users", json={"username": "weak", "password": "alllowercase", "role": "viewer"}, headers=admin)
    assert r.status_code == 422 and r.json()["detail"].startswith("password: needs")
    uid = service.post("/api/users", json={"username": "ok1", "password": "Good-pass-1", "role": "viewer"},
                       headers=admin).json()["id"]
    r = service.patch(f"/api/users/{uid}", json={"password": "weakweakweak"}, headers=admin)
    assert r.status_code == 422 and "password" in r.json()["detail"]
    cfg = write_config(tmp_path)
    cli(cfg, "db", "upgrade")
    proc = subprocess.run([*_watchpost(cfg), "user", "add", "w", "--role", "viewer", "--password", "weakweakweak"],
                          capture_output=True, text=True)
    assert proc.returncode != 0 and "password: needs" in proc.stderr


def _watchpost(cfg: Path) -> list[str]:
    import sys

    return [sys.executable, "-m", "watchpost.cli", "-c", str(cfg)]


def test_own_password_change_needs_the_current_one_and_ends_other_sessions(service):
    login = lambda pw: service.post("/api/auth/login", json={"username": "viewer", "password": pw})  # noqa: E731
    here, elsewhere = login("Password-1-viewer").json()["token"], login("Password-1-viewer").json()["token"]
    r = service.post("/api/auth/password", json={"current_password": "wrong", "new_password": "New-secret-9"},
                     headers=_bearer(here))
    assert r.status_code == 403
    r = service.post("/api/auth/password", json={"current_password": "Password-1-viewer", "new_password": "weak"},
                     headers=_bearer(here))
    assert r.status_code == 422
    r = service.post("/api/auth/password", json={"current_password": "Password-1-viewer",
                                                  "new_password": "New-secret-9"}, headers=_bearer(here))
    assert r.status_code == 200 and r.json()["sessions_ended"] >= 1
    assert service.get("/api/auth/me", headers=_bearer(here)).status_code == 200
    assert service.get("/api/auth/me", headers=_bearer(elsewhere)).status_code == 401
    assert login("New-secret-9").status_code == 200


# -- sign-out when an account's powers change ------------------------------------------------------------
def test_role_change_and_deactivation_revoke_sessions_and_tokens(service):
    admin = service.as_role("admin")
    uid = service.post("/api/users", json={"username": "op2", "password": "Op2-password", "role": "duty_officer"},
                       headers=admin).json()["id"]
    session = service.post("/api/auth/login", json={"username": "op2", "password": "Op2-password"}).json()["token"]
    api_token = service.post(f"/api/users/{uid}/tokens", headers=admin).json()["token"]
    assert service.get("/api/alarms", headers=_bearer(session)).status_code == 200
    r = service.patch(f"/api/users/{uid}", json={"display_name": "Op Two"}, headers=admin)
    assert r.status_code == 200  # a harmless change keeps them signed in
    assert service.get("/api/auth/me", headers=_bearer(session)).status_code == 200
    assert service.patch(f"/api/users/{uid}", json={"role": "viewer"}, headers=admin).status_code == 200
    for token in (session, api_token):
        assert service.get("/api/auth/me", headers=_bearer(token)).status_code == 401
    entry = service.get("/api/audit", params={"entity_type": "user", "entity_id": str(uid)},
                        headers=service.as_role("evaluator")).json()[-1]
    assert entry["action"] == "user.update" and "2 token(s) revoked" in entry["note"]
    session = service.post("/api/auth/login", json={"username": "op2", "password": "Op2-password"}).json()["token"]
    assert service.patch(f"/api/users/{uid}", json={"active": False}, headers=admin).status_code == 200
    assert service.get("/api/auth/me", headers=_bearer(session)).status_code == 401


def test_admins_cannot_lock_themselves_or_the_park_out(service):
    admin = service.as_role("admin")
    me = service.get("/api/auth/me", headers=admin).json()
    for change in ({"role": "viewer"}, {"active": False}):
        r = service.patch(f"/api/users/{me['id']}", json=change, headers=admin)
        assert r.status_code == 409 and "yourself" in r.json()["detail"]
    assert service.patch(f"/api/users/{me['id']}", json={"role": None}, headers=admin).status_code == 422


# -- answers that never leak internals -----------------------------------------------------------------
def test_unhandled_error_is_a_500_with_a_request_id_and_no_internals(sqlite_url, make_config, caplog):
    app, tokens = _app(sqlite_url, make_config)

    def explode() -> None:
        raise RuntimeError("boom at /srv/watchpost/secret.py: SELECT * FROM users")

    def duplicate() -> None:
        raise IntegrityError("INSERT INTO users ...", {}, Exception("UNIQUE constraint failed: users.username"))

    app.add_api_route("/api/test-explode", explode)
    app.add_api_route("/api/test-duplicate", duplicate)
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/api/test-explode", headers={"X-Request-ID": "duty-room-42"})
        assert r.status_code == 500
        assert r.json() == {"detail": "internal error; quote request id duty-room-42 to the administrator",
                            "request_id": "duty-room-42"}
        assert r.headers["x-request-id"] == "duty-room-42"
        assert r.headers["x-content-type-options"] == "nosniff"  # the security headers wrap the 500 too
        assert "duty-room-42" in caplog.text and "boom" in caplog.text  # the log keeps what the caller does not see
        r = client.get("/api/test-duplicate")
        assert r.status_code == 409 and "nothing was changed" in r.json()["detail"]
        assert "INSERT" not in r.text and "users" not in r.text
        r = client.get("/api/test-explode", headers={"X-Request-ID": "bad id with spaces"})
        assert r.json()["request_id"] != "bad id with spaces"  # a new one, not the caller's junk


def test_validation_errors_name_the_field_without_echoing_the_input(service):
    r = service.post("/api/auth/login", json={"username": "x", "password": "p\u0000secret"})
    assert r.status_code == 422
    (err,) = r.json()["detail"]
    assert err["loc"] == ["body", "password"] and "input" not in err
    assert "secret" not in r.text


# -- HTTPS ----------------------------------------------------------------------------------------------
def _self_signed(tmp: Path) -> tuple[Path, Path]:
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


@pytest.mark.slow
def test_serve_over_tls_with_hsts_and_secure_cookie(tmp_path):
    cert, key = _self_signed(tmp_path)
    cfg = write_config(tmp_path, server={"tls_certfile": str(cert), "tls_keyfile": str(key)})
    cli(cfg, "db", "upgrade")
    cli(cfg, "user", "add", "boss", "--role", "admin", "--password", "Boss-password-1")
    port = free_port()
    ctx = ssl.create_default_context(cafile=str(cert))
    proc = start(cfg, port, tmp_path / "serve.log", base_url=f"https://127.0.0.1:{port}", verify=ctx)
    try:
        with httpx.Client(base_url=f"https://127.0.0.1:{port}", verify=ctx) as https:
            r = https.post("/api/auth/login", json={"username": "boss", "password": "Boss-password-1"})
            assert r.status_code == 200
            assert r.headers["strict-transport-security"].startswith("max-age=")
            cookie = r.headers["set-cookie"].lower()
            assert "secure" in cookie and "httponly" in cookie and "samesite=strict" in cookie
            assert "server" not in r.headers  # no product banner
        with pytest.raises(httpx.HTTPError):  # plain HTTP on the TLS port gets no answer
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=3)
    finally:
        proc.terminate()
        proc.wait(15)


def test_tls_needs_both_files_and_readable_ones(tmp_path):
    cfg = write_config(tmp_path, server={"tls_certfile": str(tmp_path / "cert.pem")})
    proc = subprocess.run([*_watchpost(cfg), "config", "show"], capture_output=True, text=True)
    assert proc.returncode == 2 and "tls_certfile and tls_keyfile" in proc.stderr
    cfg = write_config(tmp_path, server={"tls_certfile": str(tmp_path / "no.pem"), "tls_keyfile": str(tmp_path / "no.key")})
    proc = subprocess.run([*_watchpost(cfg), "serve", "--no-upgrade"], capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and "server.tls_certfile" in proc.stderr and "not a readable file" in proc.stderr
