"""Benchmark (issue #7): plan search, matching, one-click activation and nearest resources at scale.

Loads 5,000 plans (Chinese text, digital splits) and 50,000 resources into a fresh database,
then times, through the same service functions the API calls:
  search      plan_search.search: 3+ character terms (trigram FTS / pg_trgm), 2-character fallback, filters
  match       activation.match for an incident (SQL pre-filter on type + ranking)
  activation  activation.activate: tasks from 12 action cards + notifications to 200 recipients
              (outbox rows) + reservations from the 50,000-resource pool + incident transition, one commit
  nearest     resources.nearest_by_road over a 20×20 road grid, 50,000 located resources (growing
              bounding box read from SQL, then exact road routing; checked against routing all)

    .venv/bin/python bench/plans_load.py [--backend sqlite|postgres|both] [--plans 5000] [--resources 50000]

Prints a table and writes bench/results/plans_load.json.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TYPES = ["leak", "fire", "explosion", "poisoning", "spill", "power_failure", "flood", "gas"]
SUBSTANCES = ["苯", "甲醇", "液氯", "氨", "硫化氢", "丙烯", "环氧乙烷", "硝酸", "乙炔", "氢气"]
SITES = [f"site-{i}" for i in range(40)]
CATS = [f"物资类{i}" for i in range(50)]
WORDS = ["储罐", "泄漏", "火灾", "爆炸", "中毒", "疏散", "堵漏", "监测", "警戒", "洗消", "救援", "报警", "关阀", "围堰",
         "泡沫", "隔离", "通风", "医疗", "转移", "封控"]
TARGETS = {"search": 1000, "match": 500, "activation": 1000, "nearest": 500}


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def structured(rng: random.Random, recipients: int = 3, cards: int = 4) -> dict:
    roles = [f"角色{i}" for i in range(cards)]
    return {
        "triggers": {"incident_types": rng.sample(TYPES, 2), "substances": rng.sample(SUBSTANCES, 2),
                     "sites": rng.sample(SITES, 1) if rng.random() < 0.7 else [], "keywords": rng.sample(WORDS, 3)},
        "response_levels": [{"level": "I", "condition": {"min_casualties": 3}},
                            {"level": "II", "condition": {"incident_levels": ["red", "orange"]}},
                            {"level": "III"}],
        "organisation": [{"role": r} for r in roles],
        "action_cards": [{"id": f"c{i}", "role": roles[i], "action": f"{rng.choice(WORDS)}{rng.choice(WORDS)}处置第{i}步",
                          "order": i, "deadline_min": 5 * (i + 1)} for i in range(cards)],
        "resources": [{"kind": "material", "category": rng.choice(CATS), "quantity": 5}],
        "notifications": [{"channel": "sms", "recipients": [f"+86139{n:08d}" for n in range(recipients)],
                           "roles_on_duty": roles[:2], "message": "请立即到岗"}],
    }


def road_grid(n: int = 20) -> dict:
    nodes = {f"g{i}_{j}": [121.40 + i * 0.001, 30.80 + j * 0.0009] for i in range(n) for j in range(n)}
    edges = [[f"g{i}_{j}", f"g{i + 1}_{j}"] for i in range(n - 1) for j in range(n)]
    edges += [[f"g{i}_{j}", f"g{i}_{j + 1}"] for i in range(n) for j in range(n - 1)]
    return {"nodes": nodes, "edges": edges}


def run(backend: str, n_plans: int, n_res: int, reps: int, workdir: Path) -> dict:
    from command.app import create_app
    from command.db.models.plans import Plan
    from command.db.models.resources import Resource
    from command.domain.plan_match import IncidentFacts
    from command.domain.routing import RoadGraph, nearest
    from command.services import activation, duty, incidents, plan_search, plans
    from command.services import resources as res
    from watchpost.config import parse_config
    from watchpost.db.migrate import upgrade

    if backend == "sqlite":
        url = f"sqlite:///{workdir / 'bench.sqlite'}"
        pg = None
    else:
        from watchpost.throwaway import PostgresServer, find_pg_bin

        pg = PostgresServer(find_pg_bin()).start()
        url = pg.create_database("plansbench")
    upgrade(url)
    cfg = parse_config({"storage": {"url": url}, "comms": {"audio_dir": str(workdir / "audio")},
                        "vision": {"media_root": str(workdir / "m"), "spool_path": str(workdir / "s.sqlite")}}, environ={})
    app = create_app(cfg, run_background=False)
    st = app.state.wp
    rng = random.Random(7)
    t0 = time.perf_counter()
    now = st.clock.now()
    with st.sessions() as db:
        for start in range(0, n_plans, 500):
            batch = []
            for i in range(start, min(n_plans, start + 500)):
                sp = structured(rng)
                scope = rng.choice(["park", "enterprise", "enterprise", "authority"])
                p = Plan(scope=scope, title=f"{rng.choice(SUBSTANCES)}{rng.choice(WORDS)}专项应急预案{i}",
                         enterprise=f"企业{i % 300}", hazard_types=sp["triggers"]["incident_types"], level="专项",
                         status={"park": "published", "enterprise": "accepted", "authority": "reference"}[scope],
                         version=1, body="。".join(rng.choice(WORDS) + rng.choice(SUBSTANCES) + rng.choice(WORDS)
                                                  for _ in range(60)),
                         structured=sp, match_spec=plans.match_spec(sp), trigger_types="|" + "|".join(sp["triggers"]["incident_types"]) + "|",
                         created_by="bench", created_at=now, updated_at=now - timedelta(minutes=i))
                batch.append(p)
            db.add_all(batch)
            db.flush()
            for p in batch:
                plan_search.reindex(db, p)
        db.commit()
        today = date.today()
        kinds = ["material"] * 6 + ["team", "vehicle", "expert", "shelter", "medical_point"]
        for start in range(0, n_res, 5000):
            db.add_all(Resource(kind=rng.choice(kinds), name=f"资源{i}", category=rng.choice(CATS),
                                site=rng.choice(SITES), lon=121.40 + rng.random() * 0.019, lat=30.80 + rng.random() * 0.017,
                                quantity=rng.randint(1, 200), status="available",
                                expires_on=today + timedelta(days=rng.randint(-30, 900)))
                       for i in range(start, min(n_res, start + 5000)))
            db.flush()
        db.commit()
        for r in range(12):
            duty.add_shift(db, st, "bench", duty.ShiftIn(role=f"角色{r}", person=f"值班员{r}", phone=f"+86138{r:08d}",
                                                         starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=12)))
    load_s = time.perf_counter() - t0

    timings: dict[str, list[float]] = {k: [] for k in TARGETS}
    with st.sessions() as db:
        queries = [dict(q=rng.choice(SUBSTANCES) + rng.choice(WORDS)) for _ in range(reps)]
        queries += [dict(q=rng.choice(WORDS)) for _ in range(reps)]  # 2 characters: LIKE fallback on SQLite
        queries += [dict(q=rng.choice(WORDS) + rng.choice(SUBSTANCES), scope="enterprise", hazard_type=rng.choice(TYPES))
                    for _ in range(reps)]
        hits = 0
        for q in queries:
            t = time.perf_counter()
            hits += len(plan_search.search(db, **q))
            timings["search"].append((time.perf_counter() - t) * 1000)
        for _ in range(reps):
            f = IncidentFacts(type=rng.choice(TYPES), level=rng.choice(["red", "orange", "yellow"]),
                              substance=rng.choice(SUBSTANCES), site=rng.choice(SITES), casualties=rng.randint(0, 5))
            t = time.perf_counter()
            m = activation.match(db, f)
            timings["match"].append((time.perf_counter() - t) * 1000)
            assert m, "every type has plans"
        # Activation: a published park plan with 12 cards and 200 SMS recipients.
        big = plans.create(db, st, "bench", plans.PlanIn(scope="park", title="大规模通知预案", hazard_types=["leak"],
                                                          structured=structured(rng, recipients=200, cards=12)))
        for a in ("submit_review",):
            plans.step(db, st, "bench", big.id, a)
        plans.add_review(db, st, "bench", big.id, "同意", True)
        plans.step(db, st, "bench", big.id, "conclude_review")
        plans.step(db, st, "bench", big.id, "publish")
        notified = 0
        for i in range(max(10, reps // 2)):
            inc = incidents.create(db, st, "bench", type_="leak", title=f"演练事件{i}", level="orange",
                                   location={"name": "罐区", "site": "site-1", "lon": 121.405, "lat": 30.805})
            db.commit()
            incidents.transition(db, st, inc.id, "verified", "bench")
            db.commit()
            t = time.perf_counter()
            out = activation.activate(db, st, "bench", inc.id, activation.ActivateIn(plan_id=big.id, response_level="II"))
            timings["activation"].append((time.perf_counter() - t) * 1000)
            notified = out["notifications"]
            assert len(out["tasks"]) == 12
        graph = RoadGraph(road_grid(20))
        for _ in range(reps):
            origin = (121.40 + rng.random() * 0.019, 30.80 + rng.random() * 0.017)
            t = time.perf_counter()
            routes = res.nearest_by_road(db, graph, origin, None, None, k=5)
            timings["nearest"].append((time.perf_counter() - t) * 1000)
            assert len(routes) == 5
        n_targets = len(res.locatable(db, None, None))
        # Exactness check against routing every located resource.
        full = nearest(graph, origin, res.locatable(db, None, None), k=5)
        assert [r.target_id for r in full] == [r.target_id for r in routes], "bbox search must be exact"
    app.state.wp.engine.dispose()
    if pg:
        pg.stop()
    rows = {k: {"n": len(v), "p50_ms": round(statistics.median(v), 1), "p95_ms": round(pct(v, 95), 1),
                "max_ms": round(max(v), 1), "target_ms": TARGETS[k], "ok": pct(v, 95) <= TARGETS[k]}
            for k, v in timings.items()}
    return {"backend": backend, "plans": n_plans, "resources": n_res, "load_s": round(load_s, 1),
            "search_hits": hits, "notifications_per_activation": notified, "nearest_targets": n_targets,
            "road_nodes": 400, "results": rows}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", default="sqlite", choices=["sqlite", "postgres", "both"])
    ap.add_argument("--plans", type=int, default=5000)
    ap.add_argument("--resources", type=int, default=50000)
    ap.add_argument("--reps", type=int, default=40)
    a = ap.parse_args()
    out = []
    for b in (["sqlite", "postgres"] if a.backend == "both" else [a.backend]):
        with tempfile.TemporaryDirectory() as d:
            r = run(b, a.plans, a.resources, a.reps, Path(d))
        out.append(r)
        print(f"\n{b}: {r['plans']} plans, {r['resources']} resources (load {r['load_s']} s), "
              f"{r['notifications_per_activation']} notifications/activation, {r['nearest_targets']} routed targets")
        print(f"{'operation':<12}{'n':>5}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}{'target':>10}  ok")
        for k, v in r["results"].items():
            print(f"{k:<12}{v['n']:>5}{v['p50_ms']:>10}{v['p95_ms']:>10}{v['max_ms']:>10}{v['target_ms']:>10}  {v['ok']}")
    res_dir = ROOT / "bench" / "results"
    res_dir.mkdir(parents=True, exist_ok=True)
    (res_dir / "plans_load.json").write_text(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
