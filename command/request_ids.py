"""Request ids and the last-resort error answer, as plain ASGI middleware.

Every HTTP response carries ``X-Request-ID`` (the caller's own id when it sent a sane one, else a
new one). An exception no handler turned into an answer is logged here with that id and answered
``500 {"detail": ..., "request_id": ...}``: the caller gets an id to quote, never a stack trace,
SQL or a file path. The session's transaction was rolled back by ``get_db`` on the way out.
"""

from __future__ import annotations

import logging
import re
import uuid

from starlette.datastructures import MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("watchpost.errors")
HEADER = "X-Request-ID"
_SANE = re.compile(rb"^[A-Za-z0-9._:-]{1,64}$")


def request_id(scope: Scope) -> str | None:
    return scope.get("state", {}).get("request_id")


class RequestIds:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next((v for k, v in scope["headers"] if k == b"x-request-id"), b"")
        rid = incoming.decode() if _SANE.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = rid
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                MutableHeaders(scope=message).append(HEADER, rid)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error answering %s %s (request id %s)", scope["method"], scope["path"], rid)
            if started:  # part of the answer is out: nothing to do but let the server drop the connection
                raise
            answer = JSONResponse({"detail": f"internal error; quote request id {rid} to the administrator",
                                   "request_id": rid}, status_code=500, headers={HEADER: rid})
            await answer(scope, receive, send)
