"""``GET /ws``: the console's live stream (NFR-3, ALM-4 real-time arrival).

``/ws?token=...&last_id=N&topics=alarm,incident``. The token is a session or API token (the
``wp_session`` cookie also works). On connect the server replays every stored event after
``last_id`` from the database, then streams live events, in id order and without duplicates
across the replay/live boundary: the client is registered with the hub *before* the replay
query, and anything already sent is skipped by id.

Messages, server → client: a push event ``{id, topic, action, at, data}``; ``{"type": "ready",
"last_id": N}`` once the replay is done; ``{"type": "ping", "t": ...}`` every heartbeat period;
``{"type": "reset", "oldest_id": N}`` when ``last_id`` is older than the retained log (reload
the lists). Client → server: ``{"type": "pong"}`` (any message counts). A client that misses
two pings is closed (4408). Close codes: 4401 not signed in, 4403 role not allowed, 4400 bad
parameters, 4429 too far behind (reconnect with last_id).
"""

from __future__ import annotations

import asyncio
import json
import time

import anyio
from fastapi import WebSocket, WebSocketDisconnect
from starlette.websockets import WebSocketState

from command.api.deps import SESSION_COOKIE
from command.api.routing import api_router
from command.domain.roles import Role
from command.push import Client, fetch_after, first_event_id, last_event_id
from command.services.auth import resolve_token
from command.state import ServiceState
from watchpost.events import PushEvent
from watchpost.fields import DB_INT_MAX

router = api_router(tags=["push"])

# Any signed-in account, service accounts included (a relay or wall display may use an API token).
WS_ROLES = frozenset(Role)
TOPICS = frozenset(PushEvent.model_fields["topic"].annotation.__args__)  # type: ignore[union-attr]
MISSED_PINGS = 2


async def _authenticate(ws: WebSocket, st: ServiceState) -> tuple[int, str] | None:
    token = ws.query_params.get("token") or ws.cookies.get(SESSION_COOKIE)
    if not token:
        await ws.close(code=4401, reason="authentication required")
        return None

    def check(db):  # noqa: ANN001
        u = resolve_token(db, token, st.clock)
        return None if u is None else (u.id, u.role)

    who = await st.push.query(check)
    if who is None:
        await ws.close(code=4401, reason="session expired or invalid")
        return None
    if who[1] not in WS_ROLES:
        await ws.close(code=4403, reason=f"role {who[1]!r} may not subscribe")
        return None
    return who


@router.websocket("/ws")
async def push_stream(ws: WebSocket) -> None:
    st: ServiceState = ws.app.state.wp
    hub = st.push
    # Accept first so a browser sees the 44xx close code and reason (a pre-accept close is a bare 403).
    await ws.accept()
    if await _authenticate(ws, st) is None:
        return
    try:
        raw_last = ws.query_params.get("last_id")
        last_id = int(raw_last) if raw_last not in (None, "") else None
        if last_id is not None and not 0 <= last_id <= DB_INT_MAX:
            raise ValueError(f"last_id must be between 0 and {DB_INT_MAX}")
        raw_topics = ws.query_params.get("topics")
        topics = frozenset(t for t in (raw_topics or "").split(",") if t) or None
        if topics and not topics <= TOPICS:
            raise ValueError(f"unknown topics {sorted(topics - TOPICS)}; known: {sorted(TOPICS)}")
    except ValueError as e:
        await ws.close(code=4400, reason=str(e)[:120])
        return

    await hub.ensure_running()
    client = Client(topics)
    hub.add(client)  # before the replay query: nothing committed from now on can be missed
    try:
        cursor = await _replay(ws, hub, client, last_id)
        await ws.send_text(json.dumps({"type": "ready", "last_id": cursor}))
        await _serve(ws, st, client, cursor)
    except WebSocketDisconnect:
        pass
    finally:
        hub.remove(client)
        if ws.client_state == WebSocketState.CONNECTED:
            try:
                await ws.close()
            except Exception:  # the peer may already be gone
                pass


# Same convention as require(): lets the route-permission test read the policy.
push_stream.allowed_roles = WS_ROLES  # type: ignore[attr-defined]


async def _replay(ws: WebSocket, hub, client: Client, last_id: int | None) -> int:  # noqa: ANN001
    if last_id is None:  # a fresh console loads its lists over HTTP; stream from now on
        return await hub.query(last_event_id)
    oldest = await hub.query(first_event_id)
    if last_id > 0 and oldest is not None and oldest > last_id + 1:
        await ws.send_text(json.dumps({"type": "reset", "oldest_id": oldest}))
    cursor = last_id
    while True:
        batch = await hub.query(fetch_after, cursor, 500, client.topics)
        for ev in batch:
            await ws.send_text(hub.text_of(ev))
            cursor = ev.id
        if len(batch) < 500:
            return cursor


async def _serve(ws: WebSocket, st: ServiceState, client: Client, cursor: int) -> None:
    period = st.config.server.ws_heartbeat_s
    state = {"unanswered": 0}

    async def receive() -> None:
        while True:
            await ws.receive_text()
            state["unanswered"] = 0  # any message (pong or otherwise) proves the client alive

    async def heartbeat() -> None:
        while True:
            await asyncio.sleep(period)
            if state["unanswered"] >= MISSED_PINGS:
                await ws.close(code=4408, reason="heartbeat missed")
                return
            state["unanswered"] += 1
            await ws.send_text(json.dumps({"type": "ping", "t": time.time()}))

    async def send() -> None:
        nonlocal cursor
        while True:
            ev = await client.queue.get()
            if ev is None:
                await ws.close(code=4429, reason="client too far behind; reconnect with last_id")
                return
            if ev.id <= cursor:
                continue  # already sent during the replay
            await ws.send_text(st.push.text_of(ev))
            cursor = ev.id

    # An anyio task group, not bare asyncio tasks: the server (and the test client) cancel the
    # connection through anyio cancel scopes, which must see every child task.
    async with anyio.create_task_group() as tg:
        async def run(part) -> None:  # noqa: ANN001
            try:
                await part()
            except WebSocketDisconnect:
                pass
            tg.cancel_scope.cancel()  # whichever part ends first ends the connection

        for part in (receive, heartbeat, send):
            tg.start_soon(run, part)
