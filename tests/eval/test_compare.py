"""A candidate model is judged against its base on the sources it never trained on (VID-12)."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from vision.eval import compare
from watchpost.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _brief(ap: float, rec: float, neg: int = 0, alarmed: int = 0, n: int = 30) -> dict:
    return {"n_images": n, "classes": {"fire": {"ap50": ap, "image_level": {"recall": rec}}},
            "negative_images": neg, "negatives_alarmed": alarmed}


def _report(by_source: dict[str, dict]) -> dict:
    n = sum(b["n_images"] for b in by_source.values())
    aps = [b["classes"]["fire"]["ap50"] for b in by_source.values()]
    return {"n_images": n, "by_source": by_source,
            "classes": {"fire": {"ap50": sum(aps) / len(aps), "image_level": {"recall": 0.9}}},
            "hard_negatives": {"negative_images": sum(b["negative_images"] for b in by_source.values()),
                               "with_false_positive": sum(b["negatives_alarmed"] for b in by_source.values())}}


def test_a_gain_on_seen_data_does_not_excuse_a_loss_on_held_out_data():
    cand = _report({"f8": _brief(0.95, 1.0), "web": _brief(0.40, 0.9)})
    base = _report({"f8": _brief(0.60, 0.9), "web": _brief(0.55, 0.9)})
    rows = compare.compare({"set": (cand, base)}, {"f8"})
    ok, reasons = compare.verdict(rows)
    assert not ok and reasons == ["set/web: fire AP50"]
    assert next(r for r in rows if r.source == "f8").seen
    assert "LOSES" in compare.table(rows)


def test_more_negatives_alarmed_is_a_loss_and_small_differences_are_not():
    cand = _report({"cn": _brief(0.5, 0.9, neg=20, alarmed=5), "f8": _brief(0.745, 0.9)})
    base = _report({"cn": _brief(0.5, 0.9, neg=20, alarmed=1), "f8": _brief(0.75, 0.9)})
    ok, reasons = compare.verdict(compare.compare({"s": (cand, base)}, set()))
    assert not ok and reasons[0] == "s/cn: negatives alarmed"
    assert all("f8" not in r for r in reasons)  # 0.005 lower is within the tolerance


def test_a_source_too_small_to_say_anything_is_shown_not_judged():
    small = (_report({"web": _brief(0.2, 0.5, n=2)}), _report({"web": _brief(0.9, 1.0, n=2)}))
    large = (_report({"f8": _brief(0.9, 1.0)}), _report({"f8": _brief(0.9, 1.0)}))
    rows = compare.compare({"s": small, "t": large}, set())
    assert compare.verdict(rows) == (True, [])
    assert "too few images to judge" in compare.table(rows)
    assert compare.verdict(rows, min_images=1)[0] is False


def test_nothing_held_out_proves_nothing():
    cand = base = _report({"f8": _brief(0.9, 1.0)})
    ok, reasons = compare.verdict(compare.compare({"s": (cand, base)}, {"s"}))
    assert not ok and "no held-out source" in reasons[0]


def _tiny_set(shared_dir: Path, out: Path) -> Path:
    """Three f8 images with fire or smoke and three cn negatives from the dev val split."""
    src = shared_dir / "data" / "firesmoke"
    for sub in ("images/val", "labels/val"):
        (out / sub).mkdir(parents=True)
    picked = {"f8": 0, "cn": 0}
    for img in sorted((src / "images" / "val").glob("*.jpg")):
        tag = img.name.split("_")[0]
        label = src / "labels" / "val" / f"{img.stem}.txt"
        if tag in picked and picked[tag] < 3 and (tag == "cn" or label.read_text().strip()):
            shutil.copy(img, out / "images/val" / img.name)
            shutil.copy(label, out / "labels/val" / label.name)
            picked[tag] += 1
    (out / "data.yaml").write_text("path: .\nval: images/val\nnames:\n  0: fire\n  1: smoke\n")
    return out


def test_compare_command_on_a_small_sample(shared_dir: Path, tmp_path: Path):
    """The shipped fire/smoke model against itself: no loss anywhere, it ships; with every source marked
    seen there is nothing to judge it on, and the command says so with exit 1."""
    tiny = _tiny_set(shared_dir, tmp_path / "tiny")
    weights = str(ROOT / "models" / "firesmoke" / "best.onnx")
    args = ["vision", "compare", "--candidate", weights, "--base", weights, "--kind", "firesmoke",
            "--set", f"{tiny}:val", "--min-images", "1", "--out", str(tmp_path / "c.json")]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    assert "tiny/f8" in res.output and "tiny/cn" in res.output and "ships" in res.output
    res = CliRunner().invoke(main, [*args, "--seen", "f8", "--seen", "cn"])
    assert res.exit_code == 1 and "no held-out source" in res.output
    res = CliRunner().invoke(main, [*args[:-2], "--set", str(tmp_path / "nowhere")])
    assert res.exit_code == 2 and "--set" in res.output
