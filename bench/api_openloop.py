"""Open-loop duty-room load: users with think time, idle consoles on WebSockets, alarms arriving (issue #23).

Starts ``watchpost serve`` (SQLite or a throwaway PostgreSQL), posts ``--alarms`` alarms, then at once:
- HTTP users from ``hey`` (a Go program): ``--users`` users, each sending one request every ``--think`` seconds
  (``hey -q``: a rate per user, not back to back), split over a mix of alarm list (100 rows), alarm detail,
  incident list and warning list;
- ``--ws`` WebSocket sessions held open by a separate process (``--ws-process``), which also posts ``--alarm-rate``
  alarms a second and times each one from its POST to its arrival on every session.
Reports each route's latency percentiles and errors from hey, and alarm → every session delivery, and writes JSON.

    .venv/bin/python bench/api_openloop.py [--backend sqlite|postgres|both] [--users 300] [--think 3]
        [--ws 1000] [--alarm-rate 2] [--seconds 60] [--out bench/results/api_openloop.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from api_capacity import seeded_service, service_cpu_s  # noqa: E402
from api_load import pct  # noqa: E402

MIX = {"alarm list (100 rows)": ("/api/alarms?limit=100", 0.4), "alarm detail": ("/api/alarms/{last}", 0.2),
       "incident list": ("/api/incidents", 0.2), "warning list": ("/api/warnings", 0.2)}


# --- the WebSocket process ---------------------------------------------------------------------

async def ws_side(base: str, tokens: dict[str, str], n: int, rate: float, seconds: float) -> dict:
    import httpx
    import websockets

    ws_url = base.replace("http://", "ws://") + f"/ws?token={tokens['duty_officer']}"
    posted: dict[str, float] = {}
    arrivals: dict[str, list[float]] = {}
    ready = 0
    stop = asyncio.Event()

    async def session() -> None:
        nonlocal ready
        async with websockets.connect(ws_url, max_queue=None, open_timeout=60, ping_interval=None) as ws:
            ready += 1
            while not stop.is_set():
                try:
                    msg = await asyncio.wait_for(ws.recv(), 1.0)
                except asyncio.TimeoutError:
                    continue
                ev = json.loads(msg)
                if ev.get("type") == "ping":  # the service's heartbeat: a console that does not answer is dropped
                    await ws.send('{"type":"pong"}')
                elif ev.get("topic") == "alarm" and ev.get("action") == "created":
                    key = ev["data"].get("source_event_id", "")
                    if key in posted:
                        arrivals.setdefault(key, []).append(time.monotonic() - posted[key])

    tasks = []
    for i in range(n):
        tasks.append(asyncio.create_task(session()))
        if i % 50 == 49:
            await asyncio.sleep(0.2)
    t0 = time.monotonic()
    while ready < n and time.monotonic() - t0 < 120:
        await asyncio.sleep(0.5)
    run = uuid.uuid4().hex[:8]
    errors = 0
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {tokens['service']}"},
                                 timeout=30) as c:
        k, end = 0, time.monotonic() + seconds
        while time.monotonic() < end:
            key = f"ol-{run}-{k}"
            posted[key] = time.monotonic()
            r = await c.post("/api/alarms", json={
                "source": "video", "source_event_id": key, "type": "fire", "level": "blue",
                "occurred_at": datetime.now(timezone.utc).isoformat(), "location": {"name": f"ol {k}", "site": "b"},
                "camera_id": f"ol-{k}", "score": 0.9, "title": f"open-loop {k}"})
            errors += r.status_code != 201 and r.status_code != 200
            k += 1
            await asyncio.sleep(max(0.0, 1.0 / rate - (time.monotonic() - posted[key])))
    await asyncio.sleep(5)  # the last alarms' delivery
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    every = [max(v) * 1000 for key, v in arrivals.items() if len(v) >= ready]
    per_session = [x * 1000 for v in arrivals.values() for x in v]
    return {"sessions": ready, "alarms_posted": len(posted), "post_errors": errors,
            "alarms_reaching_every_session": len(every),
            "to_every_session_p50_ms": pct(every, 50), "to_every_session_p95_ms": pct(every, 95),
            "per_delivery_p50_ms": pct(per_session, 50), "per_delivery_p95_ms": pct(per_session, 95),
            "deliveries": len(per_session)}


# --- the HTTP side (hey) --------------------------------------------------------------------------

def hey(url: str, token: str, users: int, think: float, seconds: float) -> subprocess.Popen:
    return subprocess.Popen(["hey", "-z", f"{seconds:g}s", "-c", str(users), "-q", f"{1 / think:g}", "-t", "30",
                             "-H", f"Authorization: Bearer {token}", url],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def parse_hey(out: str) -> dict:
    def num(pattern: str) -> float | None:
        m = re.search(pattern, out)
        return float(m.group(1)) if m else None

    def ms(pattern: str) -> float | None:
        v = num(pattern)
        return round(1000 * v, 1) if v is not None else None

    codes = {int(c): int(n) for c, n in re.findall(r"\[(\d{3})\]\s+(\d+) responses", out)}
    return {"rps": num(r"Requests/sec:\s+([\d.]+)"),
            "p50_ms": ms(r"50%+ in ([\d.]+) secs"), "p95_ms": ms(r"95%+ in ([\d.]+) secs"),
            "p99_ms": ms(r"99%+ in ([\d.]+) secs"),
            "status": codes, "errors": sum(n for c, n in codes.items() if c >= 400)
            + sum(int(n) for n in re.findall(r"\[(\d+)\]\s+Get", out))}


def run(backend: str, args: argparse.Namespace) -> dict:
    with seeded_service(backend, args.alarms, "wp-ol-") as svc, tempfile.TemporaryDirectory() as tmp:
        if svc is None:
            return {"skipped": "PostgreSQL binaries not installed"}
        ws_out = Path(tmp) / "ws.json"
        ws_proc = subprocess.Popen([sys.executable, __file__, "--ws-process", svc.base, json.dumps(svc.tokens),
                                    str(args.ws), str(args.alarm_rate), str(args.seconds), str(ws_out)])
        time.sleep(args.ws / 100 + 5)  # the sessions connect before the HTTP users start
        cpu0, rss = service_cpu_s(svc.proc.pid), []
        heys = {name: hey(svc.base + path.format(last=svc.last_alarm), svc.tokens["duty_officer"],
                          max(1, round(args.users * share)), args.think, args.seconds)
                for name, (path, share) in MIX.items()}
        t_end = time.monotonic() + args.seconds
        while time.monotonic() < t_end:
            rss.append(_rss_mb(svc.proc.pid))
            time.sleep(5)
        routes = {name: parse_hey(h.communicate(timeout=args.seconds + 120)[0]) for name, h in heys.items()}
        cpu = service_cpu_s(svc.proc.pid) - cpu0
        ws_proc.wait(timeout=args.seconds + 300)
        ws = json.loads(ws_out.read_text()) if ws_out.is_file() else {"error": "the WebSocket process wrote nothing"}
        return {"backend": backend, "users": args.users, "think_s": args.think, "seconds": args.seconds,
                "offered_rps": round(args.users / args.think, 1), "routes": routes, "websockets": ws,
                "service_cpu_share_of_a_core": round(cpu / args.seconds, 3),
                "service_rss_mb": {"first": rss[0] if rss else None, "last": rss[-1] if rss else None,
                                   "max": max(rss) if rss else None}}


def _rss_mb(pid: int) -> float:
    import psutil

    p = psutil.Process(pid)
    return round(sum(q.memory_info().rss for q in [p, *p.children(recursive=True)]) / 2**20, 1)


def print_table(res: dict) -> None:
    if "skipped" in res:
        print(f"skipped: {res['skipped']}")
        return
    print(f"{res['backend']}: {res['users']} users, one request every {res['think_s']:g} s each "
          f"(≈ {res['offered_rps']} req/s offered), {res['seconds']} s")
    print(f"{'route':<24} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name, r in res["routes"].items():
        print(f"{name:<24} {r['rps']!s:>7} {r['p50_ms']!s:>8} {r['p95_ms']!s:>8} {r['p99_ms']!s:>8} {r['errors']:>7}")
    ws = res["websockets"]
    print(f"websockets: {ws.get('sessions')} sessions, {ws.get('alarms_posted')} alarms; alarm → every session "
          f"p50 {ws.get('to_every_session_p50_ms')} ms, p95 {ws.get('to_every_session_p95_ms')} ms "
          f"({ws.get('alarms_reaching_every_session')} reached all)")
    print(f"service CPU {res['service_cpu_share_of_a_core']} of a core, RSS {res['service_rss_mb']} MB")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--ws-process":
        base, tokens, n, rate, seconds, out = sys.argv[2:8]
        res = asyncio.run(ws_side(base, json.loads(tokens), int(n), float(rate), float(seconds)))
        Path(out).write_text(json.dumps(res))
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="sqlite")
    ap.add_argument("--alarms", type=int, default=100)
    ap.add_argument("--users", type=int, default=300)
    ap.add_argument("--think", type=float, default=3.0)
    ap.add_argument("--ws", type=int, default=1000)
    ap.add_argument("--alarm-rate", type=float, default=2.0)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "api_openloop.json")
    args = ap.parse_args()
    if shutil.which("hey") is None:
        sys.exit("hey is not installed (Debian package hey; `make deps` installs it)")
    out = {}
    for backend in (["sqlite", "postgres"] if args.backend == "both" else [args.backend]):
        out[backend] = run(backend, args)
        print_table(out[backend])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
