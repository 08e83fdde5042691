"""Open-loop duty-room load: users with think time, idle consoles on WebSockets, alarms arriving (issue #23).

Starts ``watchpost serve`` (SQLite or a throwaway PostgreSQL), posts ``--alarms`` alarms and opens an incident on
the first ten, then at once:
- HTTP users from ``wrk`` (a C program), one connection per user: after each answer a user thinks for a random time,
  exponentially distributed with mean ``--think`` seconds (wrk's ``delay`` hook), so ``--users`` users offer about
  users / think requests a second at random moments. They are split over a mix of alarm list (100 rows), alarm
  detail, incident list, warning list and incident timeline, one wrk per route for per-route percentiles. (``hey
  -q`` was used first: its users all tick in the same millisecond, so it offered one burst of 300 requests every
  3 s rather than users.)
- ``--ws`` WebSocket sessions held open by a separate process (``--ws-process``), which also posts ``--alarm-rate``
  alarms a second and times each one from its POST to its arrival on every session.
Reports each route's latency percentiles and errors, alarm → every session delivery, and the service's CPU and RSS
(sampled every 5 s; per minute in the JSON), and writes JSON.

    .venv/bin/python bench/api_openloop.py [--backend sqlite|postgres|both] [--users 300] [--think 3]
        [--ws 1000] [--alarm-rate 2] [--seconds 60] [--workers 1] [--out bench/results/api_openloop.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
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

from api_capacity import (AUTH_LUA, REPORT_LUA, open_incident, parse_wrk, run_backends,  # noqa: E402
                          seeded_service, service_cpu_s)
from api_load import pct  # noqa: E402

MIX = {"alarm list (100 rows)": ("/api/alarms?limit=100", 0.4), "alarm detail": ("/api/alarms/{last}", 0.15),
       "incident list": ("/api/incidents", 0.15), "warning list": ("/api/warnings", 0.15),
       "incident timeline": ("/api/incidents/{incident}/timeline", 0.15)}

# A user: after each answer, a think time drawn from an exponential distribution with mean think_ms.
THINK_LUA = """
local seeded = false
delay = function()
  if not seeded then math.randomseed(os.time() * 1000 + math.floor(os.clock() * 1e6)); seeded = true end
  return -math.log(1 - math.random()) * {think_ms}
end
"""


# --- the WebSocket process ---------------------------------------------------------------------

async def ws_side(base: str, tokens: dict[str, str], n: int, rate: float, seconds: float) -> dict:
    import httpx
    import websockets

    ws_url = base.replace("http://", "ws://") + f"/ws?token={tokens['duty_officer']}"
    posted: dict[str, float] = {}
    arrivals: dict[str, list[float]] = {}
    ready = 0

    async def session() -> None:
        nonlocal ready
        async with websockets.connect(ws_url, max_queue=None, open_timeout=60, ping_interval=None) as ws:
            async for msg in ws:  # a plain read per message (a wait_for per message cost more than the parse)
                ev = json.loads(msg)
                if ev.get("type") == "ready":  # the service has registered the session: it misses nothing now
                    ready += 1
                elif ev.get("type") == "ping":  # the service's heartbeat: a console that does not answer is dropped
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
    errors, post_ms = 0, []
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
            post_ms.append(1000 * (time.monotonic() - posted[key]))
            k += 1
            await asyncio.sleep(max(0.0, 1.0 / rate - (time.monotonic() - posted[key])))
    await asyncio.sleep(5)  # the last alarms' delivery
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    every = [max(v) * 1000 for key, v in arrivals.items() if len(v) >= ready]
    order = {key: i for i, key in enumerate(posted)}
    short = {order[key]: ready - len(arrivals.get(key, [])) for key in posted if len(arrivals.get(key, [])) < ready}
    per_session = [x * 1000 for v in arrivals.values() for x in v]
    return {"sessions": ready, "alarms_posted": len(posted), "post_errors": errors,
            "alarms_reaching_every_session": len(every),
            "to_every_session_p50_ms": pct(every, 50), "to_every_session_p95_ms": pct(every, 95),
            "per_delivery_p50_ms": pct(per_session, 50), "per_delivery_p95_ms": pct(per_session, 95),
            "deliveries": len(per_session), "missing_sessions_by_alarm": short, "post_p50_ms": pct(post_ms, 50), "post_p95_ms": pct(post_ms, 95)}


# --- the HTTP side (wrk users with think time) ----------------------------------------------------------

def users(url: str, token: str, n: int, think: float, seconds: float, tmp: Path) -> subprocess.Popen:
    script = tmp / f"users-{uuid.uuid4().hex[:6]}.lua"
    script.write_text((AUTH_LUA + THINK_LUA + REPORT_LUA).format(token=token, think_ms=think * 1000))
    return subprocess.Popen(["wrk", "-t", "1", "-c", str(n), "-d", f"{seconds:g}s", "--timeout", "30s", "-s",
                             str(script), url], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def run(backend: str, args: argparse.Namespace) -> dict:
    with seeded_service(backend, args.alarms, "wp-ol-", workers=args.workers) as svc, \
            tempfile.TemporaryDirectory() as tmp:
        if svc is None:
            return {"skipped": "PostgreSQL binaries not installed"}
        incident = open_incident(svc)
        ws_out = Path(tmp) / "ws.json"
        ws_proc = subprocess.Popen([sys.executable, __file__, "--ws-process", svc.base, json.dumps(svc.tokens),
                                    str(args.ws), str(args.alarm_rate), str(args.seconds), str(ws_out)])
        time.sleep(args.ws / 100 + 5)  # the sessions connect before the HTTP users start
        cpu0, rss, t0 = service_cpu_s(svc.proc.pid), [], time.monotonic()
        procs = {name: users(svc.base + path.format(last=svc.last_alarm, incident=incident),
                             svc.tokens["duty_officer"], max(1, round(args.users * share)), args.think, args.seconds,
                             Path(tmp))
                 for name, (path, share) in MIX.items()}
        while time.monotonic() - t0 < args.seconds:
            rss.append((round(time.monotonic() - t0), _rss_mb(svc.proc.pid)))
            time.sleep(5)
        routes = {}
        for name, p in procs.items():
            out = p.communicate(timeout=args.seconds + 120)[0]
            routes[name] = parse_wrk(out) or {"error": out[-500:]}
        cpu = service_cpu_s(svc.proc.pid) - cpu0
        ws_proc.wait(timeout=args.seconds + 300)
        ws = json.loads(ws_out.read_text()) if ws_out.is_file() else {"error": "the WebSocket process wrote nothing"}
        per_minute = {f"{t // 60}": mb for t, mb in rss}  # the last sample of each minute
        return {"backend": backend, "workers": args.workers, "users": args.users, "think_s": args.think, "seconds": args.seconds,
                "offered_rps": round(args.users / args.think, 1), "routes": routes, "websockets": ws,
                "service_cpu_share_of_a_core": round(cpu / args.seconds, 3),
                "service_rss_mb": {"first": rss[0][1] if rss else None, "last": rss[-1][1] if rss else None,
                                   "max": max(mb for _, mb in rss) if rss else None, "per_minute": per_minute,
                                   "samples": rss}}


def _rss_mb(pid: int) -> float:
    import psutil

    p = psutil.Process(pid)
    return round(sum(q.memory_info().rss for q in [p, *p.children(recursive=True)]) / 2**20, 1)


def print_table(res: dict) -> None:
    if "skipped" in res:
        print(f"skipped: {res['skipped']}")
        return
    print(f"{res['backend']}, {res['workers']} service process(es): {res['users']} users, one request every {res['think_s']:g} s each "
          f"(≈ {res['offered_rps']} req/s offered), {res['seconds']} s")
    print(f"{'route':<24} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>7}")
    for name, r in res["routes"].items():
        if "error" in r:
            print(f"{name:<24} wrk gave no result: {r['error'][-200:]}")
            continue
        print(f"{name:<24} {r['rps']!s:>7} {r['p50_ms']!s:>8} {r['p95_ms']!s:>8} {r['p99_ms']!s:>8} "
              f"{r['max_ms']!s:>8} {r['errors_total']:>7}")
    ws = res["websockets"]
    print(f"websockets: {ws.get('sessions')} sessions, {ws.get('alarms_posted')} alarms; alarm → every session "
          f"p50 {ws.get('to_every_session_p50_ms')} ms, p95 {ws.get('to_every_session_p95_ms')} ms "
          f"({ws.get('alarms_reaching_every_session')} reached all); the POST itself p50 {ws.get('post_p50_ms')} ms, "
          f"p95 {ws.get('post_p95_ms')} ms")
    mem = res["service_rss_mb"]
    print(f"service CPU {res['service_cpu_share_of_a_core']} of a core; RSS first {mem['first']} MB, last {mem['last']} "
          f"MB, max {mem['max']} MB; per minute {mem['per_minute']}")


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
    ap.add_argument("--workers", type=int, default=1, help="service processes (over 1: with a throwaway mosquitto)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "api_openloop.json")
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian package wrk; `make deps` installs it)")
    run_backends(args, run, print_table)

if __name__ == "__main__":
    main()
