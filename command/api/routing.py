"""The route class every router uses: a sync endpoint hands its read transaction back before its answer is serialised.

FastAPI runs a sync endpoint in a worker thread, then validates and serialises the returned value in *another* worker
thread. A request whose session still holds a pooled connection across that second hop waits for a free thread while
holding it; with more requests in flight than the pool has connections, every thread ends up waiting for a connection
that only a request waiting for a thread can give back. That is how the PostgreSQL open-loop run stalled (issue #23:
py-spy showed all 40 threads in ``QueuePool._do_get``). So once the endpoint returns, a session that wrote nothing since
its last commit ends its transaction in the same thread; loaded objects stay usable (``expire_on_commit=False``) and a
lazy load during serialisation simply takes a connection again. A session with unflushed or uncommitted writes is left
alone: it is rolled back at teardown, exactly as before.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, Callable

from fastapi import APIRouter
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from command.push import holds_events
from command.services.read_cache import touched


def release_reads(session: Session) -> None:
    """End ``session``'s transaction if it holds nothing to write (see the module's docstring)."""
    if (session.in_transaction() and not touched(session) and not (session.new or session.dirty or session.deleted)
            and not holds_events(session)):  # push events are inserted by the commit itself
        session.commit()


def _releasing(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)
    def run(*args: Any, **kwargs: Any) -> Any:
        answer = endpoint(*args, **kwargs)
        for value in kwargs.values():
            if isinstance(value, Session):
                release_reads(value)
        return answer

    return run


def _plain_sync(endpoint: Callable[..., Any]) -> bool:
    fn = inspect.unwrap(endpoint)
    return not (inspect.iscoroutinefunction(fn) or inspect.isgeneratorfunction(fn) or inspect.isasyncgenfunction(fn))


class ReleasingRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if _plain_sync(endpoint):
            endpoint = _releasing(endpoint)
        super().__init__(path, endpoint, **kwargs)


def api_router(**kwargs: Any) -> APIRouter:
    return APIRouter(route_class=ReleasingRoute, **kwargs)
