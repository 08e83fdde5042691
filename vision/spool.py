"""A durable local spool of alarms, evidence and video device events on their way to the service.

Everything the worker raises is written here (SQLite, synchronous=FULL) before any attempt to
send it, and delivered strictly in order; while the service is unreachable items wait and are
retried with backoff. The service's intake is idempotent on (source, source_event_id), so a
resend after a crash is harmless: every alarm arrives exactly once.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import httpx

log = logging.getLogger(__name__)

EVIDENCE_404_TRIES = 10
ROUTES = {"alarm": "/api/alarms", "evidence": "/api/alarms/evidence",
          "device_event": "/api/workers/device-events"}  # GB/T 28181 device events for the audit log


class Spool:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL,"
            " payload TEXT NOT NULL, created REAL NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
            " delivered REAL, dead TEXT)"
        )
        self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        self._lock = threading.Lock()
        self.wakeup = threading.Event()

    def get_meta(self, key: str) -> str | None:
        """A small durable setting of the worker (the last command it took)."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self._db.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = ?",
                             (key, value, value))

    def put(self, kind: str, payload: dict[str, Any]) -> int:
        if kind not in ROUTES:
            raise ValueError(f"unknown spool item kind {kind!r}")
        with self._lock:
            cur = self._db.execute("INSERT INTO items (kind, payload, created) VALUES (?, ?, ?)",
                                   (kind, json.dumps(payload, default=str, ensure_ascii=False), time.time()))
        self.wakeup.set()
        return int(cur.lastrowid)

    def head(self) -> tuple[int, str, dict, int] | None:
        with self._lock:
            row = self._db.execute("SELECT id, kind, payload, attempts FROM items WHERE delivered IS NULL"
                                   " AND dead IS NULL ORDER BY id LIMIT 1").fetchone()
        return None if row is None else (row[0], row[1], json.loads(row[2]), row[3])

    def mark(self, item_id: int, *, delivered: bool = False, dead: str | None = None) -> None:
        with self._lock:
            if delivered:
                self._db.execute("UPDATE items SET delivered = ? WHERE id = ?", (time.time(), item_id))
            elif dead:
                self._db.execute("UPDATE items SET dead = ? WHERE id = ?", (dead, item_id))
            else:
                self._db.execute("UPDATE items SET attempts = attempts + 1 WHERE id = ?", (item_id,))

    def pending(self) -> int:
        with self._lock:
            return self._db.execute("SELECT count(*) FROM items WHERE delivered IS NULL AND dead IS NULL").fetchone()[0]

    def dead_letters(self) -> list[tuple[int, str]]:
        with self._lock:
            return self._db.execute("SELECT id, dead FROM items WHERE dead IS NOT NULL ORDER BY id").fetchall()

    def prune(self, keep_s: float = 7 * 86400) -> None:
        with self._lock:
            self._db.execute("DELETE FROM items WHERE delivered IS NOT NULL AND delivered < ?", (time.time() - keep_s,))

    def close(self) -> None:
        with self._lock:
            self._db.close()


class SpoolSender(threading.Thread):
    """Delivers the spool's head to the service, in order, until stopped."""

    def __init__(self, spool: Spool, service_url: str, token: str, max_backoff_s: float = 30.0,
                 timeout_s: float = 10.0):
        super().__init__(name="spool-sender", daemon=True)
        self.spool = spool
        self.base = service_url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.max_backoff_s = max_backoff_s
        self.timeout_s = timeout_s
        self._halt = threading.Event()
        self.delivered = 0

    def stop(self) -> None:
        self._halt.set()
        self.spool.wakeup.set()

    def drain(self, timeout_s: float) -> bool:
        """Wait up to ``timeout_s`` for the spool to empty (an orderly stop delivers what it holds rather than
        leave it for the next start); whether it did."""
        deadline = time.monotonic() + timeout_s
        while self.spool.pending() and self.is_alive() and time.monotonic() < deadline:
            self.spool.wakeup.set()
            time.sleep(0.05)
        return not self.spool.pending()

    def deliver_once(self, client: httpx.Client) -> bool:
        """Try the head item; True if the queue moved on (delivered or dead-lettered)."""
        head = self.spool.head()
        if head is None:
            return False
        item_id, kind, payload, attempts = head
        try:
            r = client.post(self.base + ROUTES[kind], json=payload, headers=self.headers, timeout=self.timeout_s)
        except httpx.HTTPError as exc:
            log.info("service unreachable (%s); %d item(s) spooled", exc.__class__.__name__, self.spool.pending())
            self.spool.mark(item_id)
            return False
        if r.status_code in (200, 201):
            self.spool.mark(item_id, delivered=True)
            self.delivered += 1
            return True
        if r.status_code in (408, 409, 425, 429) or r.status_code >= 500 or r.status_code == 401:
            # Transient, or a token not yet valid (service restarting): keep it and retry.
            self.spool.mark(item_id)
            return False
        if kind == "evidence" and r.status_code == 404 and attempts < EVIDENCE_404_TRIES:
            # The alarm may still be on its way (a reset DB, a slow replica): retry a while, then give up.
            self.spool.mark(item_id)
            return False
        # A 4xx the service will never accept: set it aside with the reason, keep the rest flowing.
        self.spool.mark(item_id, dead=f"HTTP {r.status_code}: {r.text[:500]}")
        log.error("spool item %d refused by the service: %s", item_id, r.text[:200])
        return True

    def run(self) -> None:
        backoff = 0.5
        with httpx.Client() as client:
            while not self._halt.is_set():
                moved = self.deliver_once(client)
                if moved:
                    backoff = 0.5
                    continue
                if self.spool.head() is None:
                    self.spool.wakeup.wait(5.0)
                    self.spool.wakeup.clear()
                else:
                    self._halt.wait(backoff)
                    backoff = min(backoff * 2, self.max_backoff_s)
