"""The real service as a subprocess (``watchpost serve``) on a site config in a temp folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import yaml

from tests.pg import free_port, wait_port

ROOT = Path(__file__).resolve().parents[1]


def find_mosquitto() -> str | None:
    return shutil.which("mosquitto") or ("/usr/sbin/mosquitto" if os.path.exists("/usr/sbin/mosquitto") else None)


def start_mosquitto(tmp: Path, exe: str) -> tuple[subprocess.Popen, int]:
    """A real MQTT broker on a free loopback port, returned once it listens."""
    port = free_port()
    conf = tmp / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    proc = subprocess.Popen([exe, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port)
    return proc, port


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
    proc = subprocess.run([sys.executable, "-m", "watchpost.cli", "-c", str(cfg), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def service_token(cfg: Path) -> str:
    """Migrate the database and add a service account; its API token."""
    cli(cfg, "db", "upgrade")
    out = cli(cfg, "user", "add", "svc", "--role", "service", "--password", "svc-password-1", "--token")
    return next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("token:"))


def start(cfg: Path, port: int, log: Path, *extra: str, new_session: bool = False) -> subprocess.Popen:
    """``watchpost serve`` on ``port``, returned once /healthz answers. ``new_session`` puts it in
    a process group of its own, so ``os.killpg`` also ends its worker processes."""
    proc = subprocess.Popen([sys.executable, "-m", "watchpost.cli", "-c", str(cfg), "serve", "--port", str(port),
                             *extra], cwd=ROOT, stdout=open(log, "ab"), stderr=subprocess.STDOUT,
                            start_new_session=new_session)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"service exited ({proc.returncode}): {log.read_text()[-3000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"service did not come up in 90 s; see {log}")
