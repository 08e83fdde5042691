"""The segment index: a small SQLite file in the media root, shared by the worker (writer) and
the service's playback API (reader)."""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path

from vision.record.retention import Segment

INDEX_NAME = "index.sqlite"


def _ts(d: datetime) -> float:
    return d.timestamp()


def _dt(x: float | None) -> datetime | None:
    return None if x is None else datetime.fromtimestamp(x, timezone.utc)


class SegmentIndex:
    def __init__(self, media_root: str | Path, readonly: bool = False):
        self.root = Path(media_root)
        path = self.root / INDEX_NAME
        if readonly:
            self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        else:
            self.root.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS segments (id INTEGER PRIMARY KEY AUTOINCREMENT, camera_id TEXT NOT NULL,"
                " start REAL NOT NULL, end REAL NOT NULL, path TEXT NOT NULL UNIQUE, size INTEGER NOT NULL,"
                " category TEXT NOT NULL DEFAULT 'normal', pinned_until REAL)")
            self._db.execute("CREATE INDEX IF NOT EXISTS ix_seg_cam_start ON segments (camera_id, start)")
            # Pinned windows outlive the command: segments written later inside one are pinned on add.
            self._db.execute("CREATE TABLE IF NOT EXISTS pins (camera_id TEXT NOT NULL, start REAL NOT NULL,"
                             " end REAL NOT NULL, until REAL NOT NULL)")
        self._lock = threading.Lock()

    def add(self, camera_id: str, start: datetime, end: datetime, rel_path: str, size: int,
            category: str = "normal") -> int:
        with self._lock:
            until = self._db.execute("SELECT max(until) FROM pins WHERE camera_id = ? AND end >= ? AND start <= ?",
                                     (camera_id, _ts(start), _ts(end))).fetchone()[0]
            cur = self._db.execute("INSERT INTO segments (camera_id, start, end, path, size, category, pinned_until)"
                                   " VALUES (?, ?, ?, ?, ?, ?, ?)", (camera_id, _ts(start), _ts(end), rel_path, size,
                                                                    "evidence" if until else category, until))
            return int(cur.lastrowid)

    def pin(self, camera_id: str, start: datetime, end: datetime, until: datetime) -> int:
        """Keep the segments overlapping [start, end] as evidence until ``until`` (VID-9 linkage)."""
        with self._lock:
            self._db.execute("DELETE FROM pins WHERE until < ?", (_ts(datetime.now(timezone.utc)),))
            self._db.execute("INSERT INTO pins (camera_id, start, end, until) VALUES (?, ?, ?, ?)",
                             (camera_id, _ts(start), _ts(end), _ts(until)))
            cur = self._db.execute(
                "UPDATE segments SET category = 'evidence', pinned_until = max(coalesce(pinned_until, 0), ?)"
                " WHERE camera_id = ? AND end >= ? AND start <= ?", (_ts(until), camera_id, _ts(start), _ts(end)))
            return cur.rowcount

    def query(self, camera_id: str | None = None, start: datetime | None = None,
              end: datetime | None = None) -> list[Segment]:
        sql, args = "SELECT id, camera_id, start, end, path, size, category, pinned_until FROM segments WHERE 1=1", []
        if camera_id:
            sql += " AND camera_id = ?"
            args.append(camera_id)
        if start:
            sql += " AND end >= ?"
            args.append(_ts(start))
        if end:
            sql += " AND start <= ?"
            args.append(_ts(end))
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY start", args).fetchall()
        return [Segment(r[0], r[1], _dt(r[2]), _dt(r[3]), r[4], r[5], r[6], _dt(r[7])) for r in rows]

    def delete(self, ids: list[int]) -> None:
        with self._lock:
            self._db.executemany("DELETE FROM segments WHERE id = ?", [(i,) for i in ids])

    def close(self) -> None:
        with self._lock:
            self._db.close()
