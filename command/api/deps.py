"""Dependencies every router uses: a DB session, the caller, and the roles a route allows."""

from __future__ import annotations

import weakref
from datetime import datetime
from typing import AsyncIterator, Callable

from fastapi import Depends, Request
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from command.db.models.users import User
from command.domain.roles import Role
from command.services.auth import AuthError, resolve_token_expiry, token_digest
from command.state import ServiceState
from watchpost.clock import Clock

SESSION_COOKIE = "wp_session"


async def get_state(request: Request) -> ServiceState:
    # async, like the dependencies below that do no I/O: a sync one costs a worker-thread hop per request.
    return request.app.state.wp


_READONLY: "weakref.WeakKeyDictionary[Engine, Engine]" = weakref.WeakKeyDictionary()
_AUTHED = "wp_authed"


def _readonly(engine: Engine) -> Engine:
    """The same engine and pool, but transactions begin deferred on SQLite (no write lock)."""
    ro = _READONLY.get(engine)
    if ro is None:
        ro = _READONLY[engine] = engine.execution_options(readonly=True)
    return ro


def _reads_after_commit(db: Session) -> None:
    # Once the endpoint's write committed, whatever it reads to build its answer must not take
    # SQLite's write lock again: that lock would be held while FastAPI waits for a worker
    # thread to serialise the response.
    if db.info.get(_AUTHED):
        db.bind = _readonly(db.info["wp_engine"])


async def get_db(request: Request) -> AsyncIterator[Session]:
    """A session per request. Writers call ``db.commit()`` themselves before answering, so an
    acknowledgement always means the data is on disk; anything uncommitted is rolled back.

    Why it is shaped like this (found by bench/api_load.py, where the service stalled for
    busy_timeout under load): on SQLite every transaction takes the write lock up front (BEGIN
    IMMEDIATE), and a sync endpoint's request hops between worker threads (dependencies,
    endpoint, response serialisation). A request holding the lock across a hop waits for a free
    worker while every worker waits for the lock. So: GET/HEAD sessions never take the write
    lock; the auth read ends before the endpoint (``current_user``); reads after the endpoint's
    commit are deferred too; and this clean-up runs on the event loop (async generator), not in
    the threadpool."""
    st = request.app.state.wp
    if request.method in ("GET", "HEAD"):
        db = st.sessions(bind=_readonly(st.engine))
    else:
        db = st.sessions()
        event.listen(db, "after_commit", _reads_after_commit)
    db.info["wp_engine"] = st.engine
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


async def current_user(request: Request, db: Session = Depends(get_db)) -> User:
    token = bearer_token(request)
    if not token:
        raise AuthError("authentication required")
    st = request.app.state.wp
    digest = token_digest(token)
    cache = st.session_cache
    if cache is not None and (user := cache.get(digest, st.clock.now())) is not None:
        db.info[_AUTHED] = True
        return user  # a detached copy: endpoints that change the user load it from db
    # A read of its own in a worker thread, ended before the endpoint runs (see get_db).
    user, expires_at = await run_in_threadpool(_resolve, db, token, st.clock)
    db.info[_AUTHED] = True
    if user is None:
        raise AuthError("session expired or invalid")
    if cache is not None:
        cache.put(digest, user, expires_at)
    return user


def _resolve(db: Session, token: str, clock: Clock) -> tuple[User | None, datetime | None]:
    db.connection(execution_options={"readonly": True})
    found = resolve_token_expiry(db, token, clock)
    db.commit()
    return found


def require(*roles: Role) -> Callable[..., User]:
    """Dependency allowing only ``roles``; ``allowed_roles`` lets tests enumerate the policy."""
    allowed = frozenset(roles)

    async def check(user: User = Depends(current_user)) -> User:
        if user.role not in allowed:
            raise AuthError(f"role {user.role!r} may not do this; allowed: {', '.join(sorted(allowed))}", 403)
        return user

    check.allowed_roles = allowed  # type: ignore[attr-defined]
    return check
