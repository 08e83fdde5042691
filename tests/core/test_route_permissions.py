"""Every route refuses an anonymous caller (401) and a role it does not allow (403) (NFR-6).

Enumerates the app's routes (HTTP and WebSocket) at test time, so routes other engineers add
are covered without editing this file. Public routes must carry ``openapi_extra={"x-public":
True}`` AND be listed in PUBLIC below: a new public route fails this test until someone adds it
here on purpose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.routing import APIRoute, APIWebSocketRoute
from fastapi.testclient import TestClient
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocketDisconnect

from command.api.deps import current_user
from command.domain.roles import Role

# "METHOD path" of every route anyone may call without signing in.
PUBLIC = {
    "GET /healthz",
    "POST /api/auth/login",
    # The console's pages and static files hold no data; the data comes from authenticated APIs.
    "GET /",
    "GET /console",
    "GET /console/",
    "GET /console/{path:path}",
    # Twilio webhooks (docs/comms.md): no session, authenticated by the X-Twilio-Signature HMAC instead.
    "POST /api/comms/twilio/inbound",
    "POST /api/comms/twilio/status",
    # FastAPI's own API documentation.
    "GET /openapi.json",
    "GET /docs",
    "GET /docs/oauth2-redirect",
    "GET /redoc",
}

ROLES = [r.value for r in Role]


@dataclass
class RouteInfo:
    kind: str  # http | ws
    method: str
    path: str
    public: bool
    dependant: Any
    endpoint: Any

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


def _contexts(routes) -> list[tuple[Any, Any]]:  # noqa: ANN001
    """(route, context) pairs, flattening included routers (FastAPI >= 0.16x nests them)."""
    out = []
    for r in routes:
        if hasattr(r, "effective_route_contexts"):
            out.extend((ctx.original_route, ctx) for ctx in r.effective_route_contexts())
        else:
            out.append((r, None))
    return out


def enumerate_routes(app) -> list[RouteInfo]:  # noqa: ANN001
    infos = []
    for route, ctx in _contexts(app.routes):
        path = (ctx.path if ctx is not None and ctx.path else None) or route.path
        extra = (ctx.openapi_extra if ctx is not None else None) or getattr(route, "openapi_extra", None) or {}
        dependant = (ctx.dependant if ctx is not None and ctx.dependant is not None else None) or getattr(route, "dependant", None)
        if isinstance(route, (APIWebSocketRoute, WebSocketRoute)):
            infos.append(RouteInfo("ws", "WS", path, bool(extra.get("x-public")), dependant, route.endpoint))
            continue
        methods = (ctx.methods if ctx is not None and ctx.methods else None) or getattr(route, "methods", None) or set()
        for m in sorted(set(methods) - {"HEAD", "OPTIONS"}):
            public = bool(extra.get("x-public")) if isinstance(route, APIRoute) else True  # framework docs routes
            infos.append(RouteInfo("http", m, path, public, dependant, route.endpoint))
    assert len(infos) > 10, "route enumeration found almost nothing; FastAPI internals changed?"
    return infos


def _calls(dependant) -> list[Any]:  # noqa: ANN001
    out = []
    for d in getattr(dependant, "dependencies", []) or []:
        out.append(d.call)
        out.extend(_calls(d))
    return out


def auth_policy(info: RouteInfo) -> frozenset[str] | None:
    """The roles the route allows (all roles for current_user-only routes); None if unguarded."""
    allowed = getattr(info.endpoint, "allowed_roles", None)
    sets = [frozenset(allowed)] if allowed is not None else []
    signed_in = allowed is not None
    for call in _calls(info.dependant):
        if hasattr(call, "allowed_roles"):
            sets.append(frozenset(call.allowed_roles))
            signed_in = True
        elif call is current_user:
            signed_in = True
    if not signed_in:
        return None
    result = frozenset(ROLES)
    for s in sets:
        result &= {str(r) for r in s}
    return result


def fill(path: str) -> str:
    return re.sub(r"\{[^}:]+(:path)?\}", lambda m: "x/1" if m.group(1) else "1", path)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from command.app import create_app
    from command.services.auth import add_user, issue_token
    from watchpost.config import parse_config
    from watchpost.db import session_scope
    from watchpost.db.migrate import upgrade

    tmp = tmp_path_factory.mktemp("routes")
    url = f"sqlite:///{tmp / 'wp.sqlite'}"
    upgrade(url)
    cfg = parse_config({"storage": {"url": url}, "vision": {"media_root": str(tmp / "media"),
                                                            "spool_path": str(tmp / "spool.sqlite")},
                        "comms": {"audio_dir": str(tmp / "audio")}}, environ={})
    app = create_app(cfg, run_background=False)
    tokens = {}
    with session_scope(app.state.wp.sessions) as db:
        for role in ROLES:
            tokens[role] = issue_token(db, add_user(db, f"u-{role}", "Password-1-" + role, role), "api", None)
    with TestClient(app, raise_server_exceptions=False) as c:
        c.tokens = tokens
        c.routes_info = enumerate_routes(app)
        yield c


def test_public_routes_are_exactly_the_allow_list(client):
    public = {i.key for i in client.routes_info if i.public}
    assert public == PUBLIC, (f"newly public: {sorted(public - PUBLIC)}; "
                              f"listed but not public (or gone): {sorted(PUBLIC - public)}")


def test_every_other_route_has_an_auth_dependency(client):
    unguarded = [i.key for i in client.routes_info if not i.public and auth_policy(i) is None]
    assert unguarded == [], f"routes with neither require(...) nor current_user: {unguarded}"


def test_http_routes_refuse_anonymous_and_wrong_roles(client):
    failures = []
    checked = 0
    for info in client.routes_info:
        if info.kind != "http" or info.public:
            continue
        allowed = auth_policy(info) or frozenset()
        url = fill(info.path)
        r = client.request(info.method, url)
        if r.status_code != 401:
            failures.append(f"{info.key}: anonymous got {r.status_code} {r.text[:100]}")
        for role in sorted(set(ROLES) - allowed):
            r = client.request(info.method, url, headers={"Authorization": f"Bearer {client.tokens[role]}"})
            if r.status_code != 403:
                failures.append(f"{info.key}: role {role} (allowed {sorted(allowed)}) got {r.status_code} {r.text[:100]}")
        checked += 1
    assert checked > 10
    assert failures == [], "\n".join(failures)


def _ws_refused(client, url: str) -> int | None:  # noqa: ANN001
    try:
        with client.websocket_connect(url) as ws:
            ws.receive_json()
    except WebSocketDisconnect as e:  # also covers a pre-accept denial response
        return getattr(e, "code", None) or getattr(e, "status_code", None)
    return None


def test_websocket_routes_refuse_anonymous_and_wrong_roles(client):
    ws_routes = [i for i in client.routes_info if i.kind == "ws" and not i.public]
    assert ws_routes, "expected at least the /ws push stream"
    for info in ws_routes:
        url = fill(info.path)
        assert _ws_refused(client, url) in (4401, 401, 403), f"{info.key} accepted an anonymous caller"
        assert _ws_refused(client, url + "?token=forged") in (4401, 401, 403), f"{info.key} accepted a forged token"
        allowed = auth_policy(info) or frozenset()
        for role in sorted(set(ROLES) - allowed):
            assert _ws_refused(client, f"{url}?token={client.tokens[role]}") in (4403, 403), f"{info.key}: {role}"


WEBHOOKS = {"POST /api/comms/twilio/inbound", "POST /api/comms/twilio/status"}


def test_public_webhooks_refuse_unsigned_calls(client):
    """Webhooks are public only in the session sense: an unsigned call is still refused."""
    for key in WEBHOOKS & {i.key for i in client.routes_info}:
        method, path = key.split(" ", 1)
        r = client.request(method, path, data={"MessageSid": "SM1", "MessageStatus": "delivered"})
        assert r.status_code in (401, 403), f"{key} accepted an unsigned call: {r.status_code}"
