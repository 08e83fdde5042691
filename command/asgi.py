"""ASGI entry point for several worker processes: ``uvicorn command.asgi:create --factory``.

``watchpost serve --workers N`` uses it: each worker process builds its own app from
``$WATCHPOST_CONFIG`` and the ``WATCHPOST__…`` overrides it inherits.
"""

from __future__ import annotations

from fastapi import FastAPI

from command.app import create_app, log_service
from watchpost.config import load_config


def create() -> FastAPI:
    log_service()
    return create_app(load_config())
