"""What one running service holds: config, storage, bus, clock, push hub, background loops."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from watchpost.bus import Bus
from watchpost.clock import Clock
from watchpost.config import Config


class Background(Protocol):
    """A loop the service runs beside the API (scheduler, comms dispatcher...)."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


@dataclass
class ServiceState:
    config: Config
    engine: Engine
    sessions: sessionmaker[Session]
    bus: Bus
    clock: Clock
    push: Any = None  # command.push.PushHub
    background: list[Background] = field(default_factory=list)
    # Login attempts per client address (command.domain.rate_limit.SlidingWindow), per process.
    login_limiter: Any = None
    live: Any = None  # command.live.hub.LiveHub: camera feeds and WebRTC peers of this process
    read_gate: Any = None  # (loop, asyncio.Semaphore): how many cached routes' reads run at once (api/cached.py)
    read_cache: Any = None  # command.services.read_cache.ReadCache: hot list answers until their tables change
    session_cache: Any = None  # command.services.session_cache.SessionCache: whom tokens belong to, for seconds
