"""`watchpost vision eval` on the dev validation split reproduces the numbers shipped in models/ (VID-12)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from watchpost.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.parametrize("name,flag", [("person", "--weights-person"), ("firesmoke", "--weights-firesmoke")])
def test_eval_reproduces_shipped_numbers(shared_dir: Path, tmp_path: Path, name: str, flag: str) -> None:
    """VID-12: the card's numbers come from the harness and can be re-measured."""
    shipped = ROOT / "models" / name / "eval_val.json"
    if not shipped.is_file():
        pytest.skip(f"{shipped} not shipped")
    ref = json.loads(shipped.read_text())
    imgsz = next(iter(ref["detectors"].values()))["imgsz"]
    alarm = ref["thresholds"]["alarm"]
    # The shipped numbers were measured with the thresholds recorded in them, whatever config.py says now.
    env = {"WATCHPOST__VISION__RULES__FIRE_SMOKE__FIRE_THRESHOLD": str(alarm["fire"]),
           "WATCHPOST__VISION__RULES__FIRE_SMOKE__SMOKE_THRESHOLD": str(alarm["smoke"]),
           "WATCHPOST__VISION__RULES__OFF_POST__PERSON_THRESHOLD": str(alarm["person"])}
    out = tmp_path / "r.json"
    res = CliRunner(env=env).invoke(main, ["vision", "eval", "--set", str(shared_dir / "data" / name), "--split", "val",
                                    "--no-clips", "--imgsz", str(imgsz), flag, str(ROOT / "models" / name / "best.pt"),
                                    "--out", str(out)])
    assert res.exit_code == 0, res.output
    got = json.loads(out.read_text())["summary"]["images"]
    for cls, vals in ref["summary"]["images"].items():
        if isinstance(vals, dict):
            for k in ("ap50", "recall", "precision"):
                assert got[cls][k] == pytest.approx(vals[k], abs=0.005), (cls, k)
    assert got["hard_negative_false_positives"] == ref["summary"]["images"]["hard_negative_false_positives"]
