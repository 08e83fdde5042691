"""Live video benchmark (VID-11 call-up ≤ 3 s; target p95 ≤ 1 s): how fast a camera is on screen
after the click, and how many viewers and cameras the service relays before frames drop.

Starts a real RTSP camera (rtsp-server-perl fed by ffmpeg: H.264, no B-frames, a keyframe a
second) and ``watchpost serve`` as a subprocess, then:

1. **Call-up** in Debian Chromium (Playwright): on an alarm's page, click "live" and read the
   first decoded frame's time from ``requestVideoFrameCallback``; close; repeat ``--callups``
   times, in three conditions:
   - *warm*: the camera's feed is open (the alarm opened it on arrival, or another console is
     watching): the viewer starts at the feed's cached keyframe;
   - *cold*: nobody watched it for longer than ``live.linger_s``: the service connects to the
     camera first;
   - *re-encode*: a camera in a codec the browser cannot take (MPEG-4 file), decoded once and
     encoded to VP8 for the viewer.
2. **Capacity**: WebRTC viewers from a separate process (aiortc clients whose receivers count
   the frames they are sent instead of decoding them, so the client's own cost stays small)
   against one camera in passthrough and in re-encode, then against several cameras; for each
   step the service's CPU (per viewer too) and the frames each viewer got against what the
   camera sent (frames dropped).

Prints tables and writes bench/results/live_callup.json.

    .venv/bin/python bench/live_callup.py --callups 60
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from command.demo_footage import h264_copy  # noqa: E402
from command.throwaway import cli, start, write_config  # noqa: E402
from vision import throwaway_rtsp  # noqa: E402
from watchpost.throwaway import free_port  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CLIPS = ROOT.parent / "shared" / "data" / "clips"
FPS = 10.0  # the bench cameras' frame rate


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    v = sorted(values)
    return round(v[min(len(v) - 1, max(0, int(round(p / 100 * (len(v) - 1)))))], 1)


# -- call-up in the browser --------------------------------------------------------------------

CALLUP_JS = """async () => {
  const btn = document.getElementById('open-live');
  const t0 = performance.now();
  btn.click();
  const tile = document.querySelector('#live-panel .tile');
  const first = await Promise.race([tile.ready, new Promise((r) => setTimeout(() => r(null), 10000))]);
  return { ms: first === null ? null : first - t0, passthrough: tile.dataset.passthrough };
}"""


def wait_closed(url: str, token: str, cam: str, timeout_s: float = 20) -> bool:
    """True once the service has closed the camera's feed (nobody watching past linger_s)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        st = httpx.get(f"{url}/api/live/{cam}/status", headers={"Authorization": f"Bearer {token}"}, timeout=5).json()
        if not st["open"]:
            return True
        time.sleep(0.2)
    return False


def callups(url: str, password: str, token: str, alarm_ids: dict[str, int], n: int, linger_s: float) -> dict:
    from playwright.sync_api import sync_playwright

    out: dict[str, dict] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(url + "/console/login.html")
        page.fill("#username", "bench-duty")
        page.fill("#password", password)
        page.click("#submit")
        page.wait_for_url("**/console/index.html")
        for name, aid, count in (("warm", alarm_ids["rtsp"], n), ("cold", alarm_ids["rtsp"], max(10, n // 3)),
                                 ("re-encode", alarm_ids["mpeg4"], n)):
            page.goto(f"{url}/console/alarm.html?id={aid}")
            page.wait_for_selector("#open-live")
            times, misses, modes, not_cold = [], 0, set(), 0
            if name != "cold":  # the series measures an open feed: open it once, untimed
                page.evaluate(CALLUP_JS)
                page.click("#open-live")
            for _ in range(count):
                if name == "cold" and not wait_closed(url, token, "rtsp-1"):
                    not_cold += 1
                r = page.evaluate(CALLUP_JS)
                if r["ms"] is None:
                    misses += 1
                else:
                    times.append(r["ms"])
                modes.add(r["passthrough"])
                page.wait_for_timeout(400)  # a moment of video, as an officer would see
                page.click("#open-live")  # close it
                time.sleep(0.3)
            out[name] = {"n": len(times), "missed": misses, "p50_ms": pct(times, 50), "p95_ms": pct(times, 95),
                         "max_ms": round(max(times), 1) if times else None,
                         "mean_ms": round(statistics.mean(times), 1) if times else None,
                         "passthrough": sorted(m for m in modes if m is not None), "feed_was_open": not_cold}
            print(f"  call-up {name:9s} n={len(times)} p50 {out[name]['p50_ms']} ms  p95 {out[name]['p95_ms']} ms  "
                  f"max {out[name]['max_ms']} ms  missed {misses}", flush=True)
        browser.close()
    return out


# -- capacity: counting viewers in another process --------------------------------------------

def _viewer_process(url: str, token: str, cameras: list[str], per_camera: int, seconds: float, q) -> None:  # noqa: ANN001
    """Open ``per_camera`` viewers on each camera; report frames received per viewer."""
    import aiortc.rtcrtpreceiver as rx
    from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

    def counting_worker(loop, input_q, output_q, decode_error):  # noqa: ANN001, ARG001
        # Count assembled frames instead of decoding them: the viewer's own CPU stays small,
        # and what is measured is what the service delivered.
        while True:
            task = input_q.get()
            if task is None:
                asyncio.run_coroutine_threadsafe(output_q.put(None), loop)
                return
            asyncio.run_coroutine_threadsafe(output_q.put(task[1].timestamp), loop)

    rx.decoder_worker = counting_worker

    async def one(cam: str, counts: list[int]) -> None:
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        pc.addTransceiver("video", direction="recvonly")
        idx = len(counts)
        counts.append(0)
        started = asyncio.Event()

        @pc.on("track")
        def on_track(track) -> None:  # noqa: ANN001
            async def read() -> None:
                while True:
                    try:
                        await track.recv()
                    except Exception:
                        return
                    if started.is_set():
                        counts[idx] += 1

            asyncio.ensure_future(read())

        await pc.setLocalDescription(await pc.createOffer())
        async with httpx.AsyncClient(timeout=30) as c:
            r = await c.post(f"{url}/api/live/{cam}/offer", json={"type": "offer", "sdp": pc.localDescription.sdp},
                             headers={"Authorization": f"Bearer {token}"})
            r.raise_for_status()
        await pc.setRemoteDescription(RTCSessionDescription(sdp=r.json()["sdp"], type="answer"))
        pcs.append((pc, started))

    async def main() -> list[int]:
        counts: list[int] = []
        await asyncio.gather(*(one(cam, counts) for cam in cameras for _ in range(per_camera)))
        await asyncio.sleep(2.0)  # everyone connected and flowing
        q.put("measuring")
        for _, st in pcs:
            st.set()
        await asyncio.sleep(seconds)
        snapshot = list(counts)
        await asyncio.gather(*(pc.close() for pc, _ in pcs))
        return snapshot

    pcs: list = []
    q.put(asyncio.run(main()))


def capacity_step(url: str, token: str, server: psutil.Process, cameras: list[str], per_camera: int,
                  seconds: float) -> dict:
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    proc = ctx.Process(target=_viewer_process, args=(url, token, cameras, per_camera, seconds, q), daemon=True)
    proc.start()
    client = None
    assert q.get(timeout=120) == "measuring"
    client = psutil.Process(proc.pid)
    server.cpu_percent(None)
    client.cpu_percent(None)
    t0 = time.monotonic()
    time.sleep(seconds)
    cpu = server.cpu_percent(None)
    client_cpu = client.cpu_percent(None)
    elapsed = time.monotonic() - t0
    counts = q.get(timeout=120)
    proc.join(30)
    fps = [c / elapsed for c in counts]
    viewers = len(cameras) * per_camera
    return {"cameras": len(cameras), "viewers": viewers, "service_cpu_pct": round(cpu, 1),
            "service_cpu_pct_per_viewer": round(cpu / viewers, 2), "client_cpu_pct": round(client_cpu, 1),
            "fps_min": round(min(fps), 2), "fps_mean": round(statistics.mean(fps), 2),
            "dropped_pct": round(max(0.0, 100 * (1 - statistics.mean(fps) / FPS)), 1),
            "viewers_below_90pct": sum(f < 0.9 * FPS for f in fps)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--callups", type=int, default=60)
    ap.add_argument("--viewers", type=int, nargs="+", default=[1, 4, 8, 16, 32])
    ap.add_argument("--cameras", type=int, nargs="+", default=[1, 2, 4, 8])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--linger-s", type=float, default=1.0)
    ap.add_argument("--skip-browser", action="store_true")
    ap.add_argument("--skip-capacity", action="store_true")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "live_callup.json"))
    args = ap.parse_args()

    why = throwaway_rtsp.available()
    if why:
        sys.exit(f"cannot run: {why}")
    tmp = Path(tempfile.mkdtemp(prefix="wp-live-bench-"))
    rtsp = throwaway_rtsp.RtspServer(CLIPS / "fire8_seq_fire2.mp4", tmp).start()
    h264 = h264_copy(CLIPS / "fire8_seq_fire2.mp4", tmp / "footage")
    cams = [{"id": "rtsp-1", "url": rtsp.url, "rtsp_transport": "udp"},
            {"id": "mpeg4-1", "url": str(CLIPS / "fire8_seq_smoke5.mp4")}]
    cams += [{"id": f"file-{i}", "url": str(h264)} for i in range(max(args.cameras, default=0))]
    cfg = write_config(tmp, vision={"media_root": str(tmp / "media"), "spool_path": str(tmp / "spool"), "cameras": cams},
                       live={"linger_s": args.linger_s, "prewarm_s": 0, "open_timeout_s": 5})
    cli(cfg, "db", "upgrade")
    password = "Bench-duty-pass-1"
    token = next(line.split(":", 1)[1].strip() for line in cli(
        cfg, "user", "add", "bench-duty", "--role", "duty_officer", "--password", password, "--token").splitlines()
        if line.startswith("token:"))
    svc = next(line.split(":", 1)[1].strip() for line in cli(
        cfg, "user", "add", "bench-cam", "--role", "service", "--password", "Bench-cam-pass-1", "--token").splitlines()
        if line.startswith("token:"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = start(cfg, port, tmp / "serve.log")
    results: dict = {"at": datetime.now(timezone.utc).isoformat(), "cpus": psutil.cpu_count(),
                     "camera": "RTSP over UDP (rtsp-server-perl relay), H.264 608x608 10 fps, GOP 1 s",
                     "args": vars(args)}
    try:
        api = httpx.Client(base_url=url, timeout=30)
        ids = {}
        for key, cam in (("rtsp", "rtsp-1"), ("mpeg4", "mpeg4-1")):
            r = api.post("/api/alarms", headers={"Authorization": f"Bearer {svc}"}, json={
                "source": "video", "source_event_id": f"bench-{key}", "type": "fire", "level": "red",
                "occurred_at": datetime.now(timezone.utc).isoformat(), "camera_id": cam, "title": f"bench {cam}"})
            r.raise_for_status()
            ids[key] = r.json()["id"]
        if not args.skip_browser:
            print(f"call-up (Chromium, {args.callups} each)", flush=True)
            results["callup"] = callups(url, password, token, ids, args.callups, args.linger_s)

        server = psutil.Process(proc.pid)
        if args.skip_capacity:
            args.viewers, args.cameras = [], []
        results["capacity"] = {"passthrough": [], "reencode": [], "cameras": []}
        print("\ncapacity: one camera, N viewers", flush=True)
        print(f"  {'mode':11s} {'viewers':>7s} {'svc CPU%':>8s} {'/viewer':>7s} {'client%':>7s} {'fps min':>7s} "
              f"{'fps mean':>8s} {'drop%':>6s}")
        for mode, cam in (("passthrough", "rtsp-1"), ("reencode", "mpeg4-1")):
            for n in args.viewers:
                row = capacity_step(url, token, server, [cam], n, args.seconds)
                results["capacity"][mode].append(row)
                print(f"  {mode:11s} {n:7d} {row['service_cpu_pct']:8.1f} {row['service_cpu_pct_per_viewer']:7.2f} "
                      f"{row['client_cpu_pct']:7.1f} {row['fps_min']:7.2f} {row['fps_mean']:8.2f} {row['dropped_pct']:6.1f}",
                      flush=True)
                if row["fps_mean"] < 0.5 * FPS:
                    break  # well past saturation
        print("\ncapacity: N cameras (H.264 passthrough), 2 viewers each", flush=True)
        for k in args.cameras:
            row = capacity_step(url, token, server, [f"file-{i}" for i in range(k)], 2, args.seconds)
            results["capacity"]["cameras"].append(row)
            print(f"  cameras {k:2d} viewers {row['viewers']:3d}  svc CPU {row['service_cpu_pct']:6.1f}%  "
                  f"fps min {row['fps_min']:5.2f} mean {row['fps_mean']:5.2f}  drop {row['dropped_pct']:5.1f}%", flush=True)
    finally:
        proc.terminate()
        proc.wait(15)
        rtsp.stop()
    out = Path(args.out)
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
