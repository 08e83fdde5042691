"""Image-set layouts an evaluator may hand over (../shared/spec/eval-format.md; VID-12)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from vision.eval.dataset import EvalSetError, load_clips, load_image_set
from watchpost.cli import main


def _image(folder: Path, stem: str, label: str | None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{stem}.jpg").write_bytes(b"\xff\xd8")  # never decoded here
    if label is not None:
        lbl = Path(str(folder).replace("images", "labels"))
        lbl.mkdir(parents=True, exist_ok=True)
        (lbl / f"{stem}.txt").write_text(label)


def test_split_folder_named_in_data_yaml(tmp_path: Path) -> None:
    """`val: images/test`: the default split `val` finds the folder data.yaml names for it."""
    (tmp_path / "data.yaml").write_text("path: .\nval: images/test\nnames: [fire, smoke, person]\n")
    _image(tmp_path / "images" / "test", "a", "2 0.5 0.5 0.2 0.2\n")
    _image(tmp_path / "images" / "test", "b", "")
    s = load_image_set(tmp_path, "val")
    assert [i.path.name for i in s.images] == ["a.jpg", "b.jpg"]
    assert s.images[0].boxes == (("person", 0.5, 0.5, 0.2, 0.2),) and s.images[1].negative


def test_roboflow_layout_labels_beside_images(tmp_path: Path) -> None:
    """`val: valid/images` (Roboflow export): labels come from `valid/labels`, ultralytics' rule; class
    names are matched whatever their case (`Fire` is fire)."""
    (tmp_path / "data.yaml").write_text("path: .\nval: valid/images\nnames: {0: Fire, 1: ' smoke', 2: PERSON}\n")
    _image(tmp_path / "valid" / "images", "x", "0 0.5 0.5 0.2 0.2\n")
    _image(tmp_path / "valid" / "images", "unlabelled", None)  # not part of the set
    s = load_image_set(tmp_path, "val")
    assert [(i.path.name, i.boxes[0][0]) for i in s.images] == [("x.jpg", "fire")]


def test_flat_set_ignores_split(tmp_path: Path) -> None:
    (tmp_path / "data.yaml").write_text("path: .\nnames: [fire]\n")
    _image(tmp_path / "images", "a", "0 0.5 0.5 0.2 0.2\n")
    s = load_image_set(tmp_path, "val")
    assert s.split is None and len(s.images) == 1


def test_missing_split_names_the_folders_there(tmp_path: Path) -> None:
    """No images/val and no such entry: the error lists the split folders instead of scoring 0 images."""
    (tmp_path / "data.yaml").write_text("path: .\nnames: [fire]\n")
    _image(tmp_path / "images" / "test", "a", "")
    _image(tmp_path / "images" / "train", "b", "")
    with pytest.raises(EvalSetError, match="it holds test, train: choose one with --split"):
        load_image_set(tmp_path, "val")


def test_images_without_labels_is_an_error_not_an_empty_report(tmp_path: Path) -> None:
    """The harness refuses a set with no labelled image rather than report on nothing."""
    (tmp_path / "data.yaml").write_text("path: .\nnames: [fire]\n")
    _image(tmp_path / "images", "a", None)
    assert load_image_set(tmp_path, None).images == ()
    res = CliRunner().invoke(main, ["vision", "eval", "--set", str(tmp_path), "--out", str(tmp_path / "r.json"),
                                    "--no-clips"])
    assert res.exit_code != 0 and "no image has a label file" in res.output
    assert not (tmp_path / "r.json").exists()


def test_data_yaml_that_is_not_a_mapping(tmp_path: Path) -> None:
    (tmp_path / "data.yaml").write_text("- fire\n- smoke\n")
    with pytest.raises(EvalSetError, match="must be a mapping"):
        load_image_set(tmp_path)


def _clips(tmp_path: Path, rec: dict[str, object]) -> Path:
    (tmp_path / "clips").mkdir(exist_ok=True)
    (tmp_path / "clips" / "a.mp4").write_bytes(b"")
    base = {"file": "clips/a.mp4", "fps": 10, "duration_s": 30, "kind": "off_post",
            "events": [{"type": "off_post", "start_s": 12}]}
    (tmp_path / "clips.json").write_text(json.dumps([{**base, **rec}]))
    return tmp_path / "clips.json"


@pytest.mark.parametrize("rec,why", [
    ({"roi": None}, "record 0: `roi` (the duty post's polygon) is required for off_post and on_post clips"),
    ({"kind": "on_post", "events": [], "roi": None}, "`roi` (the duty post's polygon) is required"),
    ({"roi": [[0.1, 0.1], [0.9, 0.1]]}, "field `roi`: a polygon needs at least 3 points"),
    ({"roi": [[64, 36], [600, 36], [600, 300]]}, "field `roi`: points are normalized 0-1"),
    ({"events": [{"type": "off_post", "start_s": -1}]}, "field `events.0.start_s`"),
])
def test_clip_records_that_cannot_be_scored_are_refused(tmp_path: Path, rec: dict[str, object], why: str) -> None:
    """A post clip without its post, or drawn in pixels, would score every event a miss: refuse it by name."""
    with pytest.raises(EvalSetError, match=re.escape(why)):
        load_clips(_clips(tmp_path, rec))


def test_post_clip_with_its_roi_loads(tmp_path: Path) -> None:
    (clip,) = load_clips(_clips(tmp_path, {"roi": [[0.1, 0.1], [0.9, 0.1], [0.5, 0.9]]}))
    assert clip.record.roi == [(0.1, 0.1), (0.9, 0.1), (0.5, 0.9)]
