from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


# SQLite's page caches, all connections of the process together (a process-wide soft limit: SQLite
# recycles cache pages before it allocates past it). Without it each pooled connection grows its
# own 2 MB cache as the database grows, and a service that opened 60 connections under a burst
# kept growing for hours (issue #23, docs/benchmarks.md).
SQLITE_HEAP_LIMIT = 48 * 1024 * 1024


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001
    # We issue BEGIN ourselves (see _sqlite_begin), so the driver must not.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    # WAL lets the console read while intake writes; synchronous=FULL so an acknowledged
    # alarm survives a power cut, not only a process crash.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute(f"PRAGMA soft_heap_limit={SQLITE_HEAP_LIMIT}")
    cur.close()


def _sqlite_begin(conn) -> None:  # noqa: ANN001
    # A deferred transaction that reads and then writes fails with SQLITE_BUSY_SNAPSHOT when
    # another writer committed in between (busy_timeout does not help). Taking the write lock
    # up front serialises writers and makes them wait instead; pure readers may opt out with
    # execution_options(readonly=True).
    if conn.get_execution_options().get("readonly"):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, echo: bool = False, pool_size: int = 10) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # SQLite connections are cheap file handles. A pool smaller than the requests in flight
        # deadlocks under load: a request that holds a connection waits for a worker thread
        # (to serialise its answer) while the worker threads wait for a free connection.
        engine = create_engine(
            url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=max(pool_size, 64), max_overflow=448, pool_timeout=60,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # Same reasoning as for SQLite, within PostgreSQL's default max_connections of 100.
    return create_engine(url, echo=echo, pool_size=max(pool_size, 20), max_overflow=60, pool_timeout=60,
                         pool_pre_ping=True)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back everything on error (nothing half-written)."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
