"""``watchpost vision run``: run the worker for the configured cameras until stopped."""

from __future__ import annotations

import logging
import signal
import sys

import click

from watchpost.cli import config_from


@click.command()
@click.option("--camera", "cameras", multiple=True, help="only these camera ids (a shard); default: all")
@click.option("--log-level", default="INFO")
@click.pass_context
def run(ctx: click.Context, cameras: tuple[str, ...], log_level: str) -> None:
    """Ingest the configured cameras, detect, and post alarms with evidence to the service."""
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per alarm post and per command poll
    cfg = config_from(ctx)
    if cameras and cfg.vision.assignment.enabled:
        raise click.BadParameter("a worker in assigned mode (vision.assignment.enabled) runs the cameras the "
                                 "service assigns; pin a camera with its `worker` setting instead",
                                 param_hint="--camera")
    if cfg.vision.assignment.enabled and not cfg.vision.service_url:
        raise click.ClickException("vision.assignment.enabled needs vision.service_url (the service assigns "
                                   "the cameras)")
    if cameras:
        unknown = set(cameras) - {c.id for c in cfg.vision.cameras}
        if unknown:
            raise click.BadParameter(f"unknown camera id(s): {', '.join(sorted(unknown))}", param_hint="--camera")
        cfg = cfg.model_copy(deep=True)
        cfg.vision.cameras = [c for c in cfg.vision.cameras if c.id in cameras]
    if not cfg.vision.cameras:
        raise click.ClickException("no cameras configured (vision.cameras is empty)")
    from vision.worker import Worker

    worker = Worker(cfg)  # commands (VID-9 linkage, drill clips) come from the service over HTTP

    def _stop(signum, _frame):  # noqa: ANN001
        worker._stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    share = ("cameras assigned by the service" if worker.follower is not None
             else f"{len(worker.cameras)} camera(s)")
    click.echo(f"vision worker {cfg.vision.worker_id}: {share} → {cfg.vision.service_url}")
    worker.run_forever()
    if worker.superseded is not None:
        from vision.assignment import SUPERSEDED_EXIT

        click.echo(f"vision worker {cfg.vision.worker_id} stopped: {worker.superseded}", err=True)
        sys.exit(SUPERSEDED_EXIT)
