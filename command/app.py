"""The service: ``create_app(config)`` builds the FastAPI app with storage, bus, push and loops."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI

from command.api import ROUTERS
from command.body_limit import BodyLimit
from command.request_ids import RequestIds
from command.security_headers import SecurityHeaders
from command.errors import ERROR_RESPONSES, install_handlers
from command.leader import Leadership
from command.metrics import RequestMetrics, ServiceMetrics
from command.live.hub import LiveHub
from command.domain.rate_limit import SlidingWindow
from command.push import PushHub
from command.services.background import build_background
from command.services.read_cache import ReadCache
from command.services.read_cache import install as install_read_cache
from command.services.session_cache import SessionCache
from command.services.session_cache import install as install_session_cache
from command.state import ServiceState
from watchpost import __version__
from watchpost.bus import Bus, make_bus
from watchpost.clock import SYSTEM_CLOCK, Clock
from watchpost.config import Config
from watchpost.db import make_engine, make_sessionmaker

log = logging.getLogger(__name__)


def log_service() -> None:
    """The service's own INFO lines (loops, leadership, comms) beside uvicorn's."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(name)s: %(message)s")
    for chatty in ("httpx", "twilio.http_client"):  # a line per outgoing request (SMS gateway calls)
        logging.getLogger(chatty).setLevel(logging.WARNING)


def build_state(config: Config, clock: Clock | None = None, bus: Bus | None = None) -> ServiceState:
    engine = make_engine(config.storage.url, config.storage.echo, config.storage.pool_size)
    state = ServiceState(config=config, engine=engine, sessions=make_sessionmaker(engine),
                         bus=bus or make_bus(config.bus), clock=clock or SYSTEM_CLOCK)
    state.push = PushHub(state)
    state.login_limiter = SlidingWindow(config.server.login_attempts_per_min, 60.0)
    state.live = LiveHub(config.live.linger_s, config.live.open_timeout_s)
    state.session_cache = SessionCache(config.server.session_cache_s)
    install_session_cache(state)
    state.read_cache = ReadCache(config.server.read_cache_s)
    install_read_cache(state, state.sessions)
    return state


def create_app(config: Config, clock: Clock | None = None, bus: Bus | None = None,
               run_background: bool = True) -> FastAPI:
    state = build_state(config, clock, bus)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        def start_loops() -> None:
            state.background = build_background(state)
            for loop in state.background:
                loop.start()

        def stop_loops() -> None:
            loops, state.background = state.background, []
            for loop in reversed(loops):
                loop.stop()

        if config.live.keep_open:
            from command.live.sources import NotRelayed, live_source
            from watchpost.config import gb28181_channel

            for cam in config.vision.cameras:
                # In assigned mode a GB camera's relay is its worker's, known from its claims, which may
                # not have come yet: it opens on call-up (or alarm) instead.
                gb_assigned = config.vision.assignment.enabled and gb28181_channel(cam.url) is not None
                if cam.enabled and not gb_assigned:
                    try:
                        state.live.warm(live_source(cam, config.vision.gb28181), float("inf"))
                    except NotRelayed as exc:  # a GB camera without the worker's relay has no live view to hold
                        log.info("not holding camera %s open: %s", cam.id, exc)
        prewarm = None
        if config.live.prewarm_s > 0:
            from command.api.live import source_for
            from command.live.prewarm import prewarm_alarm_cameras

            prewarm = asyncio.get_running_loop().create_task(prewarm_alarm_cameras(
                state.push, state.live, lambda: state.config.vision.cameras, config.live.prewarm_s,
                lambda cam: source_for(state, cam)), name="live-prewarm")
        leadership = beat = None
        if run_background:
            from command.services.replicas import ReplicaBeat

            leadership = Leadership(state.engine, start_loops, on_deposed=stop_loops)
            leadership.start()
            beat = ReplicaBeat(state)  # every process, leader or not: the leader alarms on a silent one (issue #26)
            beat.start()
        try:
            yield
        finally:
            if prewarm is not None:
                prewarm.cancel()
            await state.live.close()
            if leadership is not None:
                leadership.stop_waiting()
            stop_loops()
            if leadership is not None:
                leadership.release()
            if beat is not None:
                beat.stop()
            state.bus.close()
            state.engine.dispose()

    app = FastAPI(title="Watchpost", version=__version__, lifespan=lifespan)
    app.state.wp = state
    app.state.wp_metrics = ServiceMetrics(state)  # GET /metrics (issue #26)
    install_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=int(config.server.max_upload_mb * 1024 * 1024),
                       limit_mb=config.server.max_upload_mb)
    app.add_middleware(RequestMetrics, metrics=app.state.wp_metrics)  # request latency by route template
    # Added last = outermost: the security headers wrap every answer, the request id's 500 included.
    app.add_middleware(RequestIds)
    app.add_middleware(SecurityHeaders, tls=config.server.tls)

    @app.get("/healthz", tags=["system"], openapi_extra={"x-public": True})
    def healthz() -> dict:
        return {"ok": True, "version": __version__}

    for router in ROUTERS:
        app.include_router(router, responses=ERROR_RESPONSES)
    return app
