"""Request body limit as plain ASGI middleware (413 with a reason).

Starlette's ``BaseHTTPMiddleware`` (``@app.middleware("http")``) runs every request through an
extra task and a streaming response wrapper; under bench/api_load.py that cost a visible share
of the single service process's CPU, for a check that needs only the headers and a byte count.
"""

from __future__ import annotations

from fastapi import HTTPException
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, limit_mb: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.reason = f"request body over {limit_mb:g} MB"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length":
                if value.isdigit() and int(value) > self.max_bytes:
                    await JSONResponse({"detail": self.reason}, status_code=413)(scope, receive, send)
                    return
                break
        seen = 0

        async def counted() -> Message:
            # A chunked upload names no length up front: count what arrives.
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise HTTPException(status_code=413, detail=self.reason)
            return message

        await self.app(scope, counted, send)
