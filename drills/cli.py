"""``watchpost drill``: validate a scenario, run it on a live service, follow it, get its report.

The commands talk to a running service over its API (``--url``; ``--token`` or ``--user`` with
``--password``), so a drill run from the command line is the same drill the console shows.
``run --start-demo`` starts the demo workstation first when nothing answers at ``--url``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import click
import httpx

from drills.scenario import SEAT_ROLES, ScenarioError, load
from watchpost.cli import config_from

EXAMPLE = Path(__file__).resolve().parent / "scenarios" / "tank_farm_fire.yaml"


def _default_url(ctx: click.Context) -> str:
    server = config_from(ctx).server
    host = "127.0.0.1" if server.host in ("0.0.0.0", "::") else server.host
    return f"{'https' if server.tls else 'http'}://{host}:{server.port}"


def _reachable(url: str) -> bool:
    try:
        return httpx.get(url + "/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _client(url: str, token: str | None, user: str | None, password: str | None) -> httpx.Client:
    if not token:
        if not user:
            raise click.UsageError("give --token (or WATCHPOST_TOKEN), or --user and --password")
        r = httpx.post(url + "/api/auth/login", json={"username": user, "password": password or ""}, timeout=10)
        if r.status_code != 200:
            raise click.ClickException(f"--user: cannot sign in as {user}: {r.json().get('detail', r.text)}")
        token = r.json()["token"]
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def _check(r: httpx.Response, what: str) -> dict:
    if r.status_code >= 400:
        try:
            detail = r.json().get("detail", r.text)
        except ValueError:
            detail = r.text
        if isinstance(detail, list):
            detail = "; ".join(f"{'.'.join(str(x) for x in e.get('loc', []))}: {e.get('msg')}" for e in detail)
        raise click.ClickException(f"{what}: {detail}")
    return r.json()


@click.group()
@click.option("--url", default=None, help="the service (default: server.host and server.port of the config)")
@click.option("--token", envvar="WATCHPOST_TOKEN", default=None, help="an API or session token (env WATCHPOST_TOKEN)")
@click.option("--user", default=None, help="sign in as this user instead of a token")
@click.option("--password", envvar="WATCHPOST_PASSWORD", default=None, help="env WATCHPOST_PASSWORD")
@click.pass_context
def drill(ctx: click.Context, url: str | None, token: str | None, user: str | None, password: str | None) -> None:
    """Drills: scenarios replayed on the live system, their progress and evaluation report."""
    ctx.ensure_object(dict)
    ctx.obj["drill"] = {"url": (url or _default_url(ctx)).rstrip("/"), "token": token, "user": user,
                        "password": password}


def _api(ctx: click.Context) -> httpx.Client:
    o = ctx.obj["drill"]
    if not _reachable(o["url"]):
        raise click.ClickException(f"--url: no Watchpost service answers at {o['url']} (start one: make run)")
    return _client(o["url"], o["token"], o["user"], o["password"])


@drill.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--offline", is_flag=True, help="check the file only, not what it names on the site")
@click.pass_context
def validate(ctx: click.Context, file: str, offline: bool) -> None:
    """Check FILE: every bad field, then (with a service) every camera, clip, plan or resource it
    names that the site lacks."""
    try:
        sc = load(file)
    except ScenarioError as exc:
        for p in exc.problems:
            click.echo(f"{file}: {p}", err=True)
        sys.exit(2)
    click.echo(f"{file}: {sc.id}: {len(sc.injects)} inject(s), roles {', '.join(sc.roles)}, "
               f"{sc.duration_s():.0f} s of drill time")
    if offline:
        return
    api = _api(ctx)
    r = api.post("/api/drills/scenarios/validate", json={"source": Path(file).read_text(encoding="utf-8")})
    if r.status_code == 422:
        for p in str(r.json()["detail"]).split("; "):
            click.echo(f"{file}: {p}", err=True)
        sys.exit(2)
    _check(r, "validate")
    click.echo(f"{file}: everything it names exists at {ctx.obj['drill']['url']}")


def _start_demo(url: str) -> tuple[subprocess.Popen, str]:
    port = url.rsplit(":", 1)[-1].split("/")[0]
    root = Path("var/demo")
    proc = subprocess.Popen([sys.executable, "-m", "watchpost.cli", "demo", "--port", port], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 180
    while time.time() < deadline:
        if proc.poll() is not None:
            raise click.ClickException("the demo workstation did not start (run `make run` to see why)")
        creds = root / "credentials.json"
        if _reachable(url) and creds.exists():
            return proc, json.loads(creds.read_text())["admin_password"]
        time.sleep(1)
    proc.terminate()
    raise click.ClickException("the demo workstation did not come up within 3 minutes")


@drill.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False), default=str(EXAMPLE))
@click.option("--speed", type=click.Choice(["1", "2", "5", "10"]), default=None, help="default: the scenario's")
@click.option("--seat", "seats", multiple=True, metavar="USER=ROLE", help=f"a seat ({', '.join(SEAT_ROLES)}); repeat")
@click.option("--test-group", multiple=True, metavar="+86...", help="a number that gets the drill's messages for real")
@click.option("--play", is_flag=True, help="simulated seats play every role (an admin account is needed)")
@click.option("--react-s", type=float, default=1.0, show_default=True, help="with --play: seconds before acting")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), default=None,
              help="write the report here at the end (.pdf or .docx)")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--start-demo", is_flag=True, help="start the demo workstation if nothing answers at --url")
@click.pass_context
def run(ctx: click.Context, file: str, speed: str | None, seats: tuple[str, ...], test_group: tuple[str, ...],
        play: bool, react_s: float, report_path: str | None, lang: str, start_demo: bool) -> None:
    """File FILE (default: the bundled example), start a drill of it, follow it to its end, and
    write its evaluation report."""
    from drills.player import Player

    o = ctx.obj["drill"]
    demo = None
    if start_demo and not _reachable(o["url"]):
        demo, password = _start_demo(o["url"])
        o |= {"user": o["user"] or "admin", "password": o["password"] or password}
    try:
        api = _api(ctx)
        parsed = {}
        for s in seats:
            user, _, role = s.partition("=")
            if role not in SEAT_ROLES:
                raise click.BadParameter(f"{s!r}: USER=ROLE with ROLE one of {', '.join(SEAT_ROLES)}", param_hint="--seat")
            parsed[user] = role
        sc = _check(api.post("/api/drills/scenarios", json={"source": Path(file).read_text(encoding="utf-8")}), file)
        body = {"scenario_id": sc["id"], "seats": [{"username": u, "role": r} for u, r in parsed.items()],
                "test_group": list(test_group)} | ({"speed": int(speed)} if speed else {})
        d = _check(api.post("/api/drills", json=body), "start")
        click.echo(f"drill {d['id']}: {d['title']} at {d['speed']:g}x, {d['injects']} inject(s), "
                   f"{d['duration_s']:.0f} s of drill time")
        player = Player(api, d["id"], react_s) if play else None
        shown = 0
        while d["status"] in ("running", "paused"):
            time.sleep(0.5)
            d = player.step() if player else _check(api.get(f"/api/drills/{d['id']}"), "status")
            if player:
                for line in player.log[shown:]:
                    click.echo(f"  [{d['drill_s']:6.0f} s] {line}")
                shown = len(player.log)
        counts = {s: sum(t["status"] == s for t in d["tasks"]) for s in ("done", "late", "missed")}
        click.echo(f"drill {d['id']} {d['status']}: {len(d['tasks'])} task(s), {counts['done']} on time, "
                   f"{counts['late']} late, {counts['missed']} missed")
        if report_path:
            fmt = "docx" if report_path.endswith(".docx") else "pdf"
            r = api.get(f"/api/drills/{d['id']}/report.{fmt}", params={"lang": lang})
            if r.status_code >= 400:
                _check(r, "report")
            Path(report_path).write_bytes(r.content)
            click.echo(f"report: {report_path}")
    finally:
        if demo is not None:
            os.killpg(demo.pid, 15)
            demo.wait(30)


@drill.command()
@click.argument("drill_id", type=int, required=False)
@click.pass_context
def status(ctx: click.Context, drill_id: int | None) -> None:
    """A drill's progress by role; without DRILL_ID, the drills running now."""
    api = _api(ctx)
    if drill_id is None:
        live = _check(api.get("/api/drills/live"), "status")
        if not live:
            click.echo("no drill is running")
        for d in live:
            click.echo(f"drill {d['id']} {d['status']} at {d['speed']:g}x: {d['title']} — "
                       f"{d['drill_s']:.0f}/{d['duration_s']:.0f} s, {d['fired']}/{d['injects']} inject(s)")
        return
    d = _check(api.get(f"/api/drills/{drill_id}"), f"drill {drill_id}")
    click.echo(f"drill {d['id']} {d['status']}: {d['title']} — {d['drill_s']:.0f}/{d['duration_s']:.0f} s")
    for role, c in d["progress"].items():
        click.echo(f"  {role:13} {c['done']} on time, {c['late']} late, {c['missed']} missed, "
                   f"{c['pending'] + c['overdue']} open ({c['overdue']} overdue) of {c['total']}")


@drill.command()
@click.argument("drill_id", type=int)
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="default: drill-<id>-report.<format>")
@click.option("--format", "fmt", type=click.Choice(["pdf", "docx"]), default="pdf", show_default=True)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--version", type=int, default=None, help="a saved version (default: the latest, or the draft)")
@click.pass_context
def report(ctx: click.Context, drill_id: int, out: str | None, fmt: str, lang: str, version: int | None) -> None:
    """Write DRILL_ID's evaluation report (a finished or aborted drill)."""
    api = _api(ctx)
    params: dict[str, str | int] = {"lang": lang} | ({"version": version} if version else {})
    r = api.get(f"/api/drills/{drill_id}/report.{fmt}", params=params)
    if r.status_code >= 400:
        _check(r, f"drill {drill_id}")
    path = Path(out or f"drill-{drill_id}-report.{fmt}")
    path.write_bytes(r.content)
    click.echo(str(path))
