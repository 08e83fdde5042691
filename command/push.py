"""Live push to consoles (NFR-3, ALM-4 real-time arrival, CMD-2).

Contract used by every writer: ``state.push.record(db, topic, action, data)`` inside the
write's transaction. The event row is inserted in that transaction, so its id comes from the
database and the event exists iff the write committed. After commit the hub wakes its pump,
which reads every event past its watermark *from the database* and fans them out in id order
to the connected WebSocket clients. Reading back from the table (rather than forwarding what
the committing thread saw) keeps delivery in id order even when two request threads finish
their commits in the opposite order, and lets other replicas' events flow through the same path.

Multi-replica: after commit the hub also publishes ``push/<topic>`` ``{"id", "replica"}`` on
``state.bus``; every other replica's hub that hears it wakes its pump and reads the shared
table. A 2 s fallback poll covers a lost bus message (the bus is at-most-once).

Ordering on PostgreSQL: sequence values are handed out at insert time but transactions may
commit in any order, so a reader could see id 6 before id 5 commits and skip 5 for good. A
transaction-scoped advisory lock taken before the insert makes push-writing transactions
commit in id order. The rows are inserted in the ``before_commit`` hook, so that lock is the
last one a transaction takes (no lock-order deadlocks). SQLite already serialises writers
(BEGIN IMMEDIATE).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy import delete, event, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from command.db.models.push import PushEventRow
from watchpost.db import make_engine, make_sessionmaker
from watchpost.events import PushEvent
from watchpost.loops import PeriodicLoop

log = logging.getLogger(__name__)

_PENDING = "wp_push_pending"
_HOOKED = "wp_push_hooked"
_FLUSHED = "wp_push_flushed"
PG_LOCK_KEY = 0x57500001  # "WP" + 1: serialises push-event writers on PostgreSQL
FALLBACK_POLL_S = 2.0
FETCH_BATCH = 500
CLIENT_QUEUE = 2000
READ_THREADS = 2


def holds_events(db: Session) -> bool:
    """Whether ``db`` holds push events that its commit will insert."""
    return bool(db.info.get(_PENDING))


def row_to_event(row: PushEventRow) -> PushEvent:
    return PushEvent(id=row.id, topic=row.topic, action=row.action, at=row.at, data=row.data)


def fetch_after(db: Session, after_id: int, limit: int = FETCH_BATCH, topics: frozenset[str] | None = None) -> list[PushEvent]:
    q = select(PushEventRow).where(PushEventRow.id > after_id)
    if topics:
        q = q.where(PushEventRow.topic.in_(sorted(topics)))
    rows = db.execute(q.order_by(PushEventRow.id).limit(limit)).scalars().all()
    return [row_to_event(r) for r in rows]


def last_event_id(db: Session) -> int:
    return int(db.execute(select(func.coalesce(func.max(PushEventRow.id), 0))).scalar_one())


def first_event_id(db: Session) -> int | None:
    return db.execute(select(func.min(PushEventRow.id))).scalar_one()


TEXT_CACHE = 4096  # encoded events kept: more than a client queue holds


class Client:
    """One WebSocket subscriber: a bounded queue the pump fills and the socket drains."""

    def __init__(self, topics: frozenset[str] | None):
        self.topics = topics
        self.queue: asyncio.Queue[PushEvent | None] = asyncio.Queue(CLIENT_QUEUE)
        self.overflowed = False

    def offer(self, ev: PushEvent) -> None:
        if self.overflowed or (self.topics and ev.topic not in self.topics):
            return
        try:
            self.queue.put_nowait(ev)
        except asyncio.QueueFull:
            # A client this far behind is better off reconnecting with its last id.
            self.overflowed = True
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(None)


class PushHub:
    def __init__(self, state: Any):
        self.state = state
        self.replica = uuid.uuid4().hex[:12]
        self.clients: set[Client] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._pump_task: asyncio.Task | None = None
        self._watermark = 0
        self._bus_subscribed = False
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(READ_THREADS, thread_name_prefix="push-read")
        self._read_sessions: sessionmaker[Session] | None = None
        self._read_engines: list = []
        self._texts: dict[int, str] = {}

    def text_of(self, ev: PushEvent) -> str:
        """The event's JSON, encoded once for every subscriber (the same bytes go to 1,000 consoles; issue #23).
        Called on the event loop only; ids are this database's, so the cache lives with the hub."""
        text = self._texts.get(ev.id)
        if text is None:
            text = ev.model_dump_json()
            if len(self._texts) >= TEXT_CACHE:
                self._texts.pop(next(iter(self._texts)))
            self._texts[ev.id] = text
        return text

    # --- writer side (any thread) -------------------------------------------------------

    def record(self, db: Session, topic: str, action: str, data: dict[str, Any]) -> None:
        """Queue a push event on the caller's transaction; it is inserted by that transaction
        just before it commits and delivered after the commit."""
        at = self.state.clock.now()
        payload = to_jsonable_python(data)  # the caller's view now, whatever it changes later
        PushEvent(id=0, topic=topic, action=action, at=at, data=payload)  # validate the topic early
        if not db.info.get(_HOOKED):
            event.listen(db, "before_commit", self._before_commit)
            event.listen(db, "after_commit", self._after_commit)
            event.listen(db, "after_rollback", self._after_rollback)
            db.info[_HOOKED] = True
        db.info.setdefault(_PENDING, []).append(PushEventRow(topic=topic, action=action, at=at, data=payload))

    def _before_commit(self, db: Session) -> None:
        # Inserted last, right before COMMIT: on PostgreSQL the advisory lock that orders commits
        # by id is then the transaction's final lock, so it cannot deadlock against row locks
        # (audit chain, alarms) that other writers take in a different order.
        rows = db.info.pop(_PENDING, None)
        if not rows:
            return
        if db.get_bind().dialect.name == "postgresql":
            db.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_LOCK_KEY})
        db.add_all(rows)
        db.flush()
        db.info[_FLUSHED] = [(r.id, r.topic) for r in rows]

    def _after_rollback(self, db: Session) -> None:
        db.info.pop(_PENDING, None)
        db.info.pop(_FLUSHED, None)

    def _after_commit(self, db: Session) -> None:
        flushed = db.info.pop(_FLUSHED, None)
        if not flushed:
            return
        self.wake()
        for event_id, topic in flushed:
            try:
                self.state.bus.publish(f"push/{topic}", {"id": event_id, "replica": self.replica})
            except Exception:  # the bus is best effort; the fallback poll covers it
                log.exception("could not publish push/%s", topic)

    def wake(self) -> None:
        """Thread-safe: ask the pump to read new events now."""
        loop, wake = self._loop, self._wake
        if loop is None or wake is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(wake.set)
        except RuntimeError:  # loop closing
            pass

    def _on_bus(self, _topic: str, message: dict[str, Any]) -> None:
        if message.get("replica") != self.replica:
            self.wake()

    # --- delivery side (the event loop) -------------------------------------------------

    def _reader(self) -> sessionmaker[Session]:
        # Delivery reads through its own small engine and threads: behind the request pool it
        # would queue with every API request under load, and push latency would follow the
        # slowest request instead of the commit.
        with self._lock:
            if self._read_sessions is None:
                url = self.state.engine.url
                if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
                    self._read_sessions = self.state.sessions  # in-memory: one database per engine
                else:
                    engine = make_engine(url.render_as_string(hide_password=False), pool_size=READ_THREADS)
                    self._read_engines.append(engine)
                    self._read_sessions = make_sessionmaker(engine)
            return self._read_sessions

    def _db_call(self, fn, *args):  # noqa: ANN001
        with self._reader()() as db:
            db.connection(execution_options={"readonly": True})
            return fn(db, *args)

    async def query(self, fn, *args):  # noqa: ANN001
        return await asyncio.get_running_loop().run_in_executor(self._executor, self._db_call, fn, *args)

    def close(self) -> None:
        """Release the delivery read path (at service shutdown); usable again afterwards."""
        old, self._executor = self._executor, ThreadPoolExecutor(READ_THREADS, thread_name_prefix="push-read")
        old.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            engines, self._read_engines, self._read_sessions = self._read_engines, [], None
        for engine in engines:
            engine.dispose()

    async def ensure_running(self) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is loop and self._pump_task is not None and not self._pump_task.done():
            return
        self._loop = loop
        self._wake = asyncio.Event()
        self._watermark = await self.query(last_event_id)
        with self._lock:
            if not self._bus_subscribed:
                self.state.bus.subscribe("push/#", self._on_bus)
                self._bus_subscribed = True
        self._pump_task = loop.create_task(self._pump(), name="push-pump")

    async def _pump(self) -> None:
        assert self._wake is not None
        while True:
            # asyncio.timeout, not wait_for: on 3.11 a wait_for whose event is set just as the task is cancelled
            # returns instead of raising, so this loop went on and the service's shutdown hung on it.
            try:
                async with asyncio.timeout(FALLBACK_POLL_S):
                    await self._wake.wait()
            except TimeoutError:
                if not self.clients:
                    continue
            self._wake.clear()
            try:
                while True:
                    batch = await self.query(fetch_after, self._watermark)
                    for ev in batch:
                        self._watermark = ev.id
                        for c in list(self.clients):
                            c.offer(ev)
                    if len(batch) < FETCH_BATCH:
                        break
            except asyncio.CancelledError:
                raise
            except Exception:  # a DB hiccup must not kill live push; retry on the next wake
                log.exception("push pump failed to read events")
                await asyncio.sleep(0.5)

    def add(self, client: Client) -> None:
        self.clients.add(client)

    def remove(self, client: Client) -> None:
        self.clients.discard(client)

    # --- retention ----------------------------------------------------------------------

    def prune(self, db: Session) -> int:
        """Drop events older than the retention window, keeping at most ``push_keep_last``."""
        cfg = self.state.config.server
        cutoff = self.state.clock.now() - timedelta(days=cfg.push_retention_days)
        n = db.execute(delete(PushEventRow).where(PushEventRow.at < cutoff)).rowcount or 0
        floor = last_event_id(db) - cfg.push_keep_last
        if floor > 0:
            n += db.execute(delete(PushEventRow).where(PushEventRow.id <= floor)).rowcount or 0
        return n


class PushRetention(PeriodicLoop):
    """Background loop pruning old push events (hourly)."""

    name = "push-retention"

    def __init__(self, state: Any, period_s: float = 3600.0):
        super().__init__(period_s, join_s=5.0)
        self.state = state

    def run_once(self) -> int:
        with self.state.sessions() as db:
            n = self.state.push.prune(db)
            db.commit()
            return n

    def round(self) -> None:
        self.run_once()

    def stop(self) -> None:
        super().stop()
        self.state.push.close()  # this loop stops at service shutdown: release the push read path
