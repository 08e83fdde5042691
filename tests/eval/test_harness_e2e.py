"""`watchpost vision eval` end to end on a tiny hand-made set with known answers (VID-12, VID-13)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from watchpost.cli import main


def make_set(root: Path) -> None:
    (root / "images" / "val").mkdir(parents=True)
    (root / "labels" / "val").mkdir(parents=True)
    # The joint evaluation map, deliberately not the developer sets' ids (never assume the class map).
    (root / "data.yaml").write_text("path: .\nval: images/val\nnames:\n  0: person\n  1: fire\n  2: smoke\n")
    rng = np.random.default_rng(0)
    for stem in ("a", "b", "c", "d"):
        cv2.imwrite(str(root / "images" / "val" / f"{stem}.jpg"), rng.integers(0, 255, (100, 200, 3), np.uint8))
    # a: fire box 40x40 px centred at (50, 50); b: smoke; c: negative; d: no label file -> not in the set.
    (root / "labels" / "val" / "a.txt").write_text("1 0.25 0.5 0.2 0.4\n")
    (root / "labels" / "val" / "b.txt").write_text("2 0.5 0.5 0.5 0.5\n")
    (root / "labels" / "val" / "c.txt").write_text("")


def test_eval_cli_known_answers(tmp_path: Path) -> None:
    """VID-12: per-class AP/P/R, confusion, hard negatives and the HTML report from a predictions file."""
    make_set(tmp_path / "set")
    preds = {
        "a.jpg": [["fire", 0.9, 30, 30, 70, 70]],
        "c.jpg": [["smoke", 0.6, 10, 10, 50, 50], ["fire", 0.1, 0, 0, 20, 20]],
        "d.jpg": [["fire", 0.99, 0, 0, 10, 10]],  # not part of the set: must be ignored
    }
    (tmp_path / "preds.json").write_text(json.dumps(preds))
    out, html = tmp_path / "r" / "report.json", tmp_path / "r" / "report.html"
    res = CliRunner().invoke(main, ["vision", "eval", "--set", str(tmp_path / "set"), "--out", str(out),
                                    "--html", str(html), "--predictions", str(tmp_path / "preds.json")])
    assert res.exit_code == 0, res.output
    rep = json.loads(out.read_text())
    assert rep["schema"] == "watchpost.eval/1"
    s = rep["summary"]["images"]
    assert s["fire"]["ap50"] == 1.0 and s["fire"]["recall"] == 1.0 and s["fire"]["precision"] == 1.0
    assert s["smoke"]["ap50"] == 0.0 and s["smoke"]["recall"] == 0.0
    assert s["hard_negative_false_positives"] == 1.0 and s["negative_images"] == 1
    imgs = rep["images"]
    assert imgs["n_images"] == 3
    assert imgs["not_evaluated"] == ["person"]
    fp = imgs["hard_negatives"]["false_positive_images"]
    assert [Path(r["image"]).name for r in fp] == ["c.jpg"] and fp[0]["label"] == "smoke"
    conf = imgs["confusion"]
    m = {(p, a): conf["rows_predicted_cols_actual"][i][j]
         for i, p in enumerate(conf["labels"]) for j, a in enumerate(conf["labels"])}
    assert m[("fire", "fire")] == 1 and m[("background", "smoke")] == 1 and m[("smoke", "background")] == 1
    assert sum(m.values()) == 3
    assert rep["summary"]["clips"] is None
    page = html.read_text()
    assert "data:image/png;base64," in page and "data:image/jpeg;base64," in page


def test_eval_cli_image_level_and_by_source(tmp_path: Path) -> None:
    """VID-12: image-level figures in the summary, and --by-source scores each file-name prefix alone."""
    root = tmp_path / "set"
    make_set(root)
    for stem, new in (("a", "x_a"), ("b", "y_b"), ("c", "x_c")):
        (root / "images" / "val" / f"{stem}.jpg").rename(root / "images" / "val" / f"{new}.jpg")
        (root / "labels" / "val" / f"{stem}.txt").rename(root / "labels" / "val" / f"{new}.txt")
    # x_a: the 40x40 fire found in one larger box (box IoU 1/3: a box miss, an image hit).
    # x_c, a negative, alarms on smoke at 0.3 (over the 0.25 threshold, ranked under the true smoke).
    (tmp_path / "p.json").write_text(json.dumps({"x_a.jpg": [["fire", 0.9, 20, 20, 100, 60]],
                                                 "y_b.jpg": [["smoke", 0.8, 50, 25, 150, 75]],
                                                 "x_c.jpg": [["smoke", 0.3, 0, 0, 30, 30]]}))
    out, html = tmp_path / "r.json", tmp_path / "r.html"
    res = CliRunner().invoke(main, ["vision", "eval", "--set", str(root), "--out", str(out), "--html", str(html),
                                    "--predictions", str(tmp_path / "p.json"), "--by-source"])
    assert res.exit_code == 0, res.output
    rep = json.loads(out.read_text())
    s = rep["summary"]["images"]
    assert s["fire"]["ap50"] == 0.0 and s["fire"]["image_ap"] == 1.0 and s["fire"]["image_recall"] == 1.0
    assert s["smoke"]["ap50"] == 1.0 and s["smoke"]["image_recall"] == 1.0
    fire = rep["images"]["classes"]["fire"]["image_level"]
    assert (fire["images_with_class"], fire["images_alarmed"], fire["located_recall"]) == (1, 1, 1.0)
    # The fire box (0.9) is above every swept threshold: a box miss and an image hit at each of them.
    sweep = rep["images"]["classes"]["fire"]["threshold_sweep"]
    assert {(r["recall"], r["image_recall"]) for r in sweep} == {(0.0, 1.0)}
    by = rep["images"]["by_source"]
    assert sorted(by) == ["x", "y"]
    assert by["x"]["n_images"] == 2 and by["y"]["n_images"] == 1
    assert by["x"]["classes"]["fire"]["n_gt"] == 1 and by["x"]["classes"]["smoke"]["n_gt"] == 0
    assert by["y"]["classes"]["smoke"]["ap50"] == 1.0 and by["y"]["classes"]["fire"]["image_level"]["ap"] is None
    # Negatives are counted per source too: which source's negatives alarm.
    assert (by["x"]["negative_images"], by["x"]["negatives_alarmed"]) == (1, 1)
    assert (by["y"]["negative_images"], by["y"]["negatives_alarmed"]) == (0, 0)
    assert "By source" in html.read_text()
    # Without the flag there is no breakdown.
    res = CliRunner().invoke(main, ["vision", "eval", "--set", str(root), "--out", str(out),
                                    "--predictions", str(tmp_path / "p.json")])
    assert res.exit_code == 0 and json.loads(out.read_text())["images"]["by_source"] is None


@pytest.mark.skipif(not (shutil.which("chromium") or shutil.which("chromium-browser")),
                    reason="Debian chromium is not installed (make deps installs it)")
def test_eval_cli_prints_the_report_to_pdf(tmp_path: Path) -> None:
    """VID-12: the evaluator's report as a PDF for the acceptance file, without asking for the HTML too."""
    make_set(tmp_path / "set")
    (tmp_path / "p.json").write_text(json.dumps({"a.jpg": [["fire", 0.9, 30, 30, 70, 70]]}))
    out, pdf = tmp_path / "r.json", tmp_path / "out" / "report.pdf"
    res = CliRunner().invoke(main, ["vision", "eval", "--set", str(tmp_path / "set"), "--out", str(out),
                                    "--pdf", str(pdf), "--predictions", str(tmp_path / "p.json")])
    assert res.exit_code == 0, res.output
    data = pdf.read_bytes()
    assert data[:5] == b"%PDF-" and len(data) > 10_000  # the tables and the PR-curve plot, not an empty page
    assert not list(tmp_path.glob("out/*.tmp")) and not (tmp_path / "report.html").exists()


def test_eval_cli_conf_override_changes_threshold(tmp_path: Path) -> None:
    """VID-12: --conf 0.95 puts every box below the alarm threshold: recall 0, no hard-negative FP."""
    make_set(tmp_path / "set")
    (tmp_path / "p.json").write_text(json.dumps({"a.jpg": [["fire", 0.9, 30, 30, 70, 70]],
                                                 "c.jpg": [["smoke", 0.6, 10, 10, 50, 50]]}))
    out = tmp_path / "r.json"
    res = CliRunner().invoke(main, ["vision", "eval", "--set", str(tmp_path / "set"), "--out", str(out),
                                    "--predictions", str(tmp_path / "p.json"), "--conf", "0.95"])
    assert res.exit_code == 0, res.output
    s = json.loads(out.read_text())["summary"]["images"]
    assert s["fire"]["recall"] == 0.0 and s["fire"]["ap50"] == 1.0
    assert s["hard_negative_false_positives"] == 0.0


def test_eval_cli_bad_label_names_file_and_line(tmp_path: Path) -> None:
    """Bad input gets a clear error naming the file; no report is written."""
    make_set(tmp_path / "set")
    (tmp_path / "set" / "labels" / "val" / "b.txt").write_text("7 0.5 0.5 0.1 0.1\n")
    (tmp_path / "p.json").write_text("{}")
    out = tmp_path / "r.json"
    res = CliRunner().invoke(main, ["vision", "eval", "--set", str(tmp_path / "set"), "--out", str(out),
                                    "--predictions", str(tmp_path / "p.json")])
    assert res.exit_code != 0
    assert "b.txt:1" in res.output and "class id 7" in res.output
    assert not out.exists()


def test_source_tag_is_a_short_prefix_or_nothing() -> None:
    from vision.eval.images import source_of

    assert source_of(Path("fa_000343_jpg.rf.51.jpg")) == "fa"
    assert source_of(Path("cam03_0001.png")) == "cam03"
    assert source_of(Path("1-11-frame_0001.jpg")) == ""  # the person set's names: no tag
    assert source_of(Path("frame0001.jpg")) == ""


def test_report_examples_tell_frames_passed_over_from_boxes_missed() -> None:
    """VID-12: the HTML's example frames: an image whose fire got no alarm at all is shown apart from an
    image that alarmed but left a labelled box unmatched."""
    from vision.eval.detectors import Det
    from vision.eval.images import ImageOutcome
    from vision.eval.report import pick_examples

    fire = ("fire", (0.0, 0.0, 10.0, 10.0))
    smoke = ("smoke", (20.0, 20.0, 40.0, 40.0))
    hit = Det("fire", 0.9, (0.0, 0.0, 10.0, 10.0))
    passed_over = ImageOutcome(Path("p.jpg"), [fire, smoke], [hit], fp=0, fn=1)  # smoke never alarmed
    partly = ImageOutcome(Path("m.jpg"), [fire, fire], [hit], fp=0, fn=1)  # fire alarmed, one box unmatched
    good = ImageOutcome(Path("g.jpg"), [fire], [hit], fp=0, fn=0)
    negative = ImageOutcome(Path("n.jpg"), [], [Det("smoke", 0.4, (1.0, 1.0, 5.0, 5.0))], fp=1, fn=0)
    ex = pick_examples([passed_over, partly, good, negative])
    assert [o.path.name for o in ex["images with a class and no alarm for it"]] == ["p.jpg"]
    assert [o.path.name for o in ex["missed boxes in images that did alarm"]] == ["m.jpg"]
    assert [o.path.name for o in ex["correct"]] == ["g.jpg"]
    assert [o.path.name for o in ex["false positives on negative images"]] == ["n.jpg"]
