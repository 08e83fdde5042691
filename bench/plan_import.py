"""Benchmark (issue #24): the plan drafter on real published plans, against hand-checked splits.

For every plan in var/plan-corpus/<slug>.docx with a gold split in bench/plan_gold/<slug>.yaml, runs
the real import path (plan_reader.read_document + plan_document.draft_plan), times it (median of
--repeat runs) and scores each field of the draft against the gold: precision and recall, after
normalising whitespace and punctuation.

  roles               equal, or one contains the other
  levels              level id; min_casualties separately (of the gold levels that state one)
  action_cards        recall of the gold (role, deadline_min) pairs; count ratio draft/gold
  resources           category containment and quantity equal
  reporting_chain     target (containment) and within_min equal
  reporting_contents  containment
  hazards             the incident types and substances of the drafted hazards vs the gold's
  scenario_cards      title containment;  protection: zone;  termination: counts
  incident_types, substances: sets;  outline: heading titles (precision only where the gold lists
                      every heading)
A gold field that is null was not measured (the retrieved text lacks that part).

    .venv/bin/python bench/plan_import.py [--corpus var/plan-corpus] [--repeat 3]

Prints a table (per plan and field, plus totals) and writes bench/results/plan_import.json.
The corpus is not in the repository (the plans' text, see docs/benchmarks.md for the sources);
without it the script says how to get it and exits 0.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from command.domain.plan_document import draft_plan  # noqa: E402
from command.domain.plan_headings import strip_number  # noqa: E402
from command.services.plan_reader import read_document  # noqa: E402

GOLD = ROOT / "bench" / "plan_gold"
FIELDS = ("roles", "levels", "min_casualties", "action_cards", "action_count", "resources", "reporting_chain",
          "reporting_contents", "hazards", "scenario_cards", "protection", "termination", "incident_types",
          "substances", "outline")


def norm(s: str) -> str:
    # An attachment's number is a heading number too: "附件1：企业概况" and "企业概况" are one heading
    # (the gold files write it both ways; strip_number strips "1.2" and "（一）" but not "附件1：").
    s = re.sub(r"^(附件|附录)\s*\d+\s*[：:、.．]?\s*(?=\S)", "", strip_number(str(s)))
    return re.sub(r"[\s\u3000，,。.、；;：:（）()【】\[\]《》“”\"'‘’·\-—_/|]+", "", s).lower()


def near(a: str, b: str) -> bool:
    a, b = norm(a), norm(b)
    return bool(a) and bool(b) and (a == b or a in b or b in a)


def match(draft: list, gold: list, same) -> tuple[int, int, int]:
    """(matched, len(draft), len(gold)) with one-to-one greedy matching."""
    used: set[int] = set()
    hit = 0
    for g in gold:
        for i, d in enumerate(draft):
            if i not in used and same(d, g):
                used.add(i)
                hit += 1
                break
    return hit, len(draft), len(gold)


def count_score(n_draft: int, n_gold: int) -> tuple[int, int, int]:
    return min(n_draft, n_gold), n_draft, n_gold


def score(plan, gold: dict) -> dict[str, tuple[int, int, int] | None]:
    s = plan.structured
    out: dict[str, tuple[int, int, int] | None] = {f: None for f in FIELDS}
    if gold.get("roles") is not None:
        out["roles"] = match([r.role for r in s.organisation], gold["roles"], near)
    if gold.get("levels") is not None:
        placeholder = "response_levels" in plan.missing
        drafted = [] if placeholder else list(s.response_levels)
        out["levels"] = match([r.level for r in drafted], [g["level"] for g in gold["levels"]], lambda d, g: d == g)
        stated = [g for g in gold["levels"] if g.get("min_casualties")]
        if stated:
            by = {r.level: r.condition.min_casualties for r in drafted}
            hit = sum(1 for g in stated if by.get(g["level"]) == g["min_casualties"])
            out["min_casualties"] = (hit, sum(1 for r in drafted if r.condition.min_casualties), len(stated))
    if gold.get("action_cards") is not None:
        ac = gold["action_cards"]
        pairs = [(c.role, c.deadline_min) for c in s.action_cards if c.deadline_min is not None]
        if ac.get("with_deadline"):
            gp = [(p["role"], p["deadline_min"]) for p in ac["with_deadline"]]
            out["action_cards"] = match(pairs, gp, lambda d, g: near(d[0], g[0]) and d[1] == g[1])
        else:  # no gold deadline: every drafted (role, deadline) is a false one
            out["action_cards"] = (0, len(pairs), 0)
        out["action_count"] = count_score(len(s.action_cards), ac["count"])
    if gold.get("resources") is not None:
        out["resources"] = match([(r.category, r.quantity) for r in s.resources], gold["resources"],
                                 lambda d, g: near(d[0], g["category"]) and float(d[1]) == float(g["quantity"]))
    if gold.get("reporting_chain") is not None:
        out["reporting_chain"] = match([(c.to, c.within_min) for c in s.reporting.chain], gold["reporting_chain"],
                                       lambda d, g: near(d[0], g["to"]) and d[1] == g["within_min"])
    if gold.get("reporting_contents") is not None:
        out["reporting_contents"] = match(list(s.reporting.contents), gold["reporting_contents"], near)
    if gold.get("hazards") is not None:
        tokens: list[str] = []
        for h in s.hazards:
            tokens += [t for t in h.incident_types + h.substances if t not in tokens]
        out["hazards"] = match(tokens, gold["hazards"], lambda d, g: d == g)
    if gold.get("scenario_cards") is not None:
        out["scenario_cards"] = match([c.title for c in s.scenario_cards], gold["scenario_cards"], near)
    if gold.get("protection") is not None:
        out["protection"] = match([p.zone for p in s.protection], gold["protection"], near)
    if gold.get("termination") is not None:
        out["termination"] = count_score(len(s.termination), gold["termination"]["count"])
    if gold.get("incident_types") is not None:
        types = [t for t in s.triggers.incident_types if t != "unspecified"]
        out["incident_types"] = match(types, gold["incident_types"], lambda d, g: d == g)
    if gold.get("substances") is not None:
        out["substances"] = match(list(s.triggers.substances), gold["substances"], lambda d, g: d == g)
    if gold.get("outline") is not None:
        titles = [o.title for o in s.outline]
        hit, n_draft, n_gold = match(titles, gold["outline"], lambda d, g: norm(d) == norm(g))
        out["outline"] = (hit, n_draft if gold.get("outline_complete", True) else -1, n_gold)
    return out


def pr(t: tuple[int, int, int] | None) -> tuple[float | None, float | None]:
    if t is None:
        return None, None
    hit, n_draft, n_gold = t
    p = None if n_draft < 0 else (hit / n_draft if n_draft else (1.0 if n_gold == 0 else 0.0))
    r = hit / n_gold if n_gold else None
    return p, r


def fmt(x: float | None) -> str:
    return "  –  " if x is None else f"{x:5.2f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=str(ROOT / "var" / "plan-corpus"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "plan_import.json"))
    args = ap.parse_args()
    corpus = Path(args.corpus)
    golds = sorted(GOLD.glob("*.yaml"))
    plans = [(g, corpus / f"{g.stem}.docx") for g in golds if (corpus / f"{g.stem}.docx").exists()]
    if not plans:
        print(f"No plan corpus at {corpus}: the plans' text is not in the repository. The sources (title, "
              "issuer, URL) are listed in bench/plan_gold/*.yaml and docs/benchmarks.md (issue #24); build "
              f"{corpus}/<slug>.docx from them (one paragraph per line, tables as tables, personal names and "
              "phone numbers replaced) and run again.")
        return 0
    results, totals = [], {f: [0, 0, 0, 0] for f in FIELDS}  # hit, n_draft (scored), n_gold, hit for precision
    for gold_path, doc in plans:
        gold = yaml.safe_load(gold_path.read_text(encoding="utf-8"))
        data = doc.read_bytes()
        times, draft, paragraphs = [], None, []
        for _ in range(max(1, args.repeat)):
            t0 = time.perf_counter()
            paragraphs = read_document(doc.name, data)
            draft = draft_plan(paragraphs, doc.name)
            times.append(time.perf_counter() - t0)
        scores = score(draft, gold)
        row = {"plan": gold_path.stem, "title": gold["source"]["title"], "paragraphs": len(paragraphs),
               "seconds_median": statistics.median(times), "fields": {}}
        for f, t in scores.items():
            p, r = pr(t)
            row["fields"][f] = {"counts": t, "precision": p, "recall": r}
            if t is not None:
                hit, n_draft, n_gold = t
                totals[f][0] += hit
                totals[f][2] += n_gold
                if n_draft >= 0:
                    totals[f][1] += n_draft
                    totals[f][3] += hit
        results.append(row)

    head = f"{'field':20}" + "".join(f"{r['plan'][:10]:>13}" for r in results) + f"{'total':>13}"
    print("precision/recall per field (– = not measured)")
    print(head)
    total_pr: dict[str, dict] = {}
    for f in FIELDS:
        cells = []
        for r in results:
            x = r["fields"][f]
            cells.append(f"{fmt(x['precision'])}/{fmt(x['recall'])}".rjust(13))
        hit, n_draft, n_gold, hit_p = totals[f]
        p = hit_p / n_draft if n_draft else None
        rc = hit / n_gold if n_gold else None
        total_pr[f] = {"precision": p, "recall": rc, "hit": hit, "drafted": n_draft, "gold": n_gold}
        print(f"{f:20}" + "".join(cells) + f"{fmt(p)}/{fmt(rc)}".rjust(13))
    print(f"{'paragraphs':20}" + "".join(f"{r['paragraphs']:>13}" for r in results))
    print(f"{'ms (median)':20}" + "".join(f"{r['seconds_median'] * 1000:>13.1f}" for r in results))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"plans": results, "totals": total_pr, "repeat": args.repeat}, ensure_ascii=False,
                              indent=1), encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
