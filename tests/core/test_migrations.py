"""The Alembic migrations build exactly the tables the models declare (a model changed without a
migration, or a hand-written migration that drifted, fails here with the difference)."""

from __future__ import annotations

import importlib

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from watchpost.db import Base

# SQLite's FTS5 index for plan search is created by hand in a migration; it has no model.
UNMODELLED = ("plan_fts",)


def _ignore(obj, name, type_, reflected, compare_to) -> bool:  # noqa: ANN001
    return not (type_ == "table" and name and name.startswith(UNMODELLED))


def test_migrated_schema_matches_the_models(sqlite_url):
    for module in ("command.db.models", "comms.models"):
        importlib.import_module(module)
    engine = create_engine(sqlite_url)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": _ignore})
        diff = compare_metadata(ctx, Base.metadata)
    engine.dispose()
    assert diff == [], diff


def test_replicas_upgrading_one_database_at_once_both_succeed(db_url, tmp_path):
    """Two service replicas started together (systemd units, hosts booting at once) both run the upgrade on
    start, each in its own process; the second waits for the first instead of creating the same tables
    again (issue #26)."""
    import subprocess
    import sys

    from watchpost.db.migrate import current

    if db_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    else:
        import psycopg
        from sqlalchemy.engine import make_url

        u = make_url(db_url)
        name = f"{u.database}_fresh"
        with psycopg.connect(f"host={u.host} port={u.port} user={u.username} dbname=postgres", autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        url = u.set(database=name).render_as_string(hide_password=False)
    code = "import sys; from watchpost.db.migrate import upgrade; upgrade(sys.argv[1])"
    procs = [subprocess.Popen([sys.executable, "-c", code, url], stderr=subprocess.PIPE, text=True) for _ in range(2)]
    errors = [p.communicate(timeout=120)[1] for p in procs if p.wait(timeout=120) != 0]
    assert errors == [] and current(url) is not None
