"""Standalone GPU training job for a lent accelerator machine (how the shipped weights were trained).

The accelerator machine has PyTorch but not the project's dependencies, and only the working tree
travels there (64 MiB), so this file imports nothing from the project. ``vision.train.gpu_pack``
first packs the data compactly (WebP) into an ignored folder with this script, the base checkpoint
and the ultralytics wheels; there ``python3 gpu_job.py`` trains the fire/smoke and person models side
by side (the nano models leave the GPU mostly idle; the CPU data loaders are the limit) and copies
``last.pt``, ``results.csv`` and ``args.yaml`` to ``$OUT`` every 20 s, so a run cut off at its time
limit still returns usable weights. Ship them here with ``watchpost vision train --ship-only``.

Env: WP_JOBS (default: the jobs whose data is packed), WP_FS_HOURS (fire/smoke wall-clock budget; ultralytics sizes
the epoch count and LR schedule to fit it), WP_FS_BASE (the checkpoint in ``base/`` fire/smoke starts
from; default the COCO yolo11n, or the one ``gpu_pack --fs-base`` packed), WP_FS_BATCH, WP_PERSON_EPOCHS,
WP_DEVICE (``0``; ``cpu`` for a dry run), WP_QUICK=1 (3 % of the data, a few seconds of training:
checks the job end to end), WP_BENCH (``1``: after training, measure inference throughput of each
network on the device into ``$OUT/throughput.json``; ``WP_JOBS=none`` measures only that),
WP_BENCH_SECONDS (per measurement, default 4).
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUICK = os.environ.get("WP_QUICK") == "1"
# A dry run writes its runs outside the packed folder, which must stay within the 64 MiB that travel.
SCRATCH = Path(tempfile.gettempdir()) / "wp_gpu_dry_run" if QUICK else HERE
OUT = Path(os.environ.get("OUT") or SCRATCH / "out")
DEVICE = os.environ.get("WP_DEVICE", "0")
BASE = "yolo11n-coco.pt"
# gpu_pack --fs-base writes this; a bigger network than the nano is the lever left for fire/smoke AP.
FS_BASE = os.environ.get("WP_FS_BASE") or ("fs_base.pt" if (HERE / "base" / "fs_base.pt").is_file() else BASE)

JOBS = {
    # Full fine-tune at 640 with ultralytics' stock SGD schedule: with ~70 GPU epochs the gentle CPU
    # recipe (lr0 0.005, few epochs) underfits; mixup adds variety to 1.4k positive images.
    "fs": dict(data="firesmoke", base=FS_BASE, keep_coco=False, kw=dict(
        time=0.005 if QUICK else float(os.environ.get("WP_FS_HOURS", "0.105")), epochs=200,
        batch=int(os.environ.get("WP_FS_BATCH", "32")),
        workers=2 if QUICK else 10, optimizer="SGD", lr0=0.01, lrf=0.01, momentum=0.937, warmup_epochs=3,
        close_mosaic=10, mixup=0.1, mosaic=1.0, scale=0.5, fliplr=0.5, hsv_h=0.015, hsv_s=0.7, hsv_v=0.4)),
    # Backbone frozen and COCO's class list kept, so the person head transfers and the detector stays
    # general beyond the one room in the training data.
    "person": dict(data="person", base=BASE, keep_coco=True, kw=dict(
        epochs=1 if QUICK else int(os.environ.get("WP_PERSON_EPOCHS", "40")), batch=16,
        workers=2 if QUICK else 5, optimizer="SGD", lr0=0.002, lrf=0.1, momentum=0.9, warmup_epochs=1,
        warmup_bias_lr=0.01, freeze=10, close_mosaic=5, mosaic=1.0, scale=0.5, fliplr=0.5)),
}
# By default, every job whose data was packed (gpu_pack --jobs).
# By default, every job whose data was packed (gpu_pack --jobs); "none" only measures throughput.
_WANTED = os.environ.get("WP_JOBS", "")
SELECTED = [] if _WANTED == "none" else [j for j in _WANTED.split(",") if j] or [
    j for j, job in JOBS.items() if (HERE / "data" / job["data"]).is_dir()]
BENCH = os.environ.get("WP_BENCH", "1") == "1"
BENCH_SECONDS = 1.0 if QUICK else float(os.environ.get("WP_BENCH_SECONDS", "4"))


def prepare_env() -> None:
    # Offline machine: ultralytics would try to download its fonts and settings otherwise.
    cfg = Path("/tmp/yolo_cfg")
    (cfg / "Ultralytics").mkdir(parents=True, exist_ok=True)
    import matplotlib

    ttf = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    for n in ("Arial.ttf", "Arial.Unicode.ttf"):
        shutil.copyfile(ttf, cfg / "Ultralytics" / n)
    os.environ.update(YOLO_CONFIG_DIR=str(cfg), YOLO_OFFLINE="1", YOLO_AUTOINSTALL="0")


def _read_results_csv(self) -> dict:
    # ultralytics reads results.csv with polars, which the device image lacks.
    try:
        with open(self.csv) as f:
            rows = [{k.strip(): v for k, v in r.items()} for r in csv.DictReader(f)]
        return {k: [float(r[k]) for r in rows] for k in rows[0]} if rows else {}
    except Exception:
        return {}


def train_one(name: str) -> None:
    import ultralytics.engine.trainer as trainer
    import yaml
    from ultralytics import YOLO

    trainer.check_amp = lambda model: True  # the AMP self-check downloads a model; Hopper AMP is sound
    trainer.BaseTrainer.read_results_csv = _read_results_csv
    job = JOBS[name]
    base = HERE / "base" / job["base"]
    d = HERE / "data" / job["data"]
    names = ({int(k): v for k, v in YOLO(str(base)).names.items()} if job["keep_coco"]
             else {0: "fire", 1: "smoke"})
    (d / "data.yaml").write_text(yaml.safe_dump({"path": str(d), "train": "images/train", "val": "images/val",
                                                  "names": names}, sort_keys=False))
    kw = dict(job["kw"], fraction=0.03) if QUICK else dict(job["kw"])
    YOLO(str(base)).train(data=str(d / "data.yaml"), imgsz=640, device=DEVICE, cache="ram", val=False,
                          plots=False, amp=DEVICE != "cpu", seed=0, deterministic=False, patience=1000,
                          project=str(SCRATCH / "runs"), name=name, exist_ok=True, **kw)


def copy_out() -> None:
    for name in SELECTED:
        run = SCRATCH / "runs" / name
        for src, dst in ((run / "weights" / "last.pt", f"{name}_last.pt"),
                         (run / "results.csv", f"{name}_results.csv"), (run / "args.yaml", f"{name}_args.yaml")):
            if src.is_file():
                shutil.copyfile(src, OUT / (dst + ".tmp"))
                os.replace(OUT / (dst + ".tmp"), OUT / dst)


def _timed(run, n_images: int) -> dict:
    """Images per second of ``run()`` over BENCH_SECONDS, after two warm-up calls."""
    import torch

    for _ in range(2):
        run()
    sync = torch.cuda.synchronize if DEVICE != "cpu" else (lambda: None)
    sync()
    calls, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < BENCH_SECONDS:
        run()
        calls += 1
    sync()
    dt = time.perf_counter() - t0
    return {"images_per_s": round(calls * n_images / dt, 1), "ms_per_call": round(dt / calls * 1000, 2)}


def throughput(name: str, weights: Path) -> list[dict]:
    """The device's inference throughput for one network at 640, fp32 and fp16, a few batch sizes:
    end to end as the worker calls it (letterbox to 640x384, forward, NMS on 1280x720 frames) and the
    forward pass alone on 640x640. Only the architecture and input size matter, so a job's own last.pt stands in for the
    shipped weights, which do not travel."""
    import numpy as np
    import torch
    from ultralytics import YOLO

    frames = [np.random.default_rng(i).integers(0, 255, (720, 1280, 3), dtype=np.uint8) for i in range(32)]
    dev = "cpu" if DEVICE == "cpu" else f"cuda:{DEVICE}"
    rows = []
    for half in ((False,) if DEVICE == "cpu" else (False, True)):
        # Fresh copies per precision: the predictor fixes fp16 at its first call, and the bare
        # network must not be the module the predictor holds.
        model = YOLO(str(weights), task="detect")
        net = YOLO(str(weights), task="detect").model.fuse().to(dev).eval()
        net = net.half() if half else net.float()
        if DEVICE == "cpu":
            torch.set_num_threads(os.cpu_count() or 1)  # ultralytics lowers it to cpu_count - 1
        for batch in ((1, 8) if QUICK else (1, 8, 32)):
            row = {"model": name, "weights": weights.name, "batch": batch, "fp16": half, "imgsz": 640}
            row["end_to_end"] = _timed(lambda: model.predict(frames[:batch], imgsz=640, device=DEVICE,
                                                             quantize=16 if half else 32, conf=0.05,
                                                             verbose=False), batch)
            x = torch.zeros(batch, 3, 640, 640, device=dev, dtype=torch.float16 if half else torch.float32)
            with torch.inference_mode():
                row["forward_only"] = _timed(lambda: net(x), batch)
            rows.append(row)
            print(row, flush=True)
    return rows


def bench_all() -> None:
    import json

    rows = []
    for name, job in JOBS.items():
        last = SCRATCH / "runs" / name / "weights" / "last.pt"
        weights = last if last.is_file() else HERE / "base" / job["base"]
        if weights.is_file():
            rows += throughput(name, weights)
    import torch

    device = torch.cuda.get_device_name(0) if DEVICE != "cpu" else "cpu"
    (OUT / "throughput.json").write_text(json.dumps({"device": device, "torch": torch.__version__,
                                                     "rows": rows}, indent=2))


def main() -> None:
    prepare_env()
    OUT.mkdir(parents=True, exist_ok=True)
    if len(sys.argv) > 1:
        train_one(sys.argv[1])
        return
    t0 = time.time()
    with open(OUT / "log.txt", "a") as log:
        procs = {n: subprocess.Popen([sys.executable, __file__, n], stdout=log, stderr=subprocess.STDOUT)
                 for n in SELECTED}
        while any(p.poll() is None for p in procs.values()):
            time.sleep(20)
            copy_out()
            print(f"{time.time() - t0:.0f}s", {n: p.poll() for n, p in procs.items()}, flush=True)
    copy_out()
    print("done", {n: p.returncode for n, p in procs.items()}, f"{time.time() - t0:.0f}s", flush=True)
    if BENCH:
        bench_all()
    sys.exit(max((p.returncode for p in procs.values()), default=0))


if __name__ == "__main__":
    main()
