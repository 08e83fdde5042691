"""Security headers on every HTTP answer, as plain ASGI middleware (GB/T 22239 level 3 review).

The console is served from this process with no inline script or style (CSP without
'unsafe-inline'), is never framed (clickjacking), and content types are not sniffed. API answers
are not cached by browsers or proxies (they carry names, phones, incident details); media and the
console's files keep the Cache-Control their route sets. Over TLS, browsers are told to keep
using HTTPS (HSTS).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
HSTS_MAX_AGE_S = 180 * 24 * 3600


def header_pairs(tls: bool) -> list[tuple[bytes, bytes]]:
    pairs = [("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
             ("Referrer-Policy", "no-referrer"), ("Cross-Origin-Opener-Policy", "same-origin"),
             ("Cross-Origin-Resource-Policy", "same-origin"),
             ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")]
    if tls:
        pairs.append(("Strict-Transport-Security", f"max-age={HSTS_MAX_AGE_S}"))
    return [(k.lower().encode(), v.encode()) for k, v in pairs]


class SecurityHeaders:
    def __init__(self, app: ASGIApp, tls: bool) -> None:
        self.app = app
        self.pairs = header_pairs(tls)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = scope["path"].startswith("/api/") and not scope["path"].startswith("/api/media/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for key, value in self.pairs:
                    if key.decode() not in headers:
                        message["headers"].append((key, value))
                if api and "cache-control" not in headers:
                    message["headers"].append((b"cache-control", b"no-store"))
            await send(message)

        await self.app(scope, receive, send_with_headers)
