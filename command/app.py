"""The service: ``create_app(config)`` builds the FastAPI app with storage, bus, push and loops."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from command.api import ROUTERS
from command.errors import install_handlers
from command.push import PushHub
from command.services.background import build_background
from command.state import ServiceState
from watchpost import __version__
from watchpost.bus import Bus, make_bus
from watchpost.clock import SYSTEM_CLOCK, Clock
from watchpost.config import Config
from watchpost.db import make_engine, make_sessionmaker


def build_state(config: Config, clock: Clock | None = None, bus: Bus | None = None) -> ServiceState:
    engine = make_engine(config.storage.url, config.storage.echo, config.storage.pool_size)
    state = ServiceState(config=config, engine=engine, sessions=make_sessionmaker(engine),
                         bus=bus or make_bus(config.bus), clock=clock or SYSTEM_CLOCK)
    state.push = PushHub(state)
    return state


def create_app(config: Config, clock: Clock | None = None, bus: Bus | None = None,
               run_background: bool = True) -> FastAPI:
    state = build_state(config, clock, bus)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if run_background:
            state.background = build_background(state)
            for loop in state.background:
                loop.start()
        try:
            yield
        finally:
            for loop in reversed(state.background):
                loop.stop()
            state.bus.close()
            state.engine.dispose()

    app = FastAPI(title="Watchpost", version=__version__, lifespan=lifespan)
    app.state.wp = state
    install_handlers(app)
    max_bytes = int(config.server.max_upload_mb * 1024 * 1024)

    @app.middleware("http")
    async def limit_body(request: Request, call_next):
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > max_bytes:
            return JSONResponse({"detail": f"request body over {config.server.max_upload_mb} MB"}, status_code=413)
        return await call_next(request)

    @app.get("/healthz", tags=["system"], openapi_extra={"x-public": True})
    def healthz() -> dict:
        return {"ok": True, "version": __version__}

    for router in ROUTERS:
        app.include_router(router)
    return app
