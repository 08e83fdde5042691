"""One process per database runs the background loops (scheduler, comms dispatcher, retention).

``watchpost serve --workers N`` runs N service processes on one database, and an operator may
start a second service by mistake. Deadline escalations and SMS must still happen exactly once,
so the loops run only in the process holding a lock that the operating system or the database
frees when that process dies: an ``flock`` on a file beside the SQLite database, or a
PostgreSQL session advisory lock. The others retry, so a replacement takes over within
``retry_s`` of the holder's death.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import zlib
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

LOCK_NAME = "watchpost-background-loops"


class _FileLock:
    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None

    def still_held(self) -> bool:
        return self._fd is not None  # an flock lasts as long as the descriptor


class _AdvisoryLock:
    def __init__(self, engine: Any):
        self.engine = engine
        self.key = zlib.crc32(LOCK_NAME.encode()) - 2**31
        self._conn: Connection | None = None

    def try_acquire(self) -> bool:
        conn = self.engine.connect()
        try:
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar())
            conn.commit()  # a session-level lock outlives the transaction
        except Exception:
            conn.close()
            raise
        if not got:
            conn.close()
            return False
        self._conn = conn
        return True

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
                self._conn.commit()
            except Exception:  # the session is gone, and its lock with it
                pass
            finally:
                self._conn.close()
                self._conn = None

    def still_held(self) -> bool:
        """False once the lock's session is gone (server restart, killed backend, network)."""
        if self._conn is None:
            return False
        try:
            # A session-level advisory lock lasts as long as its session: a live session holds it.
            self._conn.execute(text("SELECT 1"))
            self._conn.commit()
            return True
        except Exception:
            try:
                self._conn.close()
            finally:
                self._conn = None
            return False


class _AlwaysLock:
    def try_acquire(self) -> bool:
        return True

    def release(self) -> None:
        pass

    def still_held(self) -> bool:
        return True


def lock_for(engine: Any) -> _FileLock | _AdvisoryLock | _AlwaysLock:
    url = make_url(str(engine.url))
    if url.get_backend_name() == "postgresql":
        return _AdvisoryLock(engine)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return _FileLock(Path(url.database).resolve().with_name(Path(url.database).name + ".loops.lock"))
    return _AlwaysLock()  # an in-memory database belongs to this process alone


class Leadership:
    """Calls ``on_elected`` once this process holds the lock (at once if it is free, else later),
    and ``on_deposed`` if the lock is lost while held (the PostgreSQL session holding it died),
    after which it competes again: loops never run in two processes for longer than ``retry_s``."""

    def __init__(self, engine: Any, on_elected: Callable[[], None], retry_s: float = 5.0,
                 on_deposed: Callable[[], None] | None = None):
        self.lock = lock_for(engine)
        self.on_elected = on_elected
        self.on_deposed = on_deposed
        self.retry_s = retry_s
        self.leader = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _try(self) -> bool:
        try:
            got = self.lock.try_acquire()
        except Exception as exc:  # the database may be restarting: try again later
            log.warning("background-loop lock: %s", exc)
            return False
        if got:
            self.leader = True
            log.info("this process runs the background loops (pid %d)", os.getpid())
            self.on_elected()
        return got

    def start(self) -> None:
        if not self._try():
            log.info("another process runs the background loops; standing by (pid %d)", os.getpid())
        self._thread = threading.Thread(target=self._watch, name="wp-leadership", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(self.retry_s):
            if not self.leader:
                self._try()
            elif not self.lock.still_held():
                log.warning("lost the background-loop lock; stopping the loops (pid %d)", os.getpid())
                self.leader = False
                self.lock.release()
                if self.on_deposed is not None:
                    self.on_deposed()

    def stop_waiting(self) -> None:
        """No election after this returns (call before stopping the loops)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.retry_s + 1)

    def release(self) -> None:
        """Hand the loops to another process (call after stopping them)."""
        if self.leader:
            self.lock.release()
            self.leader = False
