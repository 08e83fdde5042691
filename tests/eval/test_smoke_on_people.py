"""Fire/smoke hits on frames of seated people, with the smoke-on-person veto (VID-2, VID-3)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from vision.eval.smoke_on_people import analyse

ROOT = Path(__file__).resolve().parents[2]
SMOKY_CORNER = "2-26-_jpg.rf.a6610063ce4681b68852eddb3df5e026.jpg"  # a washed-out wall the model calls smoke


@pytest.mark.slow
def test_counts_frames_that_would_feed_the_rules(shared_dir: Path, tmp_path: Path, monkeypatch) -> None:
    src = shared_dir / "data" / "person"
    if not (ROOT / "models" / "firesmoke" / "best.pt").is_file():
        pytest.skip("models/firesmoke/best.pt not shipped")
    monkeypatch.chdir(ROOT)  # the config's weights paths are relative to the checkout
    (tmp_path / "images" / "val").mkdir(parents=True)
    (tmp_path / "labels" / "val").mkdir(parents=True)
    shutil.copyfile(src / "data.yaml", tmp_path / "data.yaml")
    picked = [SMOKY_CORNER] + sorted(p.name for p in (src / "images" / "val").glob("*.jpg"))[:2]
    for name in picked:
        split = "train" if (src / "images" / "train" / name).is_file() else "val"
        shutil.copyfile(src / "images" / split / name, tmp_path / "images" / "val" / name)
        shutil.copyfile(src / "labels" / split / (Path(name).stem + ".txt"),
                        tmp_path / "labels" / "val" / (Path(name).stem + ".txt"))
    res = analyse(tmp_path, ["val"])
    assert res["images"] == 3
    assert res["smoke_frames"] == [SMOKY_CORNER]  # not on a person, so the veto keeps it
    assert res["smoke_vetoed_frames"] == [] and res["fire_frames"] == []
    assert res["summary"]["smoke_frames"] == "1 / 3 (33.3 %)"
