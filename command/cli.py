"""Service-side subcommands: serve, db, user, audit, backup, restore."""

from __future__ import annotations

import sys

import click

from watchpost.cli import config_from


def _sessions(ctx: click.Context):
    from watchpost.db import make_engine, make_sessionmaker

    cfg = config_from(ctx)
    engine = make_engine(cfg.storage.url)
    return engine, make_sessionmaker(engine)


@click.command()
@click.option("--host", default=None, help="override server.host")
@click.option("--port", type=int, default=None, help="override server.port")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="override server.workers")
@click.option("--no-upgrade", is_flag=True, help="do not apply pending migrations first")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None, workers: int | None, no_upgrade: bool) -> None:
    """Run the command service (API, console, WebSocket push, scheduler, comms dispatcher)."""
    import os

    import uvicorn

    from command.app import create_app, log_service
    from watchpost.db.migrate import upgrade

    from watchpost.memory import limit_malloc_arenas

    limit_malloc_arenas()  # before the thread pool and the database connections exist
    cfg = config_from(ctx)
    log_service()
    if not no_upgrade:
        upgrade(cfg.storage.url)
    workers = workers or cfg.server.workers
    if port:  # the process records the port it serves in its heartbeat (service_replicas)
        cfg.server.port = port
        os.environ["WATCHPOST__SERVER__PORT"] = str(port)  # and so do the worker processes, which reload the config
    # No per-message deflate: one push event goes to every console, and compressing it once per connection was a
    # tenth of the service's CPU at 1,000 sessions (issue #23); the events are a few hundred bytes of JSON.
    opts = dict(host=host or cfg.server.host, port=port or cfg.server.port, log_level="info",
                ws_ping_interval=20, ws_ping_timeout=20, ws_per_message_deflate=False, server_header=False,
                timeout_keep_alive=cfg.server.keep_alive_s)
    if cfg.server.tls:
        for field in ("tls_certfile", "tls_keyfile"):
            path = getattr(cfg.server, field)
            if not os.access(path, os.R_OK):
                raise click.ClickException(f"server.{field}: {path} is not a readable file")
        opts |= dict(ssl_certfile=cfg.server.tls_certfile, ssl_keyfile=cfg.server.tls_keyfile)
    if workers == 1:
        uvicorn.run(create_app(cfg), **opts)
        return
    if cfg.bus.kind != "mqtt":
        click.echo("warning: with several workers and bus.kind 'inprocess', a console connected to one worker "
                   "sees the others' events only by the 2 s fallback poll; set bus.kind: mqtt", err=True)
    path = (ctx.find_root().obj or {}).get("config_path")
    if path:  # each worker process loads the same file (and inherits the WATCHPOST__ overrides)
        os.environ["WATCHPOST_CONFIG"] = str(os.path.abspath(path))
    uvicorn.run("command.asgi:create", factory=True, workers=workers, **opts)


@click.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head")
@click.pass_context
def db_upgrade(ctx: click.Context, revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    from watchpost.db.migrate import current, upgrade

    cfg = config_from(ctx)
    upgrade(cfg.storage.url, revision)
    click.echo(f"database at revision {current(cfg.storage.url)}")


@click.group()
def user() -> None:
    """Users and service accounts."""


@user.command("add")
@click.argument("username")
@click.option("--role", required=True, help="admin, commander, duty_officer, drill_organizer, evaluator, viewer, service")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", "display_name", default="")
@click.option("--phone", default=None)
@click.option("--token", "want_token", is_flag=True, help="also print an API token (service accounts)")
@click.pass_context
def user_add(ctx: click.Context, username: str, role: str, password: str, display_name: str, phone: str | None,
             want_token: bool) -> None:
    """Create USERNAME with ROLE."""
    from command.domain.roles import Role
    from command.services.auth import add_user, issue_token, password_policy
    from watchpost.db import session_scope

    cfg = config_from(ctx)
    if role not in Role.__members__:
        raise click.BadParameter(f"unknown role {role!r}; one of: {', '.join(Role.__members__)}", param_hint="--role")
    engine, sessions = _sessions(ctx)
    try:
        with session_scope(sessions) as s:
            u = add_user(s, username, password, role, display_name, phone, actor="cli",
                         policy=password_policy(cfg.server))
            token = issue_token(s, u, "api", None) if want_token else None
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        engine.dispose()
    click.echo(f"user {username} created with role {role}")
    if token:
        click.echo(f"token: {token}")


@click.group()
def audit() -> None:
    """The tamper-evident audit log."""


@audit.command("verify")
@click.pass_context
def audit_verify(ctx: click.Context) -> None:
    """Recompute the hash chain; exit 1 and list every break if the log was tampered with."""
    from command.services import audit as audit_svc

    engine, sessions = _sessions(ctx)
    with sessions() as s:
        problems = audit_svc.verify(s)
        from sqlalchemy import func, select

        from command.db.models.audit import AuditEntry

        n = s.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    engine.dispose()
    if problems:
        click.echo(f"audit log TAMPERED: {len(problems)} problem(s) in {n} entries", err=True)
        for p in problems:
            click.echo(f"  seq {p.seq}: {p.reason}", err=True)
        sys.exit(1)
    click.echo(f"audit log OK: {n} entries, chain intact")


@click.command()
@click.argument("dest", type=click.Path(dir_okay=False))
@click.pass_context
def backup(ctx: click.Context, dest: str) -> None:
    """Write a consistent backup of the database to DEST while the service runs (NFR-8).

    SQLite: a snapshot through the online backup API; PostgreSQL: pg_dump custom format."""
    from command.services.backup import BackupError
    from command.services.backup import backup as do_backup

    cfg = config_from(ctx)
    try:
        res = do_backup(cfg.storage.url, dest)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{res.backend} backup written to {res.path} ({res.bytes} bytes)")


@click.command()
@click.argument("src", type=click.Path(exists=True, dir_okay=False))
@click.pass_context
def restore(ctx: click.Context, src: str) -> None:
    """Replace the database with the backup SRC made by ``watchpost backup`` (stop the service first)."""
    from command.services.backup import BackupError
    from command.services.backup import restore as do_restore

    cfg = config_from(ctx)
    try:
        res = do_restore(cfg.storage.url, src)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{res.backend} database restored from {res.path}")
