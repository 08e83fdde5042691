"""Backup and restore of the service database (NFR-8).

SQLite: the online backup API copies a consistent snapshot while the service keeps writing (WAL).
PostgreSQL: ``pg_dump`` custom format (a consistent snapshot by MVCC) and ``pg_restore --clean``
in one transaction, so a failed restore leaves the database as it was.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class Result:
    backend: str
    path: str
    bytes: int


def _sqlite_path(url: str) -> str:
    db = make_url(url).database
    if not db or db == ":memory:":
        raise BackupError("storage.url: an in-memory SQLite database cannot be backed up")
    return db


def pg_tool(name: str) -> str:
    """The newest installed client tool (Debian puts them under /usr/lib/postgresql/<ver>/bin)."""
    for bindir in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2].split(".")[0]),
                         reverse=True):
        path = os.path.join(bindir, name)
        if os.access(path, os.X_OK):
            return path
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} not found: install the Debian package postgresql-client")
    return found


def _libpq_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def backup(url: str, dest: str | Path) -> Result:
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".partial")
    backend = make_url(url).get_backend_name()
    try:
        if backend == "sqlite":
            src_path = _sqlite_path(url)
            if not Path(src_path).exists():
                raise BackupError(f"storage.url: database file {src_path} does not exist")
            tmp.unlink(missing_ok=True)
            src = sqlite3.connect(src_path, timeout=30)
            out = sqlite3.connect(tmp)
            try:
                src.backup(out, pages=1024)
                ok = out.execute("PRAGMA integrity_check").fetchone()[0]
                # A self-contained file: no -wal next to it is needed to read it.
                out.execute("PRAGMA journal_mode=DELETE")
            finally:
                out.close()
                src.close()
            if ok != "ok":
                raise BackupError(f"backup failed its integrity check: {ok}")
        elif backend == "postgresql":
            proc = subprocess.run([pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={tmp}",
                                   f"--dbname={_libpq_url(url)}"], capture_output=True, text=True)
            if proc.returncode != 0:
                raise BackupError(f"pg_dump failed: {proc.stderr.strip()}")
        else:
            raise BackupError(f"storage.url: backend {backend!r} is not supported")
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, dest)  # a backup file is either whole or absent
    finally:
        tmp.unlink(missing_ok=True)
    return Result(backend, str(dest), dest.stat().st_size)


def restore(url: str, src: str | Path) -> Result:
    """Replace the database's contents with the backup's. Stop the service first."""
    src = Path(src)
    if not src.is_file():
        raise BackupError(f"SRC: {src} is not a file")
    backend = make_url(url).get_backend_name()
    head = src.read_bytes()[:16]
    if backend == "sqlite":
        if not head.startswith(b"SQLite format 3"):
            raise BackupError(f"SRC: {src} is not a SQLite backup (for PostgreSQL storage use a pg_dump file)")
        dest_path = _sqlite_path(url)
        Path(dest_path).parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(src)
        target = sqlite3.connect(dest_path, timeout=30)
        try:
            ok = source.execute("PRAGMA integrity_check").fetchone()[0]
            if ok != "ok":
                raise BackupError(f"SRC: backup is damaged: {ok}")
            # Page-by-page through SQLite itself, so the live file's WAL stays consistent.
            source.backup(target)
            target.execute("PRAGMA journal_mode=WAL")
        finally:
            target.close()
            source.close()
    elif backend == "postgresql":
        if not head.startswith(b"PGDMP"):
            raise BackupError(f"SRC: {src} is not a pg_dump custom-format backup")
        proc = subprocess.run([pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
                               "--exit-on-error", f"--dbname={_libpq_url(url)}", str(src)],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise BackupError(f"pg_restore failed: {proc.stderr.strip()}")
    else:
        raise BackupError(f"storage.url: backend {backend!r} is not supported")
    return Result(backend, str(src), src.stat().st_size)
