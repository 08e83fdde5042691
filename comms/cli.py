"""``watchpost comms ...``: send a test message, run the dispatcher once, render speech, export CAP."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from watchpost.cli import config_from


@click.group("comms")
def comms() -> None:
    """SMS, broadcast and the outbox (issue #6)."""


@comms.command("send")
@click.option("--channel", type=click.Choice(["sms", "broadcast", "console"]), default="sms")
@click.option("--to", "to", multiple=True, required=True, help="phone number (E.164) or PA zone; repeatable")
@click.option("--exercise", is_flag=True, help="mark as a drill message (goes to the drill sink)")
@click.argument("body")
@click.pass_context
def send(ctx: click.Context, channel: str, to: tuple[str, ...], exercise: bool, body: str) -> None:
    """Queue BODY for each --to (one campaign); the service's dispatcher sends it."""
    from comms.service import SendNow, send_now
    from watchpost.clock import SYSTEM_CLOCK
    from watchpost.db import make_engine, make_sessionmaker, session_scope

    cfg = config_from(ctx)
    engine = make_engine(cfg.storage.url)
    with session_scope(make_sessionmaker(engine)) as db:
        camp = send_now(db, SendNow(channel=channel, to=list(to), body=body, exercise=exercise), actor="cli",
                        now=SYSTEM_CLOCK.now())
        click.echo(f"campaign {camp.id}: {len(to)} message(s) queued")
    engine.dispose()


@comms.command("dispatch")
@click.option("--rounds", default=1, show_default=True, help="dispatcher rounds to run")
@click.pass_context
def dispatch(ctx: click.Context, rounds: int) -> None:
    """Run the dispatcher in this process (reconcile, send what is due, escalate)."""
    from comms.dispatcher import Dispatcher
    from watchpost.clock import SYSTEM_CLOCK
    from watchpost.db import make_engine, make_sessionmaker

    cfg = config_from(ctx)
    engine = make_engine(cfg.storage.url)
    d = Dispatcher(make_sessionmaker(engine), cfg, SYSTEM_CLOCK)
    total = sum(d.run_once() for _ in range(rounds))
    click.echo(f"attempted {total} message(s)")
    engine.dispose()


@comms.command("say")
@click.option("--voice", default=None, help="espeak-ng voice (cmn, en, ...); default comms.broadcast.voice")
@click.option("--out", type=click.Path(dir_okay=False), required=True)
@click.argument("text")
@click.pass_context
def say(ctx: click.Context, voice: str | None, out: str, text: str) -> None:
    """Render TEXT to a WAV as a broadcast would (voice, rate and repeat from config)."""
    from comms.providers.base import ProviderError
    from comms.providers.tts_broadcast import VoiceError, render_speech

    cfg = config_from(ctx).comms.broadcast
    try:
        path = render_speech(text, Path(out), voice=voice or cfg.voice, rate=cfg.rate, repeat=cfg.repeat)
    except VoiceError as exc:
        click.echo(f"--voice: {exc}", err=True)
        sys.exit(2)
    except (ProviderError, ValueError) as exc:
        raise click.ClickException(f"TEXT: {exc}") from None
    click.echo(str(path))


@comms.command("cap-export")
@click.argument("campaign_id", type=int)
@click.pass_context
def cap_export(ctx: click.Context, campaign_id: int) -> None:
    """Print campaign CAMPAIGN_ID as a CAP 1.2 alert."""
    from comms import cap
    from comms.models import Campaign
    from watchpost.db import make_engine, make_sessionmaker

    cfg = config_from(ctx)
    engine = make_engine(cfg.storage.url)
    with make_sessionmaker(engine)() as db:
        camp = db.get(Campaign, campaign_id)
        if camp is None:
            click.echo(f"campaign_id: no campaign {campaign_id}", err=True)
            sys.exit(2)
        click.echo(cap.export_campaign(db, camp, sender=cfg.park_name).decode())
    engine.dispose()
