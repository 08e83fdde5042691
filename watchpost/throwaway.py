"""Throwaway local servers for tests and benchmarks: a real PostgreSQL (Debian's ``postgresql``
package) and a real mosquitto broker, each on a free loopback port in a temporary folder.

PostgreSQL runs through initdb + pg_ctl, as an unprivileged user when the caller is root
(PostgreSQL refuses to run as root). ``find_pg_bin`` / ``find_mosquitto`` return None when the
Debian package is absent, so a test can skip saying why.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def find_pg_bin() -> str | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for d in candidates:
        if os.path.exists(os.path.join(d, "pg_ctl")) and os.path.exists(os.path.join(d, "initdb")):
            return d
    exe = shutil.which("pg_ctl")
    return os.path.dirname(exe) if exe and shutil.which("initdb") else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(cond, timeout_s: float, every_s: float = 0.1):  # noqa: ANN001
    """Poll ``cond`` until it returns something truthy (returned) or ``timeout_s`` passes (None)."""
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        value = cond()
        if value:
            return value
        time.sleep(every_s)
    return None


def wait_port(port: int, timeout_s: float = 10) -> None:
    """Wait for a server of the test's own to listen on 127.0.0.1:``port``."""

    def listening() -> bool:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return True
        except OSError:
            return False

    if not wait_until(listening, timeout_s, 0.05):
        raise RuntimeError(f"nothing listening on {port}")


class PostgresServer:
    def __init__(self, bindir: str):
        self.bindir = bindir
        self.tmp = Path(tempfile.mkdtemp(prefix="wp-pg-"))
        self.data = self.tmp / "data"
        self.port = free_port()
        self.user = None
        if os.geteuid() == 0:
            for name in ("postgres", "nobody"):
                try:
                    self.user = pwd.getpwnam(name)
                    break
                except KeyError:
                    continue
            os.chown(self.tmp, self.user.pw_uid, self.user.pw_gid)

    def _run(self, *args: str) -> None:
        cmd = [os.path.join(self.bindir, args[0]), *args[1:]]
        kwargs = {}
        if self.user is not None:
            uid, gid = self.user.pw_uid, self.user.pw_gid

            def demote() -> None:
                os.setgid(gid)
                os.setuid(uid)

            kwargs["preexec_fn"] = demote
        subprocess.run(cmd, check=True, capture_output=True, cwd=self.tmp, **kwargs)

    def start(self) -> "PostgresServer":
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C")
        opts = f"-p {self.port} -k {self.tmp} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300"
        self._run("pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.tmp / "log"), "-w", "-t", "60", "start")
        return self

    def url(self, db: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{db}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        except subprocess.CalledProcessError:
            pass
        time.sleep(0.1)
        shutil.rmtree(self.tmp, ignore_errors=True)


def throwaway_database(backend: str, tmp: Path, name: str) -> tuple[str | None, PostgresServer | None]:
    """A fresh database URL for a benchmark: SQLite in ``tmp``, or a database on a throwaway PostgreSQL
    server (returned, for the caller to stop). (None, None) when PostgreSQL's binaries are not installed."""
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'wp.sqlite'}", None
    bindir = find_pg_bin()
    if bindir is None:
        return None, None
    pg = PostgresServer(bindir).start()
    return pg.create_database(name), pg


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
