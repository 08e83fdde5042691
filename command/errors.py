"""Domain errors and how the API answers them (a reason always comes back to the caller)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


class DomainError(Exception):
    status = 400

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    """Illegal state transition, duplicate, conflicting reservation."""

    status = 409


class Invalid(DomainError):
    status = 422


class TooLarge(DomainError):
    status = 413


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse({"detail": exc.reason}, status_code=exc.status)

    from command.services.auth import AuthError

    @app.exception_handler(AuthError)
    async def _auth(_: Request, exc: AuthError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse({"detail": exc.reason}, status_code=exc.status, headers=headers)
