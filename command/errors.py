"""Domain errors and how the API answers them (a reason always comes back to the caller).

Database errors that reach the API are answered by what they mean, without the SQL: a
constraint a concurrent request won (409), a value the database refused (422), a database
too busy to answer now (503, retry). The request's transaction is rolled back by ``get_db``.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError, IntegrityError, OperationalError

log = logging.getLogger("watchpost.errors")


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ErrorAnswer(BaseModel):
    """Every 4xx/5xx answer: the reason (or, for a refused request, each field and why)."""

    detail: str | list[FieldError]
    request_id: str | None = None


# The answers every API route may give besides its success, documented on each operation.
ERROR_RESPONSES: dict[int | str, dict] = {
    status: {"model": ErrorAnswer, "description": text} for status, text in (
        (400, "the body could not be read"), (401, "not signed in, or the session ended"),
        (403, "the role may not do this"), (404, "no such item"),
        (409, "conflicts with the item's state or with stored data; nothing changed"),
        (413, "body too large"), (422, "a field is missing or invalid: each field and why"),
        (423, "account locked after failed logins"), (429, "too many attempts; see Retry-After"),
        (500, "an unforeseen error; quote the request_id"), (502, "a device refused (a camera's PTZ)"),
        (503, "the database is busy, or a camera does not answer; retry"))}


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


class Unavailable(DomainError):
    """Something outside the service (a camera) did not answer."""

    status = 503


class TimedOut(DomainError):
    """Something the service asked (a vision worker) did not answer in time."""

    status = 504


class Refused(DomainError):
    """Something outside the service (a camera's PTZ) answered with a refusal."""

    status = 502


def _request_id(request: Request) -> str | None:
    from command.request_ids import request_id

    return request_id(request.scope)


def _db_answer(request: Request, exc: Exception, status: int, reason: str, **headers: str) -> JSONResponse:
    rid = _request_id(request)
    # The driver's message names tables and constraints: the log keeps it, the caller gets the reason.
    log.warning("%s %s answered %d (request id %s): %s", request.method, request.url.path, status, rid,
                str(getattr(exc, "orig", exc)).splitlines()[0][:300])
    return JSONResponse({"detail": reason, "request_id": rid}, status_code=status, headers=headers or None)


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse({"detail": exc.reason}, status_code=exc.status)

    from command.services.auth import AuthError

    @app.exception_handler(AuthError)
    async def _auth(_: Request, exc: AuthError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        if exc.retry_after_s is not None:
            headers = (headers or {}) | {"Retry-After": str(max(1, round(exc.retry_after_s)))}
        return JSONResponse({"detail": exc.reason}, status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        # Field and reason only: the rejected input is not echoed back (it may be a password).
        return JSONResponse({"detail": [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
                                        for e in exc.errors()]}, status_code=422)

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        return _db_answer(request, exc, 409, "conflicts with stored data (a duplicate or a missing reference); "
                                             "nothing was changed")

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> JSONResponse:
        return _db_answer(request, exc, 422, "a value the database cannot store; nothing was changed")

    @app.exception_handler(OperationalError)
    async def _busy(request: Request, exc: OperationalError) -> JSONResponse:
        return _db_answer(request, exc, 503, "the database is busy or unreachable; nothing was changed, retry",
                          **{"Retry-After": "2"})
