"""Hot read routes answered from ``ReadCache`` when nothing they read has changed (issue #23).

An ``async`` route that calls ``cached_json`` answers a hit on the event loop: no worker thread, no query, the same
bytes as last time. A miss reads in one worker thread, ends the read transaction there and serialises once with
orjson. Requests for the same answer that arrive while it is being read wait for that one read instead of each
starting their own: after every alarm, all consoles ask again at once, and on two cores a hundred concurrent reads
of the same page would each take a hundred times longer. See ``command/services/read_cache.py`` for when an answer
stops being served.
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable

import orjson
from fastapi import Request, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from command.api.routing import release_reads
from command.services.read_cache import ReadCache

READS_AT_ONCE = 4


async def cached_json(request: Request, db: Session, tables: tuple[str, ...], read: Callable[[], Any]) -> Response:
    """``read()``'s answer as JSON; ``tables`` are every table it reads, and nothing else may shape it."""
    cache: ReadCache = request.app.state.wp.read_cache

    def answer() -> bytes:
        try:
            return orjson.dumps(read())
        finally:
            release_reads(db)

    if not cache.enabled:
        return _json(await _read(request, answer), "off")
    key = (request.url.path, tuple(sorted(request.query_params.multi_items())))
    aged, fresh = cache.lookup(key, tables)
    if fresh:
        return _json(aged, "hit")
    stamp = cache.stamp(tables)
    flight = cache.in_flight.get(key)
    if flight is not None and flight[0] == stamp:  # the same versions: that read's answer is this one's
        if aged is not None:  # only its age ran out: no commit since, so the kept answer stands meanwhile
            return _json(aged, "stale")
        try:
            return _json(await asyncio.shield(flight[1]), "shared")
        except asyncio.CancelledError:
            if not flight[1].cancelled():
                raise  # this request was cancelled, not the read it waited for
    future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
    cache.in_flight[key] = (stamp, future)
    try:
        body = await _read(request, answer)
    except BaseException as exc:
        if isinstance(exc, Exception):
            future.set_exception(exc)
            future.exception()  # retrieved: nobody may be waiting
        else:
            future.cancel()
        raise
    finally:
        if cache.in_flight.get(key, (None, None))[1] is future:
            del cache.in_flight[key]
    future.set_result(body)
    cache.put(key, stamp, body)
    return _json(body, "miss")


async def _read(request: Request, answer: Callable[[], bytes]) -> bytes:
    # Few reads at once: each releases the GIL for every row it steps through, and with dozens of threads taking
    # turns a 100-row page cost twice the CPU it costs alone (20 concurrent readers on 2 cores: 4 at once
    # gave 150-190 req/s on the uncached 100-row list, 40 at once 80-90).
    st, loop = request.app.state.wp, asyncio.get_running_loop()
    if st.read_gate is None or st.read_gate[0] is not loop:  # a semaphore belongs to one event loop
        st.read_gate = (loop, asyncio.Semaphore(READS_AT_ONCE))
    async with st.read_gate[1]:
        return await run_in_threadpool(answer)


def _json(body: bytes, how: str) -> Response:
    return Response(body, media_type="application/json", headers={"X-Cache": how})
