"""API load benchmark (NFR-1, NFR-2, NFR-3): mixed load + idle WebSocket sessions against the real service.

Starts ``watchpost serve`` as a subprocess on 127.0.0.1 (SQLite and/or a throwaway PostgreSQL
like the tests use), opens ``--ws`` idle WebSocket sessions plus one probe session, then runs
``--clients`` concurrent HTTP clients for ``--duration`` seconds doing a mix of alarm posts
(new and idempotent retries), alarm/incident queries and incident transitions. Then an intake
phase: every client posts new alarms back-to-back for ``--intake-duration`` seconds.

Reports p50/p95/p99 per operation, errors, alarm post → WebSocket delivery latency (probe
session) and intake throughput; writes JSON to bench/results/api_load.json.

    .venv/bin/python bench/api_load.py --backend both --clients 300 --ws 1000 --duration 30
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

import httpx
import websockets

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from command.throwaway import start  # noqa: E402
from watchpost.throwaway import find_mosquitto, free_port, start_mosquitto, throwaway_database  # noqa: E402

LEVELS = ["red", "orange", "yellow", "blue"]
TYPES = ["fire", "smoke", "intrusion", "gas", "off_post"]


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    v = sorted(values)
    k = min(len(v) - 1, max(0, int(round(p / 100 * (len(v) - 1)))))
    return round(v[k], 1)


def summary(values: list[float]) -> dict:
    return {"n": len(values), "p50_ms": pct(values, 50), "p95_ms": pct(values, 95), "p99_ms": pct(values, 99),
            "mean_ms": round(statistics.fmean(values), 1) if values else None}


# ---------------------------------------------------------------------------------------------
# service set-up


def prepare(url: str, tmp: Path, workers: int = 1, mqtt_port: int | None = None) -> tuple[Path, dict[str, str]]:
    from command.services.auth import add_user, issue_token
    from watchpost.db import make_engine, make_sessionmaker, session_scope
    from watchpost.db.migrate import upgrade

    upgrade(url)
    engine = make_engine(url)
    tokens = {}
    with session_scope(make_sessionmaker(engine)) as db:
        for name, role in (("bench-cam", "service"), ("bench-duty", "duty_officer"), ("bench-viewer", "viewer")):
            tokens[role] = issue_token(db, add_user(db, name, "Password-1-" + name, role), "api", None)
    engine.dispose()
    cfg = tmp / "watchpost.yaml"
    cfg.write_text(json.dumps({  # JSON is YAML
        "storage": {"url": url, "pool_size": 20},
        "server": {"workers": workers},
        "bus": {"kind": "mqtt", "mqtt_port": mqtt_port} if mqtt_port else {"kind": "inprocess"},
        "vision": {"media_root": str(tmp / "media"), "spool_path": str(tmp / "spool.sqlite")},
        "comms": {"audio_dir": str(tmp / "audio")},
    }))
    return cfg, tokens


def stop_service(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# ---------------------------------------------------------------------------------------------
# load


class Stats:
    def __init__(self) -> None:
        self.lat: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.error_samples: list[str] = []
        self.post_started: dict[str, float] = {}
        self.push_lat: list[float] = []

    def error(self, op: str, what: str) -> None:
        self.errors[op] += 1
        if len(self.error_samples) < 20:
            self.error_samples.append(f"{op}: {what}")


def alarm_body(run: str, n: int) -> dict:
    return {"source": "video", "source_event_id": f"{run}-{n}", "type": random.choice(TYPES),
            "level": random.choice(LEVELS), "occurred_at": datetime.now(timezone.utc).isoformat(),
            # A distinct location per alarm: the benchmark measures intake, not the merge window.
            "location": {"name": f"bench point {n}", "site": "bench"}, "camera_id": f"bench-{run}-{n}",
            "score": 0.9, "title": f"bench alarm {n}",
            "evidence": [{"kind": "snapshot", "uri": f"bench/{n}.jpg", "media_type": "image/jpeg"}]}


async def timed(stats: Stats, op: str, coro, expect: tuple[int, ...]):  # noqa: ANN001
    t0 = time.perf_counter()
    try:
        r = await coro
    except Exception as e:  # timeouts, resets: an error, never a silent drop
        stats.error(op, f"{type(e).__name__}: {e}")
        return None
    stats.lat[op].append((time.perf_counter() - t0) * 1000)
    if r.status_code not in expect:
        stats.error(op, f"HTTP {r.status_code} {r.text[:120]}")
        return None
    return r


async def idle_session(url: str, stop: asyncio.Event, stats: Stats, ready: asyncio.Semaphore) -> None:
    try:
        async with websockets.connect(url, max_queue=None, open_timeout=60, ping_interval=None) as ws:
            ready.release()
            while not stop.is_set():
                try:
                    msg = json.loads(await asyncio.wait_for(ws.recv(), 1.0))
                except asyncio.TimeoutError:
                    continue
                if msg.get("type") == "ping":
                    await ws.send('{"type":"pong"}')
    except Exception as e:
        ready.release()
        if not stop.is_set():
            stats.error("ws_idle", f"{type(e).__name__}: {e}")


async def probe_session(url: str, stop: asyncio.Event, stats: Stats, ready: asyncio.Event) -> None:
    async with websockets.connect(url, max_queue=None, open_timeout=60, ping_interval=None) as ws:
        while not stop.is_set():
            try:
                msg = json.loads(await asyncio.wait_for(ws.recv(), 0.5))
            except asyncio.TimeoutError:
                continue
            now = time.perf_counter()
            if msg.get("type") == "ready":
                ready.set()
            elif msg.get("type") == "ping":
                await ws.send('{"type":"pong"}')
            elif msg.get("topic") == "alarm" and msg.get("action") == "created":
                t0 = stats.post_started.pop(msg["data"].get("source_event_id"), None)
                if t0 is not None:
                    stats.push_lat.append((now - t0) * 1000)


async def make_incident(client: httpx.AsyncClient, duty: dict) -> int:
    r = await client.post("/api/incidents", json={"type": "fire", "title": "bench incident"}, headers=duty)
    r.raise_for_status()
    iid = r.json()["id"]
    for to, extra in (("verified", {}), ("reported", {}), ("activated", {"response_level": "IV"}), ("dispatching", {})):
        rr = await client.post(f"/api/incidents/{iid}/transitions", json={"to": to, "note": "bench", **extra}, headers=duty)
        rr.raise_for_status()
    return iid


async def mixed_client(k: int, client: httpx.AsyncClient, run: str, stats: Stats, tokens: dict, iid: int,
                       until: float, think: float) -> None:
    cam = {"Authorization": f"Bearer {tokens['service']}"}
    duty = {"Authorization": f"Bearer {tokens['duty_officer']}"}
    viewer = {"Authorization": f"Bearer {tokens['viewer']}"}
    posted: list[tuple[str, int]] = []
    state = "dispatching"
    n = 0
    await asyncio.sleep(random.random() * think)
    while time.perf_counter() < until:
        x = random.random()
        if x < 0.45 or (x < 0.55 and not posted):
            n += 1
            body = alarm_body(run, k * 1_000_000 + n)
            stats.post_started[body["source_event_id"]] = time.perf_counter()
            r = await timed(stats, "alarm_post", client.post("/api/alarms", json=body, headers=cam), (201,))
            if r is not None:
                posted.append((body["source_event_id"], r.json()["id"]))
        elif x < 0.55:
            sid, aid = random.choice(posted)
            body = alarm_body(run, int(sid.rsplit("-", 1)[1]))
            body["source_event_id"] = sid
            r = await timed(stats, "alarm_post_retry", client.post("/api/alarms", json=body, headers=cam), (200,))
            if r is not None and r.json()["id"] != aid:
                stats.error("alarm_post_retry", f"retry of {sid} gave alarm {r.json()['id']}, not {aid}")
        elif x < 0.80:
            await timed(stats, "alarm_list", client.get("/api/alarms?limit=50", headers=viewer), (200,))
        elif x < 0.85:
            await timed(stats, "incident_list", client.get("/api/incidents?limit=50", headers=viewer), (200,))
        else:
            to = "deployed" if state == "dispatching" else "dispatching"
            r = await timed(stats, "incident_transition",
                            client.post(f"/api/incidents/{iid}/transitions", json={"to": to, "note": "bench"}, headers=duty),
                            (200,))
            if r is not None:
                state = to
        if think:  # never past the end of the phase, so the measured duration is the phase's
            await asyncio.sleep(min(random.expovariate(1 / think), max(0.0, until - time.perf_counter())))


async def intake_client(k: int, client: httpx.AsyncClient, run: str, stats: Stats, tokens: dict, until: float) -> int:
    cam = {"Authorization": f"Bearer {tokens['service']}"}
    done = 0
    n = 0
    while time.perf_counter() < until:
        n += 1
        body = alarm_body(run + "i", k * 1_000_000 + n)
        r = await timed(stats, "intake_post", client.post("/api/alarms", json=body, headers=cam), (201,))
        done += r is not None
    return done


async def run_load(base: str, tokens: dict, args: argparse.Namespace) -> dict:
    run = uuid.uuid4().hex[:8]
    stats = Stats()
    stop = asyncio.Event()
    ws_base = base.replace("http://", "ws://") + "/ws"
    # Expire idle keep-alive connections before uvicorn's 5 s timeout closes them under us.
    limits = httpx.Limits(max_connections=args.clients + 10, max_keepalive_connections=args.clients + 10,
                          keepalive_expiry=2.0)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=args.timeout) as client:
        duty = {"Authorization": f"Bearer {tokens['duty_officer']}"}
        t0 = time.perf_counter()
        sem = asyncio.Semaphore(20)

        async def one_incident() -> int:
            async with sem:
                return await make_incident(client, duty)

        incidents = await asyncio.gather(*(one_incident() for _ in range(args.clients)))
        setup_incidents_s = time.perf_counter() - t0

        probe_ready = asyncio.Event()
        probe = asyncio.create_task(probe_session(f"{ws_base}?token={tokens['duty_officer']}&topics=alarm", stop, stats,
                                                  probe_ready))
        await asyncio.wait_for(probe_ready.wait(), 60)
        t0 = time.perf_counter()
        ws_ready = asyncio.Semaphore(0)
        idle_url = f"{ws_base}?token={tokens['viewer']}" + (f"&topics={args.idle_topics}" if args.idle_topics else "")
        idle = []
        for i in range(args.ws):
            idle.append(asyncio.create_task(idle_session(idle_url, stop, stats, ws_ready)))
            if i % 50 == 49:
                await asyncio.sleep(0.05)
        for _ in range(args.ws):
            await ws_ready.acquire()
        ws_connect_s = time.perf_counter() - t0

        until = time.perf_counter() + args.duration
        t0 = time.perf_counter()
        await asyncio.gather(*(mixed_client(k, client, run, stats, tokens, incidents[k], until, args.think)
                               for k in range(args.clients)))
        mixed_s = time.perf_counter() - t0
        await asyncio.sleep(1.0)  # let the last pushes arrive
        undelivered = len(stats.post_started)
        if undelivered:
            stats.error("push_delivery", f"{undelivered} acknowledged alarm posts never arrived on the probe session")

        until = time.perf_counter() + args.intake_duration
        t0 = time.perf_counter()
        counts = await asyncio.gather(*(intake_client(k, client, run, stats, tokens, until) for k in range(args.clients)))
        intake_s = time.perf_counter() - t0

        idle_alive = sum(1 for t in idle if not t.done())
        stop.set()
        await asyncio.gather(probe, *idle, return_exceptions=True)

    ops = {op: summary(v) | {"errors": stats.errors.get(op, 0)} for op, v in sorted(stats.lat.items())}
    api_lat = [x for op, v in stats.lat.items() if op != "intake_post" for x in v]
    return {
        "mixed_duration_s": round(mixed_s, 1), "mixed_requests": sum(len(v) for op, v in stats.lat.items() if op != "intake_post"),
        "mixed_rps": round(sum(len(v) for op, v in stats.lat.items() if op != "intake_post") / mixed_s, 1),
        "operations": ops, "api_all": summary(api_lat),
        "push_latency": summary(stats.push_lat), "push_undelivered": undelivered,
        "intake": {"duration_s": round(intake_s, 1), "alarms": sum(counts), "alarms_per_s": round(sum(counts) / intake_s, 1)},
        "ws_idle": {"sessions": args.ws, "connect_s": round(ws_connect_s, 1), "alive_at_end": idle_alive,
                    "errors": stats.errors.get("ws_idle", 0)},
        "setup_incidents_s": round(setup_incidents_s, 1),
        "errors_total": sum(stats.errors.values()), "error_samples": stats.error_samples,
    }


def print_table(backend: str, res: dict) -> None:
    print(f"\n== {backend}: {res['mixed_requests']} requests in {res['mixed_duration_s']} s "
          f"({res['mixed_rps']} req/s), {res['ws_idle']['sessions']} idle WebSocket sessions "
          f"({res['ws_idle']['alive_at_end']} alive at the end)")
    print(f"{'operation':<22}{'n':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    rows = list(res["operations"].items()) + [("ALL mixed API", res["api_all"] | {"errors": "-"}),
                                              ("post -> ws push", res["push_latency"] | {"errors": res["push_undelivered"]})]
    for op, s in rows:
        print(f"{op:<22}{s['n']:>7}{s['p50_ms'] or '-':>9}{s['p95_ms'] or '-':>9}{s['p99_ms'] or '-':>9}{s['errors']:>8}")
    i = res["intake"]
    print(f"intake: {i['alarms']} alarms in {i['duration_s']} s = {i['alarms_per_s']} alarms/s; "
          f"errors total {res['errors_total']}")
    for e in res["error_samples"][:5]:
        print("  error:", e)


def bench_backend(backend: str, args: argparse.Namespace) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix=f"wp-bench-{backend}-"))
    pg = None
    proc = None
    broker = None
    try:
        url, pg = throwaway_database(backend, tmp, "bench")
        if url is None:
            return {"skipped": "PostgreSQL binaries not installed"}
        mqtt_port = None
        if args.workers > 1:
            exe = find_mosquitto()
            if exe is None:
                return {"skipped": "mosquitto (Debian package mosquitto) is not installed"}
            broker, mqtt_port = start_mosquitto(tmp, exe)
        cfg, tokens = prepare(url, tmp, args.workers, mqtt_port)
        port = free_port()
        proc = start(cfg, port, tmp / "service.log", "--host", "127.0.0.1", "--no-upgrade", new_session=True)
        res = asyncio.run(run_load(f"http://127.0.0.1:{port}", tokens, args))
        log_lines = (tmp / "service.log").read_text(errors="replace").splitlines()
        first_tb = next((i for i, line in enumerate(log_lines) if line.startswith("Traceback")), None)
        res["service_first_traceback"] = log_lines[first_tb:first_tb + 120] if first_tb is not None else []
        print_table(backend, res)
        return res
    finally:
        if proc is not None:
            stop_service(proc)
        if pg is not None:
            pg.stop()
        if broker is not None:
            broker.terminate()
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--clients", type=int, default=300)
    ap.add_argument("--ws", type=int, default=1000, help="idle WebSocket sessions")
    ap.add_argument("--idle-topics", default="system",
                    help="topics the idle sessions subscribe to ('' = every topic, i.e. full fan-out)")
    ap.add_argument("--duration", type=float, default=30, help="mixed phase, seconds")
    ap.add_argument("--intake-duration", type=float, default=10, help="intake-only phase, seconds")
    ap.add_argument("--think", type=float, default=1.0, help="mean think time between a client's requests, s")
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("--workers", type=int, default=1,
                    help="service processes (serve --workers); >1 starts mosquitto for their push wake-ups")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "api_load.json"))
    args = ap.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))  # 1,000 sockets each side
    results = {"command": " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]]),
               "at": datetime.now(timezone.utc).isoformat(), "cpus": os.cpu_count(),
               "load_avg_before": os.getloadavg(), "params": vars(args) | {"out": None}, "backends": {}}
    for backend in (["sqlite", "postgres"] if args.backend == "both" else [args.backend]):
        results["backends"][backend] = bench_backend(backend, args)
    results["load_avg_after"] = os.getloadavg()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
