"""Alembic, driven from code so ``watchpost db upgrade`` needs no alembic.ini."""

from __future__ import annotations

import fcntl
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from alembic import command
from alembic.config import Config as AlembicConfig

MIGRATIONS = Path(__file__).with_name("migrations")
MIGRATION_LOCK = 0x57500002  # "WP" + 2: one schema upgrade at a time on PostgreSQL


def alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


@contextmanager
def _one_at_a_time(url: str) -> Iterator[None]:
    """Hold a lock for the whole upgrade: service replicas started together (systemd units, hosts booting at
    once) would otherwise both read the old revision and both create the same tables."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        engine = create_engine(url, poolclass=NullPool)
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK})
                conn.commit()  # a session lock: it outlives the transaction, and the session ends it
                yield
        finally:
            engine.dispose()
    elif parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        db = Path(parsed.database).resolve()
        with open(db.with_name(db.name + ".migrate.lock"), "a") as f:
            fcntl.flock(f, fcntl.LOCK_EX)  # released when the file closes
            yield
    else:
        yield


def upgrade(url: str, revision: str = "head") -> None:
    from watchpost.db.engine import make_engine

    engine = make_engine(url)  # creates the SQLite folder and sets WAL before Alembic connects
    engine.dispose()
    with _one_at_a_time(url):
        command.upgrade(alembic_config(url), revision)


def current(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.connect() as conn:
        rev = MigrationContext.configure(conn).get_current_revision()
    engine.dispose()
    return rev
