"""Vision throughput on this machine: N simultaneous 1080p streams through the real worker
(readers, motion gate, detectors, rules, evidence, spool) posting to the real service.

Reports per camera the achieved detection rate (frames judged a second, whether the motion gate passed
them to the detectors or not), detect time, and for the whole worker the CPU and memory per camera, and
frame→alarm latency (frame capture time → alarm stored by the service). Prints a table and writes
bench/results/vision_throughput[...].json.

``--substream W`` gives each camera a ``detect_url``: the same clip scaled to W px wide (the camera's substream).
The reader then decodes only that, and the 1080p main stream is recorded by stream copy. ``--scene static``
replaces the fire clip by a still view with sensor noise (a quiet camera: what the motion gate is for).

    .venv/bin/python bench/vision_throughput.py --cameras 2 4 8 --seconds 30 --fps 2 [--substream 640]
        [--scene fire|static]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import httpx
import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from command.throwaway import serve_in_thread  # noqa: E402  (the real service on a real socket)
from watchpost.config import parse_config  # noqa: E402
from watchpost.db.migrate import upgrade  # noqa: E402

CLIP = REPO.parent / "shared/data/clips/fire8_seq_fire2.mp4"
QUIET = REPO.parent / "shared/data/offpost/clips/intel_standing_post_leave_a.mp4"  # its last second: an empty room


def make_1080p(workdir: Path) -> Path:
    out = workdir / "fire_1080p.mp4"
    if not out.exists():
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(CLIP), "-vf", "scale=1920:1080", "-c:v",
                        "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", str(out)], check=True)
    return out


def make_static(workdir: Path) -> Path:
    """A still 1080p view of an empty room with sensor noise, GOP 1 s: a camera on which nothing happens."""
    out = workdir / "static_1080p.mp4"
    if not out.exists():
        still = workdir / "still.png"
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-sseof", "-1", "-i", str(QUIET), "-vframes", "1",
                        str(still)], check=True)
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-loop", "1", "-i", str(still), "-t", "20", "-r", "25",
                        "-vf", "scale=1920:1080,noise=alls=3:allf=t", "-g", "25", "-c:v", "libx264", "-preset",
                        "veryfast", "-pix_fmt", "yuv420p", str(out)], check=True)
    return out


def make_substream(clip: Path, width: int) -> Path:
    """The clip as a camera's substream: ``width`` px wide, same frame rate and GOP."""
    out = clip.with_name(f"{clip.stem}_sub{width}.mp4")
    if not out.exists():
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(clip), "-vf", f"scale={width}:-2", "-g", "25",
                        "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", str(out)], check=True)
    return out


def run_once(n: int, seconds: float, fps: float, clip: Path, workdir: Path, detectors,
             sub: Path | None = None, warmup: float = 10.0) -> dict:
    from vision.worker import Worker

    root = workdir / f"n{n}"
    url = f"sqlite:///{root / 'wp.sqlite'}"
    root.mkdir(parents=True, exist_ok=True)
    upgrade(url)
    cams = [{"id": f"cam{i}", "url": str(clip), "detect_url": str(sub or ""), "profile": "major_hazard",
             "detect_fps": fps} for i in range(n)]
    cfg = parse_config({"storage": {"url": url}, "vision": {
        "cameras": cams, "media_root": str(root / "media"), "spool_path": str(root / "spool.sqlite"),
        "evidence": {"pre_s": 2, "post_s": 2}, "recording": {"segment_s": 30}}}, environ={})
    server = serve_in_thread(cfg, {"vision": "service", "reader": "viewer"})
    cfg.vision.service_url, cfg.vision.service_token = server.url, server.tokens["vision"]
    worker = Worker(cfg, detectors=detectors)
    proc = psutil.Process()
    worker.start()
    # Rates are counted after a warm-up: opening N streams and the first detections are not the steady state
    # (a 30 s window that starts at worker.start() reads 1.73 fps for cameras that run at 2).
    time.sleep(warmup)
    proc.cpu_percent(None)
    base = {k: dict(v) for k, v in worker.stats.items()}
    base_in = {cid: r.health.frames_in for cid, r in worker.readers.items()}
    t0 = time.time()
    rss = []
    while time.time() - t0 < seconds:
        time.sleep(1)
        rss.append(proc.memory_info().rss)
    cpu = proc.cpu_percent(None)  # worker + in-process service, % of one core
    elapsed = time.time() - t0
    stats = {k: {m: v[m] - base[k][m] for m in ("detections", "detect_s")} | {"alarms": v["alarms"]}
             for k, v in worker.stats.items()}
    frames_in = {cid: r.health.frames_in - base_in[cid] for cid, r in worker.readers.items()}
    worker.stop()
    mp4 = list((root / "media" / "recordings").rglob("*.mp4"))
    segments, recorded = len(mp4), sum(p.stat().st_size for p in mp4)
    alarms = httpx.get(f"{server.url}/api/alarms?limit=1000", headers={"Authorization": f"Bearer {server.tokens['reader']}"}).json()
    server.stop()
    lat = []
    # Latency: the alarm's created_at (stored by the service) − the frame's capture time (raw.frame_wall).
    from sqlalchemy import create_engine, text

    eng = create_engine(url)
    with eng.connect() as c:
        for created, raw in c.execute(text("SELECT created_at, raw FROM alarms WHERE type IN ('fire','smoke')")):
            raw = json.loads(raw) if isinstance(raw, str) else raw
            if raw and raw.get("frame_wall"):
                created_ts = datetime.fromisoformat(str(created)).timestamp() if not isinstance(created, datetime) else created.timestamp()
                lat.append(created_ts - raw["frame_wall"])
    eng.dispose()
    per_cam = []
    for cid, st in stats.items():
        det_fps = st["detections"] / elapsed
        per_cam.append({"camera": cid, "frames_in_fps": frames_in[cid] / elapsed, "detect_fps": det_fps,
                        "detect_ms": 1000 * st["detect_s"] / max(st["detections"], 1), "alarms": st["alarms"]})
    achieved = min(c["detect_fps"] for c in per_cam)
    return {"cameras": n, "target_fps": fps, "seconds": round(elapsed, 1), "warmup_s": warmup, "min_detect_fps": round(achieved, 2),
            "mean_detect_ms": round(statistics.mean(c["detect_ms"] for c in per_cam), 1),
            "cpu_pct_total": round(cpu, 1), "cpu_pct_per_camera": round(cpu / n, 1),
            "rss_mb": round(max(rss) / 2**20), "rss_mb_per_camera": round(max(rss) / 2**20 / n, 1),
            "alarms": len(alarms), "frame_to_alarm_p50_s": round(statistics.median(lat), 3) if lat else None,
            "frame_to_alarm_p95_s": round(sorted(lat)[min(len(lat) - 1, int(0.95 * len(lat)))], 3) if lat else None,
            "frame_to_alarm_max_s": round(max(lat), 3) if lat else None,
            "sustained": achieved >= 0.9 * fps, "per_camera": per_cam,
            "recorded_segments": segments, "recorded_mb": round(recorded / 2**20, 1)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cameras", type=int, nargs="+", default=[2, 4, 8])
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--fps", type=float, default=2.0)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (vision.detector.threads); 0 = all cores")
    ap.add_argument("--fire-smoke-weights", default=None, help="vision.detector.fire_smoke_weights (.pt or .onnx)")
    ap.add_argument("--substream", type=int, default=0, help="detect on a substream this many px wide (0: the main)")
    ap.add_argument("--scene", choices=["fire", "static"], default="fire")
    ap.add_argument("--warmup", type=float, default=10.0, help="seconds after start before rates are counted")
    args = ap.parse_args()
    os.environ.setdefault("YOLO_OFFLINE", "1")
    from vision.pipeline import load_detectors

    det_cfg: dict = {"threads": args.threads}
    if args.fire_smoke_weights:
        det_cfg["fire_smoke_weights"] = args.fire_smoke_weights
    detectors = load_detectors(parse_config({"vision": {"detector": det_cfg}}, environ={}), {"firesmoke"})
    rows = []
    with tempfile.TemporaryDirectory(prefix="wp-vbench-") as tmp:
        clip = make_1080p(Path(tmp)) if args.scene == "fire" else make_static(Path(tmp))
        sub = make_substream(clip, args.substream) if args.substream else None
        for n in args.cameras:
            rows.append(run_once(n, args.seconds, args.fps, clip, Path(tmp), detectors, sub, args.warmup))
            r = rows[-1]
            print(f"{r['cameras']:>3} cams  target {r['target_fps']} fps  achieved(min) {r['min_detect_fps']:>5}  "
                  f"detect {r['mean_detect_ms']:>6} ms  cpu/cam {r['cpu_pct_per_camera']:>5}%  rss/cam {r['rss_mb_per_camera']:>6} MB  "
                  f"frame→alarm p50 {r['frame_to_alarm_p50_s']} s p95 {r['frame_to_alarm_p95_s']} s  alarms {r['alarms']}  "
                  f"sustained={r['sustained']}", flush=True)
    suffix = ("_threads%d" % args.threads if args.threads else "") + ("_onnx" if str(args.fire_smoke_weights or "").endswith(".onnx") else "")
    suffix += (f"_sub{args.substream}" if args.substream else "") + ("_static" if args.scene == "static" else "")
    out = REPO / f"bench/results/vision_throughput{suffix}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"cpu_count": os.cpu_count(), "torch_threads": args.threads or os.cpu_count(),
                               "substream_width": args.substream, "scene": args.scene,
                               "loadavg_1m": os.getloadavg()[0], "runs": rows}, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
