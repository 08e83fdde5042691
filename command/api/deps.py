"""Dependencies every router uses: a DB session, the caller, and the roles a route allows."""

from __future__ import annotations

from typing import AsyncIterator, Callable

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from command.db.models.users import User
from command.domain.roles import Role
from command.services.auth import AuthError, resolve_token
from command.state import ServiceState

SESSION_COOKIE = "wp_session"


def get_state(request: Request) -> ServiceState:
    return request.app.state.wp


async def get_db(request: Request) -> AsyncIterator[Session]:
    """A session per request. Writers call ``db.commit()`` themselves before answering, so an
    acknowledgement always means the data is on disk; anything uncommitted is rolled back.

    Async on purpose (the session is still used from the sync endpoints' worker threads): the
    clean-up then runs on the event loop instead of needing a threadpool slot. As a sync
    generator, a request holding SQLite's write lock (every transaction takes it, BEGIN
    IMMEDIATE) could not release it while all worker threads waited for that lock — under load
    the whole service stalled for busy_timeout (found by bench/api_load.py)."""
    db = request.app.state.wp.sessions()
    try:
        yield db
    finally:
        db.rollback()
        db.close()


def bearer_token(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip() or None
    return request.cookies.get(SESSION_COOKIE) or request.query_params.get("token")


def current_user(request: Request, db: Session = Depends(get_db)) -> User:
    token = bearer_token(request)
    if not token:
        raise AuthError("authentication required")
    user = resolve_token(db, token, request.app.state.wp.clock)
    # End this read transaction before the endpoint runs: the endpoint is another threadpool hop,
    # and on SQLite this transaction holds the write lock (BEGIN IMMEDIATE). Holding it while
    # waiting for a free worker thread deadlocks once every worker waits for that lock.
    db.commit()
    if user is None:
        raise AuthError("session expired or invalid")
    return user


def require(*roles: Role) -> Callable[..., User]:
    """Dependency allowing only ``roles``; ``allowed_roles`` lets tests enumerate the policy."""
    allowed = frozenset(roles)

    def check(user: User = Depends(current_user)) -> User:
        if user.role not in allowed:
            raise AuthError(f"role {user.role!r} may not do this; allowed: {', '.join(sorted(allowed))}", 403)
        return user

    check.allowed_roles = allowed  # type: ignore[attr-defined]
    return check
