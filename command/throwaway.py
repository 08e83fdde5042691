"""The service as a throwaway local process for tests and benchmarks: ``watchpost serve`` as a
subprocess on a site config in a temporary folder (``write_config``, ``start``), or the app in a
thread of the caller on a real socket (``serve_in_thread``)."""

from __future__ import annotations

import ssl
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn
import yaml

from command.app import create_app
from command.services.auth import add_user, issue_token
from watchpost.config import Config
from watchpost.db import session_scope
from watchpost.throwaway import free_port

ROOT = Path(__file__).resolve().parents[1]


def write_config(tmp: Path, **sections: dict) -> Path:
    """A SQLite site config with drill SMS; ``sections`` add to or replace its top-level sections."""
    cfg = tmp / "wp.yaml"
    cfg.write_text(yaml.safe_dump({
        "storage": {"url": f"sqlite:///{tmp / 'wp.sqlite'}"},
        "vision": {"media_root": str(tmp / "media"), "spool_path": str(tmp / "spool.sqlite")},
        "comms": {"sms_provider": "drill", "audio_dir": str(tmp / "audio"), "drill_sink_path": str(tmp / "sink.jsonl")},
    } | sections))
    return cfg


def cli(cfg: Path, *args: str) -> str:
    """``watchpost -c CFG ARGS...``; its standard output, or RuntimeError with its error output."""
    proc = subprocess.run([sys.executable, "-m", "watchpost.cli", "-c", str(cfg), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(f"watchpost {' '.join(args[:2])} exited {proc.returncode}: {proc.stderr[-2000:]}")
    return proc.stdout


def service_token(cfg: Path) -> str:
    """Migrate the database and add a service account; its API token."""
    cli(cfg, "db", "upgrade")
    out = cli(cfg, "user", "add", "svc", "--role", "service", "--password", "svc-password-1", "--token")
    return next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("token:"))


def start(cfg: Path, port: int, log: Path, *extra: str, new_session: bool = False, base_url: str | None = None,
          verify: bool | ssl.SSLContext = True) -> subprocess.Popen:
    """``watchpost serve`` on ``port``, returned once /healthz answers. ``new_session`` puts it in
    a process group of its own, so ``os.killpg`` also ends its worker processes. ``base_url`` and
    ``verify`` (a context trusting its certificate) for a service that serves HTTPS."""
    base_url = base_url or f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "watchpost.cli", "-c", str(cfg), "serve", "--port", str(port),
                             *extra], cwd=ROOT, stdout=open(log, "ab"), stderr=subprocess.STDOUT,
                            start_new_session=new_session)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"service exited ({proc.returncode}): {log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1, verify=verify).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"service did not come up in 90 s; see {log}")


@dataclass
class LiveServer:
    url: str
    tokens: dict[str, str]
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


def serve_in_thread(cfg: Config, users: dict[str, str]) -> LiveServer:
    """The app on a free loopback port in a daemon thread. ``users``: username → role; each gets
    password ``Password-1-<username>`` and an API token (``LiveServer.tokens``)."""
    app = create_app(cfg)
    st = app.state.wp
    tokens = {}
    with session_scope(st.sessions) as db:
        for name, role in users.items():
            tokens[name] = issue_token(db, add_user(db, name, "Password-1-" + name, role, display_name=name), "api", None)
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
