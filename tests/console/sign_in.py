"""The real service on a real socket (uvicorn in a thread) for browser tests and screenshots."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass

import uvicorn

from command.app import create_app
from command.services.auth import add_user, issue_token
from watchpost.config import Config
from watchpost.db import session_scope


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    tokens: dict[str, str]
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


def start(cfg: Config, users: dict[str, str]) -> LiveServer:
    """``users``: username → role; each gets password ``password-<username>`` and an API token."""
    app = create_app(cfg)
    st = app.state.wp
    tokens = {}
    with session_scope(st.sessions) as db:
        for name, role in users.items():
            tokens[name] = issue_token(db, add_user(db, name, "password-" + name, role, display_name=name), "api", None)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws_ping_interval=None))
    thread = threading.Thread(target=server.run, name="wp-live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("service did not start")
        time.sleep(0.05)
    return LiveServer(f"http://127.0.0.1:{port}", tokens, server, thread)


def log_in(page, start_url: str, username: str, landing: str) -> None:  # noqa: ANN001
    """Sign in through the console's form as a user made by ``start`` (password ``password-<name>``).

    ``start_url`` is opened first (a protected page redirects to the login form); ``landing`` is
    the URL glob the console returns to after a successful login."""
    page.goto(start_url)
    page.wait_for_url("**/console/login.html**")
    page.fill("#username", username)
    page.fill("#password", "password-" + username)
    page.click("#submit")
    page.wait_for_url(landing)
