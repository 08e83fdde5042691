"""Answers of the hot read routes, kept until a commit touches a table they read (issue #23).

During an incident every console asks for the same alarm list, incident list and warning list over and over; on
two cores, building each answer again (a query, a hundred rows, a worker-thread hop) was most of the service's CPU.
An answer is kept here under its route and query, stamped with the versions of the tables it was read from:

- Every session of the service's sessionmaker notes the tables it writes (flushed objects, and ``update`` /
  ``delete`` / ``insert`` statements; a ``text()`` statement counts as touching every table). When the session
  commits, those tables' versions move on, in this process at once (before the writer's answer leaves, so a
  client that reads after its own write sees it) and in every other service process through the bus
  (``cache/touched``).
- The stamp is taken before the answer is read, so a commit that lands while it is read leaves it stamped with the
  old versions: it is never served.
- ``server.read_cache_s`` bounds the age of any answer, for writes this process cannot see (another program
  writing the database directly, or a lost bus message): past it, the next request reads again. Requests that
  come while that read is under way get the aged answer rather than all waiting for it (no commit has touched
  its tables, so it is what they would have got a moment before). 0 turns the cache off.

Only routes whose answer depends on nothing but their query and the tables they name may use it; a route that
filters by the caller must put the caller in its key.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from typing import Any, Callable, Iterable

from sqlalchemy import event, inspect as sa_inspect
from sqlalchemy.orm import Session

TOPIC = "cache/touched"
EVERY = "*"
_TOUCHED = "wp_touched"

Key = tuple[Any, ...]
Stamp = tuple[int, ...]


def touched(session: Session) -> set[str]:
    """The tables ``session`` has written in its open transaction (empty once it commits or rolls back)."""
    return session.info.get(_TOUCHED) or set()


class ReadCache:
    def __init__(self, max_age_s: float, max_entries: int = 512, max_bytes: int = 32 << 20,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.max_age_s = max_age_s
        self.max_entries = max_entries
        self.max_bytes = max_bytes  # pages of 1,000 alarms are ~0.6 MB: the entry count alone does not bound memory
        self.bytes = 0
        self._monotonic = monotonic
        self._versions: dict[str, int] = {}
        self._every = 0  # moved by a write whose tables are unknown
        self._entries: OrderedDict[Key, tuple[Stamp, float, bytes]] = OrderedDict()
        self._lock = threading.Lock()
        self.in_flight: dict[Key, tuple[Stamp, Any]] = {}  # reads under way (the event loop's, see api/cached.py)
        self.replica = uuid.uuid4().hex  # tells this process's own bus messages from the others'

    @property
    def enabled(self) -> bool:
        return self.max_age_s > 0

    def stamp(self, tables: Iterable[str]) -> Stamp:
        return (self._every, *(self._versions.get(t, 0) for t in tables))

    def get(self, key: Key, tables: tuple[str, ...]) -> bytes | None:
        """The kept answer if no commit has touched ``tables`` since it was read and it is younger than max_age."""
        body, fresh = self.lookup(key, tables)
        return body if fresh else None

    def lookup(self, key: Key, tables: tuple[str, ...]) -> tuple[bytes | None, bool]:
        """(the kept answer, whether it is younger than max_age); None when a commit has touched ``tables`` since."""
        entry = self._entries.get(key)
        if entry is None or entry[0] != self.stamp(tables):
            return None, False
        return entry[2], self._monotonic() - entry[1] <= self.max_age_s

    def put(self, key: Key, stamp: Stamp, body: bytes) -> None:
        if not self.enabled:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            self.bytes += len(body) - (len(old[2]) if old else 0)
            self._entries[key] = (stamp, self._monotonic(), body)
            while len(self._entries) > self.max_entries or (self.bytes > self.max_bytes and len(self._entries) > 1):
                self.bytes -= len(self._entries.popitem(last=False)[1][2])

    def touch(self, tables: Iterable[str]) -> None:
        with self._lock:
            for t in tables:
                if t == EVERY:
                    self._every += 1
                else:
                    self._versions[t] = self._versions.get(t, 0) + 1

    def __len__(self) -> int:
        return len(self._entries)


def _tables_of(obj: Any) -> set[str]:
    return {t.name for t in sa_inspect(obj).mapper.tables}


def install(state: Any, sessions: Any) -> None:
    """Note what ``sessions`` write, and move ``state.read_cache``'s versions when they commit (here and over the bus)."""

    def after_flush(session: Session, _ctx: Any) -> None:
        tables = session.info.setdefault(_TOUCHED, set())
        for obj in (*session.new, *session.dirty, *session.deleted):
            tables |= _tables_of(obj)

    def orm_execute(orm_state: Any) -> None:
        if orm_state.is_select:
            return
        table = getattr(orm_state.statement, "table", None)
        orm_state.session.info.setdefault(_TOUCHED, set()).add(getattr(table, "name", None) or EVERY)

    def after_commit(session: Session) -> None:
        root = session.get_transaction()
        if root is not None and root.is_active:
            return  # a savepoint was released: its writes are visible once the outer transaction commits
        tables, cache = session.info.pop(_TOUCHED, None), state.read_cache
        if tables and cache is not None:
            cache.touch(tables)
            try:
                state.bus.publish(TOPIC, {"tables": sorted(tables), "replica": cache.replica})
            except Exception:  # best effort: read_cache_s bounds what a lost message leaves
                pass

    def after_rollback(session: Session, previous: Any) -> None:
        if not previous.nested:  # after a savepoint's rollback the outer transaction may still hold writes
            session.info.pop(_TOUCHED, None)

    def on_bus(_topic: str, message: dict[str, Any]) -> None:
        cache = state.read_cache
        if cache is not None and message.get("replica") != cache.replica:
            cache.touch(message.get("tables") or [EVERY])

    event.listen(sessions, "after_flush", after_flush)
    event.listen(sessions, "do_orm_execute", orm_execute)
    event.listen(sessions, "after_commit", after_commit)
    event.listen(sessions, "after_soft_rollback", after_rollback)
    state.bus.subscribe(TOPIC, on_bus)
