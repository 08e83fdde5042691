"""``watchpost demo`` (what ``make run`` starts): the service and a vision worker on bundled
footage, so a newcomer sees a real fire alarm with its snapshot and clip reach the console."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
import httpx
import yaml

from command.demo_footage import h264_copy
from command.domain.passwords import generate as generate_password

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"


def demo_config(root: Path, port: int) -> dict:
    clips = SHARED / "clips"
    offpost = json.loads((SHARED / "offpost" / "clips.json").read_text())[0]
    footage = root / "footage"  # the clips as H.264, as a camera sends them (command/demo_footage.py)
    cameras = [
        {"id": "tank-farm-1", "name": "罐区1号 Tank farm 1", "site": "tank-farm", "url": str(h264_copy(clips / "fire8_seq_fire2.mp4", footage)),
         "profile": "major_hazard", "detect_fps": 2.0, "location": {"lon": 121.4050, "lat": 30.8030}},
        {"id": "warehouse-3", "name": "甲类仓库3 Warehouse 3", "site": "warehouse", "url": str(h264_copy(clips / "fire8_seq_smoke5.mp4", footage)),
         "profile": "warehouse", "detect_fps": 2.0, "location": {"lon": 121.4010, "lat": 30.8062}},
        {"id": "tank-farm-2", "name": "罐区2号 Tank farm 2", "site": "tank-farm",
         "url": str(h264_copy(clips / "fire8_seq_pexels_8365993.mp4", footage)),
         "profile": "major_hazard", "detect_fps": 1.0, "location": {"lon": 121.4062, "lat": 30.8024}},
        {"id": "control-room", "name": "中控室 Control room", "site": "control", "url": str(h264_copy(SHARED / "offpost" / offpost["file"], footage)),
         "profile": "control_room", "detect_fps": 2.0, "location": {"lon": 121.4090, "lat": 30.8080},
         "zones": [{"name": "duty seat", "kind": "duty_post", "polygon": offpost["roi"], "required_people": 1}]},
    ]
    return {
        "park_name": "示范化工园区 Demo Chemical Park",
        "server": {"host": "127.0.0.1", "port": port},
        "storage": {"url": f"sqlite:///{root / 'watchpost.sqlite'}"},
        "sites": [
            {"id": "tank-farm", "name": "罐区 Tank farm", "kind": "major_hazard", "location": {"lon": 121.4050, "lat": 30.8030}},
            {"id": "warehouse", "name": "仓库区 Warehouses", "kind": "warehouse", "location": {"lon": 121.4010, "lat": 30.8062}},
            {"id": "control", "name": "中控室 Control room", "kind": "control_room", "location": {"lon": 121.4090, "lat": 30.8080}},
        ],
        "vision": {
            "cameras": cameras,
            "media_root": str(root / "media"),
            "spool_path": str(root / "spool.sqlite"),
            "service_url": f"http://127.0.0.1:{port}",
            # The demo clips are short: a few seconds of empty seat stand for the configured minute.
            "rules": {"off_post": {"absent_after_s": 3.0}},
            # Short segments: an alarm's moment is in playback within seconds, not a minute.
            "recording": {"segment_s": 10.0},
            # One inference thread: on a small shared box OpenMP threads spin against the service and
            # the decoders (measured 46 ms vs 280-1300 ms per frame, docs/benchmarks.md).
            "detector": {"threads": 1},
        },
        "comms": {"audio_dir": str(root / "audio"), "sms_provider": "drill"},
        "map": {"site_plan": str(REPO / "deploy/demo/site_plan.geojson"),
                "road_graph": str(REPO / "deploy/demo/road_graph.json")},
        "drills": {"clip_dir": str(clips)},
    }


def _wait_healthy(url: str, proc: subprocess.Popen, timeout_s: float = 60) -> None:
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        if proc.poll() is not None:
            raise click.ClickException(f"the service exited with code {proc.returncode}; see the log above")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise click.ClickException("the service did not come up within a minute")


@click.command()
@click.option("--root", type=click.Path(file_okay=False), default="var/demo", show_default=True)
@click.option("--port", type=int, default=8080, show_default=True)
@click.option("--reset", is_flag=True, help="start from an empty database and media folder")
def demo(root: str, port: int, reset: bool) -> None:
    """Start the demo workstation: service + vision worker on bundled footage."""
    if not (SHARED / "clips").exists():
        raise click.ClickException(f"demo footage not found: expected {SHARED}/clips (the shared data folder beside the repository)")
    root_p = Path(root).resolve()
    if reset and root_p.exists():
        import shutil

        shutil.rmtree(root_p)
    root_p.mkdir(parents=True, exist_ok=True)
    cfg_path = root_p / "config.yaml"
    cfg_path.write_text(yaml.safe_dump(demo_config(root_p, port), allow_unicode=True, sort_keys=False))
    env = {**os.environ, "WATCHPOST_CONFIG": str(cfg_path), "PYTHONUNBUFFERED": "1"}
    exe = [sys.executable, "-m", "watchpost.cli"]
    subprocess.run(exe + ["db", "upgrade"], env=env, check=True)

    creds_file = root_p / "credentials.json"
    creds = json.loads(creds_file.read_text()) if creds_file.exists() else {}
    if not creds:
        creds = {"admin_password": generate_password(14), "duty_password": generate_password(14)}
        subprocess.run(exe + ["user", "add", "admin", "--role", "admin", "--password", creds["admin_password"],
                              "--name", "管理员 Admin"], env=env, check=True, capture_output=True)
        subprocess.run(exe + ["user", "add", "duty", "--role", "duty_officer", "--password", creds["duty_password"],
                              "--name", "值班员 Duty officer", "--phone", "+8613800000001"], env=env, check=True,
                       capture_output=True)
        out = subprocess.run(exe + ["user", "add", "vision-1", "--role", "service", "--password",
                                    generate_password(24), "--token"], env=env, check=True, capture_output=True,
                             text=True).stdout
        creds["service_token"] = out.split("token:")[-1].strip()
        creds_file.write_text(json.dumps(creds))
        creds_file.chmod(0o600)

    procs: list[subprocess.Popen] = []

    def shutdown(*_: object) -> None:
        for p in reversed(procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()

    signal.signal(signal.SIGTERM, lambda *a: (shutdown(), sys.exit(0)))
    try:
        procs.append(subprocess.Popen(exe + ["serve", "--no-upgrade"], env=env))
        url = f"http://127.0.0.1:{port}"
        _wait_healthy(url, procs[0])
        seeded = root_p / "seeded"
        if not seeded.exists():  # a plan, resources and the drill scenario, once per demo database
            from command.demo_seed import seed

            seed(url, creds["admin_password"])
            seeded.touch()
        worker_env = {**env, "WATCHPOST__VISION__SERVICE_TOKEN": creds["service_token"]}
        procs.append(subprocess.Popen(exe + ["vision", "run"], env=worker_env))
        click.echo("")
        click.echo("=" * 72)
        click.echo(f"  Watchpost console:  {url}/")
        click.echo(f"  log in as  admin / {creds['admin_password']}   or   duty / {creds['duty_password']}")
        click.echo("  cameras: tank-farm-1/-2 (fire clips), warehouse-3 (smoke clip), control-room (off-post clip)")
        click.echo(f"  live video wall: {url}/console/live.html   playback: {url}/console/playback.html")
        click.echo("  the first alarms appear within seconds; Ctrl-C stops everything")
        click.echo(f"  a drill: {url}/console/drills.html (or: watchpost drill run --play --url {url} --user admin)")
        click.echo("=" * 72)
        while all(p.poll() is None for p in procs):
            time.sleep(1)
        failed = [p for p in procs if p.poll() not in (None, 0)]
        if failed:
            raise click.ClickException("a demo process stopped unexpectedly; see the log above")
    except KeyboardInterrupt:
        pass
    finally:
        shutdown()
