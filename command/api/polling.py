"""Answering once something lands in the database: a long poll read again every few tenths of a second, in a
worker thread, so that what another replica committed is seen too (the bus only wakes consumers up)."""

from __future__ import annotations

import asyncio
import time
from typing import Callable, TypeVar

from fastapi import Request
from starlette.concurrency import run_in_threadpool

T = TypeVar("T")


async def poll(read: Callable[[], T], done: Callable[[T], bool], wait_s: float, request: Request,
               every_s: float = 0.25) -> T:
    """``read()`` until ``done`` holds for its value, ``wait_s`` has passed or the caller has left; its last value."""
    deadline = time.monotonic() + wait_s
    while True:
        value = await run_in_threadpool(read)
        if done(value) or time.monotonic() >= deadline or await request.is_disconnected():
            return value
        await asyncio.sleep(every_s)
