"""Shared fixtures: real storage on SQLite and PostgreSQL, an app with users per role."""

from __future__ import annotations

import itertools
import os
import uuid
from pathlib import Path

import pytest

from watchpost.throwaway import PostgresServer, find_mosquitto, find_pg_bin, start_mosquitto

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
os.environ.setdefault("YOLO_OFFLINE", "1")
os.environ.setdefault("YOLO_AUTOINSTALL", "0")
os.environ.setdefault("YOLO_CONFIG_DIR", str(Path(__file__).resolve().parents[1] / ".yolo"))

_counter = itertools.count()
# Files that take minutes on their own: collected first, so that under `-n 2 --dist loadfile` one process
# runs them while the other works through the rest, instead of the suite ending on them alone.
LONG_FILES = ("tests/core/test_api_fuzz.py",)


def pytest_collection_modifyitems(config, items) -> None:  # noqa: ARG001
    items.sort(key=lambda item: not any(item.nodeid.startswith(f) for f in LONG_FILES))  # stable: else as collected


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.exists():
        pytest.skip(f"../shared not found at {SHARED}")
    return SHARED


@pytest.fixture(scope="session")
def pg_server():
    bindir = find_pg_bin()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries (Debian package postgresql) are not installed")
    server = PostgresServer(bindir).start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    """A fresh, migrated database URL on each backend."""
    from watchpost.db.migrate import upgrade

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'wp.sqlite'}"
    else:
        server = request.getfixturevalue("pg_server")
        url = server.create_database(f"t{next(_counter)}_{uuid.uuid4().hex[:8]}")
    upgrade(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    from watchpost.db.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'wp.sqlite'}"
    upgrade(url)
    return url


@pytest.fixture
def make_config(tmp_path):
    """Build a validated Config for a test, rooted in tmp_path."""
    from watchpost.config import parse_config

    def build(url: str, **overrides):
        tree = {
            "storage": {"url": url},
            "vision": {"media_root": str(tmp_path / "media"), "spool_path": str(tmp_path / "spool.sqlite")},
            "comms": {"audio_dir": str(tmp_path / "audio")},
        }
        for key, value in overrides.items():
            tree[key] = value
        return parse_config(tree, environ={})

    return build


ROLE_USERS = ["admin", "commander", "duty_officer", "drill_organizer", "evaluator", "viewer", "service"]


@pytest.fixture
def service(db_url, make_config):
    """A running app (TestClient) on each backend with one user per role; ``tokens[role]``."""
    from fastapi.testclient import TestClient

    from command.app import create_app
    from command.services.auth import add_user, issue_token
    from watchpost.db import make_engine, make_sessionmaker, session_scope

    cfg = make_config(db_url)
    engine = make_engine(db_url)
    tokens = {}
    with session_scope(make_sessionmaker(engine)) as s:
        for role in ROLE_USERS:
            u = add_user(s, role, "Password-1-" + role, role, phone=f"+8613800000{ROLE_USERS.index(role):03d}")
            tokens[role] = issue_token(s, u, "api", None)
    engine.dispose()
    app = create_app(cfg)
    with TestClient(app) as client:
        client.tokens = tokens

        def as_role(role):
            return {"Authorization": f"Bearer {tokens[role]}"}

        client.as_role = as_role
        yield client


@pytest.fixture
def mosquitto(tmp_path):
    """A real MQTT broker on a free loopback port; yields the port."""
    exe = find_mosquitto()
    if exe is None:
        pytest.skip("mosquitto (Debian package mosquitto) is not installed")
    proc, port = start_mosquitto(tmp_path, exe)
    yield port
    proc.terminate()
    proc.wait(5)
