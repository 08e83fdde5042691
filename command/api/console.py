"""The web console: static pages under ``/console/``, ``/`` redirects there (NFR-1/NFR-4).

No build step: vanilla JS and CSS from ``command/console/static``, nothing from a CDN, so it
works on an offline duty-room network. Pages are public files (they hold no data); every
piece of data they show comes from the authenticated API and WebSocket.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends
from fastapi.responses import FileResponse, RedirectResponse

from command.api.deps import current_user, get_state
from command.api.routing import api_router
from command.db.models.users import User
from command.domain import plan_workflow
from command.domain.incident_fsm import RESPONSE_LEVELS, STATES, TRANSITIONS
from command.errors import NotFound
from command.services.activation import TASK_FLOW
from command.state import ServiceState

STATIC = (Path(__file__).resolve().parent.parent / "console" / "static").resolve()
MEDIA_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
               ".css": "text/css; charset=utf-8", ".json": "application/json", ".svg": "image/svg+xml",
               ".png": "image/png", ".ico": "image/x-icon", ".woff2": "font/woff2"}

router = api_router(tags=["console"])


@router.get("/", include_in_schema=False, openapi_extra={"x-public": True})
def root() -> RedirectResponse:
    return RedirectResponse("/console/index.html", status_code=307)


@router.get("/console", include_in_schema=False, openapi_extra={"x-public": True})
@router.get("/console/", include_in_schema=False, openapi_extra={"x-public": True})
def console_root() -> RedirectResponse:
    return RedirectResponse("/console/index.html", status_code=307)


@router.get("/api/console/meta")
def meta(_: User = Depends(current_user), st: ServiceState = Depends(get_state)) -> dict:
    """What the pages need beyond the domain APIs: park name, the incident transition table
    (so buttons never offer an illegal move), and the heartbeat period."""
    return {"park_name": st.config.park_name, "incident_states": list(STATES),
            "incident_transitions": {s: sorted(t) for s, t in TRANSITIONS.items()},
            "response_levels": list(RESPONSE_LEVELS), "ws_heartbeat_s": st.config.server.ws_heartbeat_s,
            "tour_dwell_s": st.config.live.tour_dwell_s,
            "plan_steps": {scope: {status: plan_workflow.available(scope, status) for status in plan_workflow.STATUSES}
                           for scope in plan_workflow.SCOPES},
            "plan_decisions": sorted(plan_workflow.DECISIONS),
            "task_flow": {s: sorted(t) for s, t in TASK_FLOW.items()}}


@router.get("/console/{path:path}", include_in_schema=False, openapi_extra={"x-public": True})
def static_file(path: str) -> FileResponse:
    target = (STATIC / path).resolve()
    if not target.is_relative_to(STATIC) or not target.is_file():
        raise NotFound(f"no console file {path!r}")
    return FileResponse(target, media_type=MEDIA_TYPES.get(target.suffix), headers={"Cache-Control": "no-cache"})
