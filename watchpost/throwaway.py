"""Throwaway local servers for tests and benchmarks: a real PostgreSQL (Debian's ``postgresql``
package), a real mosquitto broker and nginx running the shipped site file (``deploy/nginx/watchpost.conf``),
each on a free loopback port in a temporary folder.

PostgreSQL runs through initdb + pg_ctl, as an unprivileged user when the caller is root
(PostgreSQL refuses to run as root). ``find_pg_bin`` / ``find_mosquitto`` return None when the
Debian package is absent, so a test can skip saying why.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
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


NGINX_SITE = Path(__file__).resolve().parents[1] / "deploy" / "nginx" / "watchpost.conf"


def find_nginx() -> str | None:
    return shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)


def render_nginx_site(text: str, listen_port: int, upstream_ports: list[int], log_dir: Path) -> str:
    """The shipped site file for a local run: its replicas' addresses, its listen address and its log paths
    replaced, nothing else. A reshaped file whose lines are no longer found is a ValueError, not a silent
    run of something else."""
    servers = re.findall(r"^(\s*)server\s+\S+:\d+(\s[^;\n]*)?;\n", text, flags=re.M)
    if not servers:
        raise ValueError("no `server host:port ...;` line in the upstream")
    indent, opts = servers[0]
    mine = "".join(f"{indent}server 127.0.0.1:{p}{opts};\n" for p in upstream_ports)
    text, n = re.subn(r"(?:^\s*server\s+\S+:\d+(?:\s[^;\n]*)?;\n)+", lambda _m: mine, text, count=1, flags=re.M)
    text, m = re.subn(r"^(\s*)listen\s+80;", rf"\g<1>listen 127.0.0.1:{listen_port};", text, flags=re.M)
    text, k = re.subn(r"^(\s*)(access_log|error_log)\s+\S+;", lambda g: f"{g[1]}{g[2]} {log_dir / (g[2] + '.log')};",
                      text, flags=re.M)
    if (n, m, k) != (1, 1, 2):
        raise ValueError(f"site file not as expected (upstream blocks {n}, listen 80 lines {m}, log lines {k})")
    return text


def start_nginx(tmp: Path, upstream_ports: list[int], exe: str,
                site: Path = NGINX_SITE) -> tuple[subprocess.Popen, int]:
    """nginx in the foreground with ``site`` rendered for loopback, everything it writes under ``tmp``;
    returned once it listens."""
    port = free_port()
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "watchpost.conf").write_text(render_nginx_site(site.read_text(), port, upstream_ports, tmp))
    temp_paths = "".join(f"    {kind}_temp_path {tmp / kind};\n" for kind in ("client_body", "proxy", "fastcgi",
                                                                              "uwsgi", "scgi"))
    # Started as root, nginx's workers would drop to nobody and could not write the temp folders here.
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
    (tmp / "nginx.conf").write_text(f"{user}worker_processes 1;\nerror_log {tmp / 'error.log'} info;\n"
                                    f"events {{ worker_connections 1024; }}\n"
                                    f"http {{\n{temp_paths}    include {tmp / 'watchpost.conf'};\n}}\n")
    proc = subprocess.Popen([exe, "-p", str(tmp), "-e", str(tmp / "error.log"), "-c", str(tmp / "nginx.conf"),
                             "-g", f"daemon off; pid {tmp / 'nginx.pid'};"],
                            stdout=subprocess.DEVNULL, stderr=open(tmp / "stderr.log", "ab"))
    try:
        wait_port(port)
    except RuntimeError:
        proc.kill()
        raise RuntimeError(f"nginx did not start: {(tmp / 'stderr.log').read_text()[-2000:]}") from None
    return proc, port
