"""Packing a GPU training job (issue #5): a bigger fire/smoke start point, and only the chosen jobs' data."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch


def test_pack_base_keeps_the_model_in_half_precision_and_drops_the_optimizer(tmp_path: Path) -> None:
    from ultralytics import YOLO
    from ultralytics.nn.tasks import DetectionModel

    from vision.detect.yolo_env import prepare_offline
    from vision.train.gpu_pack import pack_base

    prepare_offline()
    model = DetectionModel("yolov8n.yaml", nc=2, verbose=False)
    model.names = {0: "Normal", 1: "Fall"}
    src = tmp_path / "src.pt"
    junk = torch.zeros(1_000_000)  # a stand-in for optimizer state that must not travel
    torch.save({"model": model, "ema": None, "optimizer": {"state": junk}, "epoch": 49}, src)
    dst = tmp_path / "fs_base.pt"
    line = pack_base(src, dst)
    assert "classes {0: 'Normal', 1: 'Fall'}" in line
    packed = torch.load(dst, map_location="cpu", weights_only=False)
    assert packed["optimizer"] is None and packed["epoch"] == -1
    assert {p.dtype for p in packed["model"].parameters()} == {torch.float16}
    assert dst.stat().st_size < src.stat().st_size / 2
    # ultralytics starts training from it as from any checkpoint.
    assert YOLO(str(dst), task="detect").names == {0: "Normal", 1: "Fall"}


@pytest.mark.parametrize("args,named", [(["--jobs", "fs,cars"], "--jobs"), (["--jobs", ""], "--jobs"),
                                        (["--fs-base", "nowhere.pt"], "--fs-base")])
def test_gpu_pack_names_the_bad_option(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                                       named: str) -> None:
    from vision.train.gpu_pack import main

    with pytest.raises(SystemExit) as exc:
        main([*args, "--out", str(tmp_path / "gpu")])
    assert exc.value.code == 2 and named in capsys.readouterr().err
    assert not (tmp_path / "gpu").exists()


def test_gpu_job_measures_throughput_end_to_end_and_forward_only(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The GPU job's throughput step (issue #5: GPU throughput), run on the CPU with a tiny network."""
    import importlib

    from ultralytics.nn.tasks import DetectionModel

    from vision.detect.yolo_env import prepare_offline

    prepare_offline()
    monkeypatch.setenv("WP_QUICK", "1")
    monkeypatch.setenv("WP_DEVICE", "cpu")
    import vision.train.gpu_job as gpu_job

    gpu_job = importlib.reload(gpu_job)
    monkeypatch.setattr(gpu_job, "BENCH_SECONDS", 0.05)
    ckpt = tmp_path / "tiny.pt"
    torch.save({"model": DetectionModel("yolov8n.yaml", nc=2, verbose=False).half(), "ema": None}, ckpt)
    rows = gpu_job.throughput("fs", ckpt)
    assert [(r["batch"], r["fp16"]) for r in rows] == [(1, False), (8, False)]  # no fp16 on the CPU
    for r in rows:
        for part in ("end_to_end", "forward_only"):
            assert r[part]["images_per_s"] > 0 and r[part]["ms_per_call"] > 0


def test_pack_images_merges_smoke_and_leaves_a_source_out(tmp_path: Path) -> None:
    """The GPU job can train on merged smoke labels and without a source it is then judged on."""
    from functools import partial

    from PIL import Image

    from vision.train.gpu_pack import pack_images
    from vision.train.merge_labels import merge_label_text

    imgs, labs = tmp_path / "images", tmp_path / "labels"
    imgs.mkdir()
    labs.mkdir()
    for name in ("fa_1", "f8_1"):
        Image.new("RGB", (64, 64)).save(imgs / f"{name}.jpg")
        (labs / f"{name}.txt").write_text("1 0.15 0.15 0.1 0.1\n1 0.25 0.15 0.1 0.1\n")
    n = pack_images(imgs, labs, tmp_path / "out/images", tmp_path / "out/labels", 60,
                    relabel=partial(merge_label_text, class_id=1, gap=0.0), hold_out=frozenset({"fa"}))
    assert n == 1 and [p.name for p in (tmp_path / "out/images").iterdir()] == ["f8_1.webp"]
    assert len((tmp_path / "out/labels/f8_1.txt").read_text().splitlines()) == 1
