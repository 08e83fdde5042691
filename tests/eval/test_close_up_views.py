"""Close-up training views (VID-1, VID-2, VID-13): crops that cut through a fire box, labels clipped
to the crop, generated into the scratch copy and never into the source set."""

from __future__ import annotations

import random
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from pydantic import ValidationError

from vision.train.close_up_views import MIN_SIDE_PX, clip_labels, views_of, write_views
from vision.train.data_prep import CloseUps, prepare
from vision.train.recipe import Recipe
from watchpost.cli import main


def test_clip_labels_box_filling_the_window_becomes_the_whole_crop() -> None:
    labels = clip_labels([(0, 20.0, 20.0, 80.0, 80.0)], ix=35, iy=35, side=30)
    assert labels == [(0, 0.5, 0.5, 1.0, 1.0)]


def test_clip_labels_keeps_boxes_inside_and_drops_slivers_and_scraps() -> None:
    boxes = [
        (1, 110.0, 110.0, 130.0, 130.0),  # wholly inside: kept as it is
        (0, 0.0, 0.0, 101.0, 300.0),      # 1 px of it inside: a sliver
        (0, 150.0, 150.0, 600.0, 600.0),  # 4 % of it visible, covering 25 % of the crop: kept
        (1, 190.0, 0.0, 260.0, 110.0),    # 10 px x 10 px of a large box: 1 % of the crop, scrap
    ]
    labels = clip_labels(boxes, ix=100, iy=100, side=100)
    assert labels == [(1, 0.2, 0.2, 0.2, 0.2), (0, 0.75, 0.75, 0.5, 0.5)]


def test_views_cut_through_large_fire_boxes_only() -> None:
    img = np.zeros((1000, 1000, 3), np.uint8)
    boxes = [(0, 300.0, 300.0, 700.0, 700.0),  # large fire: gets views
             (1, 0.0, 0.0, 500.0, 900.0),      # large smoke: not a close-up class here
             (0, 900.0, 900.0, 950.0, 950.0)]  # small fire: too small for a close-up
    views = views_of(img, boxes, {0}, per_box=3, fills=(1.5, 2.0), rng=random.Random(0))
    assert len(views) == 3
    for v in views:
        side = v.image.shape[0]
        assert v.image.shape[:2] == (side, side) and 200 <= side <= 267
        fire = [lab for lab in v.labels if lab[0] == 0]
        # The crop's centre lies in the middle half of the box and its side is at most 2/3 of the box's,
        # so the fire fills at least three quarters of the crop each way and can never be wholly inside it.
        assert len(fire) == 1 and fire[0][3] >= 0.75 and fire[0][4] >= 0.75


def test_views_never_upscale_below_the_minimum_side() -> None:
    img = np.zeros((1000, 1000, 3), np.uint8)
    box = (0, 0.0, 0.0, 200.0, 200.0)  # 200 px: fill above 200 / MIN_SIDE_PX would crop too small
    assert views_of(img, [box], {0}, 2, (1.5, 2.0), random.Random(0)) == []
    views = views_of(img, [box], {0}, 2, (1.1, 2.0), random.Random(0))
    assert views and all(v.image.shape[0] >= MIN_SIDE_PX for v in views)


def make_set(root: Path) -> None:
    rng = np.random.default_rng(0)
    for split in ("train", "val"):
        (root / "images" / split).mkdir(parents=True)
        (root / "labels" / split).mkdir(parents=True)
        for i in range(4):
            cv2.imwrite(str(root / "images" / split / f"f{i}.jpg"), rng.integers(0, 255, (480, 640, 3), np.uint8))
            label = "0 0.5 0.5 0.6 0.6\n1 0.2 0.2 0.1 0.1\n" if i < 2 else ""
            (root / "labels" / split / f"f{i}.txt").write_text(label)
    (root / "data.yaml").write_text("path: .\ntrain: images/train\nval: images/val\nnames:\n  0: fire\n  1: smoke\n")


def test_prepare_adds_close_ups_and_a_train_sample(tmp_path: Path) -> None:
    """VID-13: views of the train split only, in the scratch copy; the sample is seeded; source untouched."""
    make_set(tmp_path / "src")
    before = sorted(p.name for p in (tmp_path / "src").rglob("*"))
    cu = CloseUps(per_box=2, fills=(1.2, 2.0), classes=frozenset({"fire"}))
    y = prepare(tmp_path / "src", tmp_path / "s", close_ups=cu, train_limit=3, seed=1)
    doc = yaml.safe_load(y.read_text())
    assert doc["train"] == "train.txt" and doc["val"] == "images/val"
    listed = (tmp_path / "s" / "train.txt").read_text().split()
    views = sorted((tmp_path / "s" / "closeup" / "images").glob("cu_*.jpg"))
    assert len(views) == 4  # two fire boxes (train f0, f1), two views each; none from val
    assert len(listed) == 3 + 4 and all(Path(p).is_file() for p in listed)
    assert all(p.startswith(str(tmp_path / "s")) for p in listed)
    for v in views:
        label = (tmp_path / "s" / "closeup" / "labels" / f"{v.stem}.txt").read_text()
        assert label.startswith("0 ")
    # Per-image links: ultralytics resolves split folders, and must not land in the source's labels.
    assert not (tmp_path / "s" / "images").is_symlink() and not (tmp_path / "s" / "images" / "val").is_symlink()
    assert (tmp_path / "s" / "images" / "val" / "f0.jpg").is_symlink()
    assert sorted(p.name for p in (tmp_path / "src").rglob("*")) == before
    again = prepare(tmp_path / "src", tmp_path / "s2", close_ups=cu, train_limit=3, seed=1)
    assert (again.parent / "train.txt").read_text().replace("/s2/", "/s/") == "\n".join(listed) + "\n"


def test_prepare_without_a_sample_trains_on_the_folder_and_the_views(tmp_path: Path) -> None:
    make_set(tmp_path / "src")
    cu = CloseUps(per_box=1, fills=(1.2, 2.0), classes=frozenset({"fire"}))
    doc = yaml.safe_load(prepare(tmp_path / "src", tmp_path / "s", close_ups=cu).read_text())
    assert doc["train"] == ["images/train", "closeup/images"]
    listed = (tmp_path / "src" / "data.yaml").read_text().replace("train: images/train", "train: [images/train]")
    (tmp_path / "src" / "data.yaml").write_text(listed)
    doc = yaml.safe_load(prepare(tmp_path / "src", tmp_path / "s", close_ups=cu).read_text())
    assert doc["train"] == ["images/train", "closeup/images"]
    with pytest.raises(ValueError, match="fills"):
        write_views(tmp_path / "src", tmp_path / "w", {"fire"}, 1, (0.8, 2.0))


def test_recipe_close_up_fields_are_validated_and_not_passed_to_ultralytics() -> None:
    kw = Recipe(close_ups=2, train_limit=900).train_kwargs()
    assert not {"close_ups", "close_up_fill", "train_limit"} & set(kw)
    with pytest.raises(ValidationError, match="close_up_fill"):
        Recipe(close_up_fill=(0.5, 2.0))


@pytest.mark.parametrize("args, named", [(["--train-limit", "0"], "--train-limit"),
                                         (["--close-ups", "-1"], "--close-ups"),
                                         (["--mosaic", "1.5"], "--mosaic")])
def test_train_cli_names_the_bad_option(tmp_path: Path, args: list[str], named: str) -> None:
    make_set(tmp_path / "src")
    res = CliRunner().invoke(main, ["vision", "train", "--data", str(tmp_path / "src"), "--model", "x",
                                    "--work-dir", str(tmp_path / "w"), *args])
    assert res.exit_code == 2 and named in res.output
    assert not (tmp_path / "w").exists()


def test_gpu_pack_shrinks_large_views_and_keeps_their_labels(tmp_path: Path) -> None:
    """The GPU job's packed data: views over 640 px are shrunk (labels are normalised, so unchanged)."""
    from PIL import Image

    from vision.train.gpu_pack import pack_images

    (tmp_path / "img").mkdir()
    (tmp_path / "lab").mkdir()
    cv2.imwrite(str(tmp_path / "img" / "cu_a_0.jpg"), np.full((900, 900, 3), 200, np.uint8))
    (tmp_path / "lab" / "cu_a_0.txt").write_text("0 0.5 0.5 1.0 1.0\n")
    n = pack_images(tmp_path / "img", tmp_path / "lab", tmp_path / "o" / "images", tmp_path / "o" / "labels", 72,
                    max_side=640)
    assert n == 1 and Image.open(tmp_path / "o" / "images" / "cu_a_0.webp").size == (640, 640)
    assert (tmp_path / "o" / "labels" / "cu_a_0.txt").read_text() == "0 0.5 0.5 1.0 1.0\n"


def test_ultralytics_reads_the_scratch_copy_and_writes_nothing_beside_the_source(tmp_path: Path) -> None:
    """Regression: through a link to the whole images/ folder, ultralytics resolved the split folder to
    the source, read its labels and wrote labels/val.cache into ../shared."""
    from ultralytics.data.dataset import YOLODataset
    from ultralytics.data.utils import check_det_dataset

    make_set(tmp_path / "src")
    before = sorted(str(p.relative_to(tmp_path / "src")) for p in (tmp_path / "src").rglob("*"))
    cu = CloseUps(per_box=1, fills=(1.2, 2.0), classes=frozenset({"fire"}))
    data = check_det_dataset(str(prepare(tmp_path / "src", tmp_path / "s", close_ups=cu, train_limit=3)))
    for split in ("train", "val"):
        ds = YOLODataset(img_path=data[split], data=data, imgsz=64, augment=False)
        assert all(f.startswith(str(tmp_path / "s")) for f in ds.label_files)
        assert sum(len(lab["cls"]) for lab in ds.labels) > 0
    assert sorted(str(p.relative_to(tmp_path / "src")) for p in (tmp_path / "src").rglob("*")) == before
    assert list((tmp_path / "s" / "labels").glob("*.cache"))
