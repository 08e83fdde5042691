"""Benchmark: a whole response draft (issue #25, DRL-5) with 50,000 resources and 5,000 people positions.

The whole path through the API, as the console drives it, on SQLite with the demo site plan and road graph:
``POST /api/simulations`` (weather, plume footprint, zones, and who and what lies inside each zone: people with
their phones, resources, site-plan features) then ``POST /api/incidents/{id}/response-drafts`` (each zone's action,
evacuation routes over the road graph to the nearest assembly point outside the evacuation zone, the nearest teams
and materials checked for validity/inspection, the matching plan's cards, the targeted warnings, the CAP area),
then ``GET /api/response-drafts/{id}/cap.xml``. Median of several runs after a warm-up; wall clock
(perf_counter) of each HTTP call through the in-process test client. The matching plan is the demo's tank farm
plan, imported from its Word document and published as `make run` files it (``command.demo_seed.import_plan``). Target: simulation + draft ≤ 2 s.

    .venv/bin/python bench/dss_draft.py [--resources 50000] [--people 5000] [--runs 7]
                                        [--out bench/results/dss_draft.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEMO = ROOT / "deploy" / "demo"
RELEASE = (121.403, 30.8025)  # tank farm A
KINDS = ("team", "material", "material", "vehicle", "expert", "medical_point")


def _seed(app, n_resources: int, n_people: int, rng: random.Random) -> None:
    from sqlalchemy import insert

    from command.db.models.duty import PersonnelPosition
    from command.db.models.resources import Resource
    from comms.models import Contact

    now = datetime.now(timezone.utc)
    rows = []
    for i in range(n_resources):
        kind = KINDS[i % len(KINDS)]
        rows.append({"kind": kind, "name": f"{kind}-{i}", "code": f"B-{i}", "category": ("泡沫灭火剂", "消防", "吸附棉",
                                                                                         "防护")[i % 4],
                     "site": "", "location_name": "", "lon": rng.uniform(121.395, 121.415),
                     "lat": rng.uniform(30.795, 30.815), "quantity": 10.0, "unit": "", "status": "available",
                     "contact": "", "phone": "", "members": [], "attrs": {},
                     "expires_on": date(2020, 1, 1) if i % 20 == 0 else None, "created_at": now, "updated_at": now})
    # Assembly points: shelters around the park's edge.
    for k, (lon, lat) in enumerate([(121.3998, 30.8090), (121.4100, 30.8090), (121.3998, 30.7998),
                                    (121.4100, 30.7998), (121.4050, 30.8092), (121.3998, 30.8045)]):
        rows.append({"kind": "shelter", "name": f"避难场所{k + 1}", "code": f"S-{k}", "category": "避难场所", "site": "",
                     "location_name": "", "lon": lon, "lat": lat, "quantity": 500.0, "unit": "人",
                     "status": "available", "contact": "", "phone": "", "members": [], "attrs": {},
                     "expires_on": None, "created_at": now, "updated_at": now})
    people, contacts = [], []
    for i in range(n_people):
        if i % 2:  # half around the tank farm and downwind of it, half anywhere in the park
            lon, lat = rng.gauss(RELEASE[0] + 0.002, 0.0015), rng.gauss(RELEASE[1], 0.001)
        else:
            lon, lat = rng.uniform(121.3995, 121.4105), rng.uniform(30.7995, 30.8095)
        people.append({"person_id": f"p{i}", "name": f"员工{i}", "lon": lon, "lat": lat, "floor": "", "at": now,
                       "source": "bench"})
        contacts.append({"name": f"员工{i}", "phone": f"+86139{i:08d}", "lang": "zh", "groups": [], "rank": 0,
                         "active": True})
    with app.state.wp.sessions() as db:
        for table, data in ((Resource, rows), (PersonnelPosition, people), (Contact, contacts)):
            for s in range(0, len(data), 5000):
                db.execute(insert(table), data[s:s + 5000])
        db.commit()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--resources", type=int, default=50_000)
    ap.add_argument("--people", type=int, default=5_000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "dss_draft.json"))
    args = ap.parse_args()

    from fastapi.testclient import TestClient

    from command.app import create_app
    from command.services.auth import add_user, issue_token
    from command.demo_seed import import_plan
    from watchpost.config import parse_config
    from watchpost.db import session_scope
    from watchpost.db.migrate import upgrade

    tmp = Path(tempfile.mkdtemp(prefix="dss_draft_"))
    url = f"sqlite:///{tmp / 'wp.sqlite'}"
    upgrade(url)
    cfg = parse_config({"storage": {"url": url}, "park_name": "演示园区",
                        "vision": {"media_root": str(tmp / "media"), "spool_path": str(tmp / "spool.sqlite")},
                        "comms": {"audio_dir": str(tmp / "audio")},
                        "map": {"site_plan": str(DEMO / "site_plan.geojson"), "road_graph": str(DEMO / "road_graph.json")}},
                       environ={})
    app = create_app(cfg, run_background=False)
    with session_scope(app.state.wp.sessions) as db:
        tokens = {r: issue_token(db, add_user(db, r, "Password-1-" + r, r), "api", None) for r in ("commander", "duty_officer")}
    t0 = time.perf_counter()
    _seed(app, args.resources, args.people, random.Random(25))
    seed_s = time.perf_counter() - t0

    with TestClient(app) as c:
        op = {"Authorization": f"Bearer {tokens['duty_officer']}"}
        c.headers["Authorization"] = f"Bearer {tokens['commander']}"  # files, reviews and publishes the demo plan
        import_plan(c)
        inc = c.post("/api/incidents", json={"type": "leak", "title": "罐区A苯泄漏", "level": "orange",
                                             "location": {"name": "罐区A", "site": "tank-farm-a",
                                                          "lon": RELEASE[0], "lat": RELEASE[1]}}, headers=op).json()["id"]
        sim_in = {"incident_id": inc, "model": "plume_footprint", "substance": "benzene",
                  "params": {"release_rate_kg_s": 5.0, "grid_n": 500},
                  "weather": {"source": "manual", "wind_speed_m_s": 2.0, "wind_from_deg": 270.0, "stability": "F"}}
        times: dict[str, list[float]] = {"simulation": [], "draft": [], "cap": [], "total": []}
        last = None
        for k in range(args.runs + 1):  # the first is a warm-up
            a = time.perf_counter()
            r = c.post("/api/simulations", json=sim_in, headers=op)
            b = time.perf_counter()
            assert r.status_code == 201, r.text
            sim = r.json()
            r = c.post(f"/api/incidents/{inc}/response-drafts", json={"simulation_id": sim["id"]}, headers=op)
            cc = time.perf_counter()
            assert r.status_code == 201, r.text
            draft = r.json()
            x = c.get(f"/api/response-drafts/{draft['id']}/cap.xml", headers=op)
            d = time.perf_counter()
            assert x.status_code == 200, x.text
            if k:
                for key, v in (("simulation", b - a), ("draft", cc - b), ("cap", d - cc), ("total", cc - a)):
                    times[key].append(v * 1000)
            last = (sim, draft)
    sim, draft = last
    body = draft["body"]
    sizes = {"resources": args.resources, "people_positions": args.people,
             "zones": [(z["name"], z["level"], z["counts"]["people"], z["counts"]["resources"]) for z in sim["zones"]],
             "sms_recipients": sum(len(w["recipients"]) for w in body["warnings"] if w["channel"] == "sms"),
             "routes": sum(len(z["routes"]) for z in body["zones"]), "resources_offered": len(body["resources"]),
             "flagged": sum(1 for r in body["resources"] if r["flags"]), "action_cards": len(body["action_cards"])}
    rows = [{"step": k, "median_ms": round(statistics.median(v), 1), "min_ms": round(min(v), 1),
             "max_ms": round(max(v), 1)} for k, v in times.items()]
    labels = {"simulation": "POST /api/simulations (footprint + zones + people/resources inside)",
              "draft": "POST /api/incidents/{id}/response-drafts", "cap": "GET /api/response-drafts/{id}/cap.xml",
              "total": "simulation + draft"}
    print(f"{args.resources} resources, {args.people} positions, {args.runs} runs (+1 warm-up), seeded in {seed_s:.1f} s")
    print(f"{'step':70} {'median ms':>10} {'min':>8} {'max':>8}")
    for r in rows:
        print(f"{labels[r['step']]:70} {r['median_ms']:>10} {r['min_ms']:>8} {r['max_ms']:>8}")
    print("zones (name, level, people, resources):", sizes["zones"])
    print(f"SMS recipients {sizes['sms_recipients']}, routes {sizes['routes']}, resources offered "
          f"{sizes['resources_offered']} ({sizes['flagged']} flagged), action cards {sizes['action_cards']}")
    total = next(r for r in rows if r["step"] == "total")
    result = {"machine": platform.machine(), "cpus": os.cpu_count(), "python": platform.python_version(),
              "database": "sqlite", "runs": args.runs, "budget_ms": 2000, "within_budget": total["median_ms"] <= 2000,
              "rows": rows, "sizes": sizes, "at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
