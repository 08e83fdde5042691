"""Drill benchmark (DRL-3): a scenario of many injects and six seats at 10x on the real service.

Starts ``watchpost serve`` as a subprocess on SQLite (its drill runner at the shipped
``drills.tick_s``), files a generated scenario (``--injects`` injects spread over ``--span-s``
drill seconds: messages, phone calls, SMS, sensor readings and weather reports, each expecting
one or two seats to acknowledge it), starts it at ``--speed``, and while it runs:

- one WebSocket session (the console's push stream) times each inject's arrival against the
  wall instant the drill clock said it was due: inject -> console latency;
- the drill clock the service reports is compared with the wall clock times the speed: drift;
- simulated seats acknowledge each task after ``--react-s`` seconds (all six roles busy).

After the drill ends it times the report: the draft from the record, the PDF and the DOCX.
Prints a table and writes bench/results/drill_run.json.

    .venv/bin/python bench/drill_run.py --injects 50 --speed 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

import httpx
import websockets
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from command.throwaway import cli, start, write_config  # noqa: E402
from drills.player import Player  # noqa: E402
from drills.scenario import SEAT_ROLES  # noqa: E402
from watchpost.throwaway import free_port  # noqa: E402

KINDS = ["message", "phone", "sms", "sensor", "weather"]


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    v = sorted(values)
    return round(v[min(len(v) - 1, max(0, int(round(p / 100 * (len(v) - 1)))))], 1)


def scenario(n: int, span_s: float, seed: int) -> str:
    rng = random.Random(seed)
    roles = list(SEAT_ROLES)
    injects = []
    for i in range(n):
        kind = KINDS[i % len(KINDS)]
        inj = {"id": f"i{i:03d}", "at_s": round(span_s * i / max(n - 1, 1), 1), "kind": kind,
               "title": f"注入 {i}", "title_en": f"inject {i}"}
        if kind == "message":
            inj |= {"to_role": rng.choice(roles), "text": f"指令 {i}"}
        elif kind in ("phone", "sms"):
            inj |= {"text": f"现场报告 {i}", "caller": "员工", "location": "罐区"}
        elif kind == "sensor":
            inj |= {"alarm_type": "gas", "reading": {"parameter": "H2S", "value": 20 + i, "threshold": 10, "unit": "ppm"},
                    "location": f"GT-{i:03d}"}
        else:
            inj |= {"weather": {"wind_from_deg": rng.randrange(360), "wind_speed_ms": 3.0, "temperature_c": 20}}
        inj["expected"] = [{"role": r, "action": "acknowledge", "within_s": 120, "title": f"确认 {i}"}
                           for r in rng.sample(roles, rng.choice([1, 2]))]
        injects.append(inj)
    return yaml.safe_dump({"id": "bench-drill", "title": "演练基准", "title_en": "Drill benchmark", "speed": 10,
                           "roles": roles, "injects": injects}, allow_unicode=True, sort_keys=False)


def watch(url: str, token: str, got: dict[str, float], stop: threading.Event) -> None:
    async def run() -> None:
        async with websockets.connect(f"{url.replace('http', 'ws', 1)}/ws?token={token}&topics=drill") as ws:
            while not stop.is_set():
                try:
                    msg = json.loads(await asyncio.wait_for(ws.recv(), 0.5))
                except asyncio.TimeoutError:
                    continue
                if msg.get("action") == "inject":
                    got.setdefault(msg["data"]["inject"], time.time())
                elif msg.get("type") == "ping":
                    await ws.send(json.dumps({"type": "pong"}))

    asyncio.run(run())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--injects", type=int, default=50)
    ap.add_argument("--span-s", type=float, default=600.0, help="drill seconds the injects are spread over")
    ap.add_argument("--speed", type=int, choices=[1, 2, 5, 10], default=10)
    ap.add_argument("--react-s", type=float, default=0.5)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "drill_run.json"))
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="wp-drill-bench-"))
    cfg = write_config(tmp)
    cli(cfg, "db", "upgrade")
    token = next(line.split(":", 1)[1].strip() for line in cli(
        cfg, "user", "add", "bench-admin", "--role", "admin", "--password", "Bench-admin-1", "--token").splitlines()
        if line.startswith("token:"))
    seats = []
    for role in SEAT_ROLES:
        cli(cfg, "user", "add", f"seat-{role}", "--role", "duty_officer", "--password", "Bench-seat-1")
        seats.append({"username": f"seat-{role}", "role": role})
    port = free_port()
    proc = start(cfg, port, tmp / "serve.log")
    url = f"http://127.0.0.1:{port}"
    api = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60)
    arrived: dict[str, float] = {}
    stop = threading.Event()
    watcher = threading.Thread(target=watch, args=(url, token, arrived, stop), daemon=True)
    try:
        sid = api.post("/api/drills/scenarios", json={"source": scenario(args.injects, args.span_s, args.seed)})
        sid.raise_for_status()
        watcher.start()
        time.sleep(0.5)
        d = api.post("/api/drills", json={"scenario_id": sid.json()["id"], "speed": args.speed, "seats": seats}).json()
        t0 = datetime.fromisoformat(d["started_at"]).timestamp()
        player = Player(api, d["id"], args.react_s)
        drift: list[float] = []
        while d["status"] == "running":
            asked = time.time()
            d = player.step()
            answered = time.time()
            expected = ((asked + answered) / 2 - t0) * args.speed
            if d["status"] == "running" and d["drill_s"] < d["duration_s"]:
                drift.append(d["drill_s"] - expected)
            time.sleep(0.25)
        stop.set()
        timings = {}
        for what, path in (("draft", f"/api/drills/{d['id']}/report"), ("pdf", f"/api/drills/{d['id']}/report.pdf"),
                           ("docx", f"/api/drills/{d['id']}/report.docx")):
            t = time.perf_counter()
            api.get(path).raise_for_status()
            timings[what] = round((time.perf_counter() - t) * 1000)
        sc = yaml.safe_load(scenario(args.injects, args.span_s, args.seed))
        lat = [1000 * (arrived[i["id"]] - (t0 + i["at_s"] / args.speed)) for i in sc["injects"] if i["id"] in arrived]
        tasks = d["tasks"]
        result = {
            "injects": args.injects, "seats": len(seats), "speed": args.speed, "tick_s": 0.5,
            "drill_s": d["drill_s"], "wall_s": round(time.time() - t0, 1),
            "inject_to_console_ms": {"n": len(lat), "p50": pct(lat, 50), "p95": pct(lat, 95), "max": pct(lat, 100)},
            "clock_drift_drill_s": {"n": len(drift), "mean": round(statistics.fmean(drift), 2) if drift else None,
                                    "max_abs": round(max(map(abs, drift)), 2) if drift else None},
            "tasks": {"total": len(tasks), "done": sum(t["status"] == "done" for t in tasks),
                      "late": sum(t["status"] == "late" for t in tasks),
                      "missed": sum(t["status"] == "missed" for t in tasks)},
            "report_ms": timings,
        }
    finally:
        stop.set()
        proc.terminate()
        proc.wait(15)
    print(f"{'measure':38} value")
    print(f"{'injects / seats / speed':38} {result['injects']} / {result['seats']} / {result['speed']}x")
    print(f"{'drill seconds in wall seconds':38} {result['drill_s']:.0f} in {result['wall_s']:.0f}")
    il = result["inject_to_console_ms"]
    print(f"{'inject -> console ms (p50 / p95 / max)':38} {il['p50']} / {il['p95']} / {il['max']} (n={il['n']})")
    cd = result["clock_drift_drill_s"]
    print(f"{'clock drift, drill s (mean / max abs)':38} {cd['mean']} / {cd['max_abs']} (n={cd['n']})")
    t = result["tasks"]
    print(f"{'tasks done / late / missed':38} {t['done']} / {t['late']} / {t['missed']} of {t['total']}")
    r = result["report_ms"]
    print(f"{'report ms (draft / pdf / docx)':38} {r['draft']} / {r['pdf']} / {r['docx']}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
