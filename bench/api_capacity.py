"""API capacity per route, load from wrk (a C program), not from Python on the same two cores (issue #23).

Starts ``watchpost serve`` (SQLite, or a throwaway PostgreSQL) on 127.0.0.1, posts ``--alarms`` alarms through
the intake and opens an incident, then for each route runs ``wrk`` closed-loop (``--connections`` connections back
to back, ``--seconds`` each) and reads its req/s and latency percentiles. ``/healthz`` is measured in the same run,
so each route's rate is also shown as a share of what the framework answers with no work behind it.

Each backend is measured twice: as shipped (the read cache on; the alarm list is measured a second time while
``--write-rate`` alarms a second are posted, each of which ends the kept list) and with ``server.read_cache_s: 0``,
where every request reads the database.

    .venv/bin/python bench/api_capacity.py [--backend sqlite|postgres] [--alarms 100] [--seconds 10]
        [--connections 20] [--write-rate 2] [--out bench/results/api_capacity.json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import uuid
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from command.throwaway import start  # noqa: E402
from watchpost.throwaway import find_mosquitto, free_port, start_mosquitto, throwaway_database  # noqa: E402

AUTH_LUA = 'wrk.headers["Authorization"] = "Bearer {token}"\n'
# wrk's summary as one JSON line (WPJSON {...}), read back by parse_wrk.
REPORT_LUA = """
done = function(summary, latency, requests)
  io.write(string.format("WPJSON {{\\"requests\\": %d, \\"errors\\": %d, \\"non2xx\\": %d, \\"seconds\\": %.3f, "
    .. "\\"p50_ms\\": %.2f, \\"p95_ms\\": %.2f, \\"p99_ms\\": %.2f, \\"max_ms\\": %.2f}}\\n",
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
"""


def seed(backend_url: str) -> dict[str, str]:
    """Migrate the database and make a service account (posts the alarms) and a duty officer (reads)."""
    from command.services.auth import add_user, issue_token
    from watchpost.db import make_engine, make_sessionmaker, session_scope
    from watchpost.db.migrate import upgrade

    upgrade(backend_url)
    engine = make_engine(backend_url)
    with session_scope(make_sessionmaker(engine)) as db:
        tokens = {role: issue_token(db, add_user(db, f"cap-{role}", "Password-1-" + role, role), "api", None)
                  for role in ("service", "duty_officer")}
    engine.dispose()
    return tokens


def post_alarms(base: str, tokens: dict[str, str], n: int) -> int:
    """n alarms through the intake; blue, so no broadcast is rendered while the routes are measured."""
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {tokens['service']}"}, timeout=30) as c:
        last = 0
        for i in range(n):
            r = c.post("/api/alarms", json={
                "source": "video", "source_event_id": f"cap-{i}", "type": "fire", "level": "blue",
                "occurred_at": datetime.now(timezone.utc).isoformat(),
                "location": {"name": f"point {i}", "site": "bench"}, "camera_id": f"cam-{i}", "score": 0.9,
                "title": f"alarm {i}", "boxes": [{"cls": "fire", "score": 0.9, "x1": 0.1, "y1": 0.1, "x2": 0.3, "y2": 0.4}],
                "evidence": [{"kind": "snapshot", "uri": f"cap/{i}.jpg", "media_type": "image/jpeg"}]})
            r.raise_for_status()
            last = r.json()["id"]
        return last


def parse_wrk(out: str) -> dict | None:
    """The WPJSON line REPORT_LUA printed, with req/s and all errors added; None if wrk printed none."""
    m = re.search(r"WPJSON (\{.*\})", out)
    if not m:
        return None
    res = json.loads(m.group(1))
    res["rps"] = round(res["requests"] / res["seconds"], 1) if res["seconds"] else None
    res["errors_total"] = res["errors"] + res["non2xx"]
    return res


def wrk(url: str, token: str, seconds: int, connections: int, tmp: Path) -> dict:
    script = tmp / "auth.lua"
    script.write_text((AUTH_LUA + REPORT_LUA).format(token=token))
    out = subprocess.run(["wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds}s", "--latency", "-s", str(script),
                          url], capture_output=True, text=True, timeout=seconds + 60)
    res = parse_wrk(out.stdout)
    if res is None:
        raise RuntimeError(f"wrk gave no result for {url}: {out.stdout[-500:]} {out.stderr[-500:]}")
    return res


def service_cpu_s(pid: int) -> float:
    """User + system CPU seconds of the service and its children so far (Linux /proc)."""
    total = 0.0
    for p in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (FileNotFoundError, IndexError):
            pass
    return total


def _children(pid: int) -> list[int]:
    try:
        kids = [int(k) for k in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []
    return kids + [g for k in kids for g in _children(k)]


@dataclass
class Service:
    base: str
    tokens: dict[str, str]
    last_alarm: int
    proc: subprocess.Popen


def open_incident(svc: "Service") -> int:
    """An incident on the last ten alarms (its timeline is one of the measured routes)."""
    with httpx.Client(base_url=svc.base, headers={"Authorization": f"Bearer {svc.tokens['duty_officer']}"},
                      timeout=30) as c:
        r = c.post("/api/incidents", json={"alarm_ids": list(range(max(1, svc.last_alarm - 9), svc.last_alarm + 1))})
        r.raise_for_status()
        return r.json()["id"]


@contextmanager
def posting(svc: "Service", rate: float) -> Iterator[None]:
    """Alarms posted at ``rate`` a second from a thread, for as long as the block runs."""
    stop = threading.Event()

    def run() -> None:
        with httpx.Client(base_url=svc.base, headers={"Authorization": f"Bearer {svc.tokens['service']}"},
                          timeout=30) as c:
            k = 0
            while not stop.wait(1 / rate):
                c.post("/api/alarms", json={
                    "source": "video", "source_event_id": f"w-{uuid.uuid4().hex}", "type": "fire", "level": "blue",
                    "occurred_at": datetime.now(timezone.utc).isoformat(), "location": {"name": f"w {k}", "site": "b"},
                    "camera_id": f"w-{k}", "score": 0.9, "title": f"written {k}"})
                k += 1

    t = threading.Thread(target=run, daemon=True)
    t.start()
    try:
        yield
    finally:
        stop.set()
        t.join(30)


@contextmanager
def seeded_service(backend: str, alarms: int, prefix: str, server: dict | None = None,
                   workers: int = 1) -> Iterator[Service | None]:
    """``watchpost serve`` on a fresh database of ``backend`` with ``alarms`` posted; None if PostgreSQL's
    binaries are missing. With ``workers`` > 1 the processes talk over a throwaway mosquitto (the scale-out
    path). Stopped (killed if it will not stop) and its files removed on leaving."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    pg = proc = broker = None
    try:
        url, pg = throwaway_database(backend, tmp, prefix.strip("-").replace("-", "_"))
        if url is None:
            yield None
            return
        tokens = seed(url)
        bus = {}
        if workers > 1:
            exe = find_mosquitto()
            if exe is None:
                raise SystemExit("--workers needs mosquitto (Debian package mosquitto; `make deps` installs it)")
            broker, mqtt_port = start_mosquitto(tmp, exe)
            bus = {"kind": "mqtt", "mqtt_port": mqtt_port}
        cfg = tmp / "watchpost.yaml"
        cfg.write_text(json.dumps({"storage": {"url": url, "pool_size": 20}, "server": server or {}, "bus": bus,
                                   "vision": {"media_root": str(tmp / "media"), "spool_path": str(tmp / "spool.sqlite")},
                                   "comms": {"audio_dir": str(tmp / "audio")}}))
        port = free_port()
        proc = start(cfg, port, tmp / "service.log", "--host", "127.0.0.1", "--no-upgrade", "--workers", str(workers),
                     new_session=True)
        base = f"http://127.0.0.1:{port}"
        yield Service(base, tokens, post_alarms(base, tokens, alarms), proc)
    finally:
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:  # 1,000 sockets closing on a saturated service
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        if pg is not None:
            pg.stop()
        if broker is not None:
            broker.terminate()
            broker.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)


def run(backend: str, args: argparse.Namespace) -> dict:
    out = {"backend": backend, "alarms": args.alarms, "seconds": args.seconds, "connections": args.connections}
    for name, server in (("cached", {}), ("uncached", {"read_cache_s": 0})):
        with seeded_service(backend, args.alarms, "wp-cap-", server) as svc, tempfile.TemporaryDirectory() as tmp:
            if svc is None:
                return {"skipped": "PostgreSQL binaries not installed"}
            incident = open_incident(svc)
            routes = {"/healthz": "/healthz", "alarm list (100 rows)": "/api/alarms?limit=100",
                      "alarm list (20 rows)": "/api/alarms?limit=20", "alarm detail": f"/api/alarms/{svc.last_alarm}",
                      "incident list": "/api/incidents", "warning list": "/api/warnings",
                      "incident timeline": f"/api/incidents/{incident}/timeline"}
            plan = [(n, p, 0.0) for n, p in routes.items()]
            if name == "cached" and args.write_rate > 0:
                plan.append((f"alarm list (100 rows), {args.write_rate:g} alarms/s posted", routes["alarm list (100 rows)"],
                             args.write_rate))
            rows = {}
            for route, path, rate in plan:
                cpu0 = service_cpu_s(svc.proc.pid)
                with posting(svc, rate) if rate else nullcontext():
                    res = wrk(svc.base + path, svc.tokens["duty_officer"], args.seconds, args.connections, Path(tmp))
                res["service_cpu_ms_per_request"] = (
                    round(1000 * (service_cpu_s(svc.proc.pid) - cpu0) / res["requests"], 2) if res["requests"] else None)
                rows[route] = res
            health = rows["/healthz"]["rps"]
            for r in rows.values():
                r["share_of_healthz"] = round(r["rps"] / health, 3) if health else None
            out[name] = rows
    return out


def print_table(res: dict) -> None:
    if "skipped" in res:
        print(f"skipped: {res['skipped']}")
        return
    for name in ("cached", "uncached"):
        print(f"{res['backend']}, read cache {'on' if name == 'cached' else 'off'}: {res['alarms']} alarms, "
              f"wrk -c{res['connections']} for {res['seconds']} s per route")
        print(f"{'route':<44} {'req/s':>8} {'of healthz':>10} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
              f"{'CPU ms/req':>10} {'errors':>6}")
        for route, r in res[name].items():
            print(f"{route:<44} {r['rps']:>8} {r['share_of_healthz']:>10} {r['p50_ms']:>8} {r['p95_ms']:>8} "
                  f"{r['p99_ms']:>8} {r['service_cpu_ms_per_request']!s:>10} {r['errors_total']:>6}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="sqlite")
    ap.add_argument("--alarms", type=int, default=100)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=20)
    ap.add_argument("--write-rate", type=float, default=2.0, help="alarms/s posted during the extra alarm-list run")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "api_capacity.json")
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian package wrk; `make deps` installs it)")
    run_backends(args, run, print_table)


def run_backends(args: argparse.Namespace, run: Callable[[str, argparse.Namespace], dict],
                 print_table: Callable[[dict], None]) -> None:
    """``run`` on ``args.backend`` (or both), each backend's table printed, all of it written to ``args.out``."""
    out = {}
    for backend in (["sqlite", "postgres"] if args.backend == "both" else [args.backend]):
        out[backend] = run(backend, args)
        print_table(out[backend])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1))

if __name__ == "__main__":
    main()
