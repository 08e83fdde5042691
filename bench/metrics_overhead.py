"""Benchmark: what the request-latency middleware (``command.metrics.RequestMetrics``, issue #26) costs
each HTTP request.

Two measurements in one run, interleaved round by round so that the machine's noise falls on both sides:

1. the middleware alone, around an ASGI app that answers at once: its own microseconds per request
   (route template lookup, label lookup, histogram observe, the status-capturing ``send``);
2. the real service (SQLite, in-process ASGI calls, no sockets) with and without the middleware, on a
   cheap public route (``GET /healthz``) and on an authenticated list (``GET /api/alarms``): the
   ratio of the two, which is what the middleware adds to a request the service really answers.

    .venv/bin/python bench/metrics_overhead.py [--n 3000] [--rounds 5]
                                               [--out bench/results/metrics_overhead.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _scope(path: str, headers: list[tuple[bytes, bytes]]) -> dict:
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
            "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "", "headers": headers,
            "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000)}


async def _drive(app, path: str, headers: list[tuple[bytes, bytes]], n: int) -> float:
    """Seconds per request over ``n`` sequential requests; fails on any answer but 200."""
    status: list[int] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    t0 = time.perf_counter()
    for _ in range(n):
        await app(_scope(path, headers), receive, send)
    dt = (time.perf_counter() - t0) / n
    bad = [s for s in status if s != 200]
    if bad:
        raise SystemExit(f"{path}: {len(bad)} answers were not 200 (first {bad[0]})")
    return dt


def _service(tmp: Path, with_metrics: bool):
    from command.app import create_app
    from command.metrics import RequestMetrics
    from watchpost.config import parse_config

    url = f"sqlite:///{tmp / 'wp.sqlite'}"
    cfg = parse_config({"storage": {"url": url},
                        "vision": {"media_root": str(tmp / "media"), "spool_path": str(tmp / "spool.sqlite")},
                        "comms": {"audio_dir": str(tmp / "audio")}}, environ={})
    app = create_app(cfg, run_background=False)
    if not with_metrics:  # the same app, its middleware stack built without the one under test
        app.user_middleware = [m for m in app.user_middleware if m.cls is not RequestMetrics]
    return app


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=3000, help="requests per measurement")
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds (the median is reported)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "metrics_overhead.json"))
    args = ap.parse_args()

    from prometheus_client import CollectorRegistry, Histogram

    from command.metrics import RequestMetrics
    from command.services.auth import add_user, issue_token
    from watchpost.db import session_scope
    from watchpost.db.migrate import upgrade

    tmp = Path(tempfile.mkdtemp(prefix="metrics_overhead_"))
    upgrade(f"sqlite:///{tmp / 'wp.sqlite'}")

    async def bare(scope, receive, send) -> None:  # noqa: ANN001
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    class Figures:  # what RequestMetrics reads of ServiceMetrics, with a histogram of the same shape
        websocket_sessions = 0
        requests = Histogram("bench_request_seconds", "bench", ["method", "route", "status"],
                             registry=CollectorRegistry())

    wrapped = RequestMetrics(bare, Figures())
    apps = {True: _service(tmp, True), False: _service(tmp, False)}
    with session_scope(apps[True].state.wp.sessions) as db:
        token = issue_token(db, add_user(db, "officer", "Password-1-officer", "duty_officer"), "api", None)
    auth = [(b"authorization", f"Bearer {token}".encode())]

    cases = {"middleware alone": ((bare, wrapped), "/x", []),
             "GET /healthz": ((apps[False], apps[True]), "/healthz", []),
             "GET /api/alarms": ((apps[False], apps[True]), "/api/alarms", auth)}
    samples: dict[str, dict[str, list[float]]] = {k: {"without": [], "with": []} for k in cases}

    async def run() -> None:
        for (without, with_), path, headers in cases.values():  # warm-up: build stacks, fill caches
            await _drive(without, path, headers, 50)
            await _drive(with_, path, headers, 50)
        for _ in range(args.rounds):
            for name, ((without, with_), path, headers) in cases.items():
                samples[name]["without"].append(await _drive(without, path, headers, args.n))
                samples[name]["with"].append(await _drive(with_, path, headers, args.n))

    asyncio.run(run())
    rows = []
    for name, s in samples.items():
        wo, w = statistics.median(s["without"]) * 1e6, statistics.median(s["with"]) * 1e6
        rows.append({"case": name, "without_us": round(wo, 1), "with_us": round(w, 1), "added_us": round(w - wo, 1),
                     "ratio": round(w / wo, 3)})
    print(f"{args.n} requests × {args.rounds} interleaved rounds, medians per request")
    print(f"{'case':20} {'without µs':>11} {'with µs':>9} {'added µs':>9} {'ratio':>7}")
    for r in rows:
        print(f"{r['case']:20} {r['without_us']:>11} {r['with_us']:>9} {r['added_us']:>9} {r['ratio']:>7}")
    result = {"machine": platform.machine(), "cpus": os.cpu_count(), "python": platform.python_version(),
              "n": args.n, "rounds": args.rounds, "rows": rows,
              "at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
