"""Benchmark: one plume footprint on a 500 × 500 grid (issue #25's budget: ≤ 200 ms on this box).

Times the registered ``plume_footprint`` model end to end (pydantic validation, the 1-D centreline profile,
the 500 × 500 grid, contourpy polygons for each threshold, lon/lat conversion) for a few release cases,
and reports the median of several runs after a warm-up. Wall clock (perf_counter), single process.

    .venv/bin/python bench/dss_plume.py [--runs 21] [--n 500] [--out bench/results/dss_plume.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from command.dss import registry  # noqa: E402

NH3 = {"molar_mass_g_mol": 17.03,  # ammonia, AEGL-1/2/3 (60 min) in ppm
       "thresholds": [{"name": "AEGL-3", "value": 1100, "unit": "ppm"}, {"name": "AEGL-2", "value": 160, "unit": "ppm"},
                      {"name": "AEGL-1", "value": 30, "unit": "ppm"}]}
CASES = [
    ("NH3 2 kg/s, ground, F, 2 m/s, 3 thresholds", dict(release_rate_kg_s=2.0, wind_speed=2.0, stability="F", **NH3)),
    ("NH3 2 kg/s, ground, D, 5 m/s, 3 thresholds", dict(release_rate_kg_s=2.0, wind_speed=5.0, stability="D", **NH3)),
    ("NH3 2 kg/s, 30 m stack, B urban, 3 m/s, 3 thresholds",
     dict(release_rate_kg_s=2.0, wind_speed=3.0, stability="B", terrain="urban", release_height_m=30.0, **NH3)),
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "dss_plume.json"))
    args = ap.parse_args()
    model = registry.get("plume_footprint")
    rows = []
    for label, params in CASES:
        params = {**params, "grid_n": args.n, "source_lon": 118.80, "source_lat": 32.10, "wind_from_deg": 45.0}
        model.run(model.inputs.model_validate(params))  # warm-up (imports, caches)
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            out = model.run(model.inputs.model_validate(params))
            times.append((time.perf_counter() - t0) * 1000)
        far = max(c.downwind_distance_m or 0.0 for c in out.contours)
        rows.append({"case": label, "grid": f"{args.n}x{args.n}", "median_ms": round(statistics.median(times), 1),
                     "min_ms": round(min(times), 1), "max_ms": round(max(times), 1),
                     "farthest_contour_m": round(far), "within_200ms": statistics.median(times) <= 200})
    print(f"{'case':58} {'grid':>9} {'median ms':>10} {'min':>7} {'max':>7} {'reach m':>8}")
    for r in rows:
        print(f"{r['case']:58} {r['grid']:>9} {r['median_ms']:>10} {r['min_ms']:>7} {r['max_ms']:>7} "
              f"{r['farthest_contour_m']:>8}")
    result = {"machine": platform.machine(), "cpus": os.cpu_count(), "python": platform.python_version(),
              "runs": args.runs, "budget_ms": 200, "rows": rows}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
