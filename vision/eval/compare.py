"""Does a candidate model beat where it started on sources it never trained on? (VID-12)

A fine-tune on one room or one web set scores well on that set's validation split and can still lose to
its starting point everywhere else: the person fine-tune on one clinical room gained 0.15 AP50 on its
own val and lost to the COCO model on an office it never saw. So a model is judged by source: each
image set is split by source (file-name prefix, as ``--by-source``), the sources the candidate trained
on are marked seen, and on every held-out source the candidate must match its base within a tolerance
(box AP50 and image recall per class no lower, negatives alarmed no higher). The seen sources are shown
beside them, never counted for the verdict.

Pure scoring of two harness reports per set; ``vision.eval.compare_cli`` runs the models.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Figures:
    """One source's figures for one model: per class AP50 and image recall; negatives alarmed."""

    n_images: int
    ap50: dict[str, float | None]
    image_recall: dict[str, float | None]
    negatives: int
    negatives_alarmed: int

    @property
    def negative_rate(self) -> float | None:
        return self.negatives_alarmed / self.negatives if self.negatives else None


def figures_by_source(images_report: dict[str, Any]) -> dict[str, Figures]:
    """The harness's ``images.by_source`` table as Figures; the whole set under ``*``."""
    out: dict[str, Figures] = {}
    for src, b in (images_report.get("by_source") or {}).items():
        classes = b["classes"]
        out[src or "-"] = Figures(b["n_images"], {c: v["ap50"] for c, v in classes.items()},
                                  {c: v["image_level"]["recall"] for c, v in classes.items()},
                                  b["negative_images"], b["negatives_alarmed"])
    classes = images_report["classes"]
    hn = images_report["hard_negatives"]
    out["*"] = Figures(images_report["n_images"], {c: v["ap50"] for c, v in classes.items()},
                       {c: v["image_level"]["recall"] for c, v in classes.items()},
                       hn["negative_images"], hn["with_false_positive"])
    return out


@dataclass
class Row:
    set_name: str
    source: str
    seen: bool
    candidate: Figures
    base: Figures
    losses: list[str] = field(default_factory=list)


def _lost(c: float | None, b: float | None, tol: float, higher_is_better: bool = True) -> bool:
    if c is None or b is None:
        return False
    return c < b - tol if higher_is_better else c > b + tol


def is_seen(set_name: str, source: str, seen: set[str]) -> bool:
    """``seen`` names sources as ``prefix``, ``set/prefix`` or a whole ``set``."""
    return source in seen or f"{set_name}/{source}" in seen or set_name in seen


def compare(per_set: dict[str, tuple[dict[str, Any], dict[str, Any]]], seen: set[str],
            tolerance: float = 0.01) -> list[Row]:
    """Rows for every source of every set: ``per_set[name] = (candidate images report, base images report)``.
    A held-out row lists what the candidate lost on; the pooled row ``*`` of a set is held out only if
    every source in it is."""
    rows: list[Row] = []
    for name, (cand_rep, base_rep) in per_set.items():
        cand, base = figures_by_source(cand_rep), figures_by_source(base_rep)
        sources = [s for s in cand if s != "*"]
        for src in ([*sources, "*"] if len(sources) > 1 else ["*"]):
            if src not in base:
                continue
            seen_here = (any(is_seen(name, s, seen) for s in sources or ["-"]) if src == "*"
                         else is_seen(name, src, seen))
            row = Row(name, src, seen_here, cand[src], base[src])
            for cls in cand[src].ap50:
                if _lost(cand[src].ap50[cls], base[src].ap50.get(cls), tolerance):
                    row.losses.append(f"{cls} AP50")
                if _lost(cand[src].image_recall[cls], base[src].image_recall.get(cls), tolerance):
                    row.losses.append(f"{cls} image recall")
            if _lost(cand[src].negative_rate, base[src].negative_rate, tolerance, higher_is_better=False):
                row.losses.append("negatives alarmed")
            rows.append(row)
    return rows


def judged(r: Row, min_images: int) -> bool:
    """Held out and large enough to say something: a source of two images swings on one box."""
    return not r.seen and r.candidate.n_images >= min_images


def verdict(rows: list[Row], min_images: int = 20) -> tuple[bool, list[str]]:
    """Whether the candidate may ship (no loss on a held-out source of at least ``min_images``), and why not."""
    reasons = [f"{r.set_name}/{r.source}: {', '.join(r.losses)}" for r in rows if judged(r, min_images) and r.losses]
    held_out = [r for r in rows if judged(r, min_images)]
    if not held_out:
        return False, [f"no held-out source of {min_images}+ images: nothing shows generality"]
    return not reasons, reasons


def _f(v: float | None) -> str:
    return "-" if v is None else f"{v:.3f}"


def table(rows: list[Row], min_images: int = 20) -> str:
    """A plain-text table, a row per (set, source, class)."""
    lines = [f"{'set/source':<28} {'':>9} {'class':<7} {'images':>6} {'AP50 cand':>9} {'base':>6} "
             f"{'img rec cand':>12} {'base':>6} {'neg alarmed cand':>16} {'base':>6}  verdict"]
    for r in rows:
        for i, cls in enumerate(r.candidate.ap50 or {"-": None}):
            neg_c = _f(r.candidate.negative_rate) if i == 0 else ""
            neg_b = _f(r.base.negative_rate) if i == 0 else ""
            tag = "seen" if r.seen else "held-out"
            if r.seen or i:
                mark = ""
            elif not judged(r, min_images):
                mark = f"too few images to judge (< {min_images})"
            else:
                mark = "LOSES: " + ", ".join(r.losses) if r.losses else "ok"
            lines.append(f"{r.set_name + '/' + r.source:<28} {tag:>9} {cls:<7} {r.candidate.n_images:>6} "
                         f"{_f(r.candidate.ap50.get(cls)):>9} {_f(r.base.ap50.get(cls)):>6} "
                         f"{_f(r.candidate.image_recall.get(cls)):>12} {_f(r.base.image_recall.get(cls)):>6} "
                         f"{neg_c:>16} {neg_b:>6}  {mark}")
    return "\n".join(lines)


def as_json(rows: list[Row], ok: bool, reasons: list[str]) -> dict[str, Any]:
    def figs(f: Figures) -> dict[str, Any]:
        return {"n_images": f.n_images, "ap50": f.ap50, "image_recall": f.image_recall,
                "negatives": f.negatives, "negatives_alarmed": f.negatives_alarmed}

    return {"ships": ok, "reasons": reasons,
            "rows": [{"set": r.set_name, "source": r.source, "seen": r.seen, "losses": r.losses,
                      "candidate": figs(r.candidate), "base": figs(r.base)} for r in rows]}
