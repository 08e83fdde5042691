"""``watchpost``: one CLI, a subcommand per part. Part groups load lazily (torch is slow to import)."""

from __future__ import annotations

import importlib
import sys

import click

from watchpost.config import Config, ConfigError, load_config

# Subcommand name -> "module:attribute" of a click command, imported only when used.
LAZY = {
    "serve": "command.cli:serve",
    "db": "command.cli:db",
    "backup": "command.cli:backup",
    "restore": "command.cli:restore",
    "user": "command.cli:user",
    "audit": "command.cli:audit",
    "vision": "vision.cli:vision",
    "comms": "comms.cli:comms",
    "demo": "command.demo:demo",
    "drill": "drills.cli:drill",
    "dss": "command.dss.cli:dss",
}


class LazyGroup(click.Group):
    """A group whose subcommands are ``lazy`` "module:attribute" entries, imported on use."""

    lazy: dict[str, str] = LAZY

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy:
            module, attr = self.lazy[name].split(":")
            try:
                return getattr(importlib.import_module(module), attr)
            except (ModuleNotFoundError, AttributeError) as exc:
                raise click.ClickException(f"subcommand {name!r} is not available: {exc}") from None
        return super().get_command(ctx, name)


def config_from(ctx: click.Context) -> Config:
    """The validated config for this invocation; exits with field-level errors if invalid."""
    obj = ctx.find_root().obj or {}
    if "config" not in obj:
        try:
            obj["config"] = load_config(obj.get("config_path"))
        except ConfigError as exc:
            click.echo(f"invalid config {exc.source}:", err=True)
            for line in exc.errors:
                click.echo(f"  {line}", err=True)
            sys.exit(2)
        ctx.find_root().obj = obj
    return obj["config"]


@click.group(cls=LazyGroup)
@click.option("-c", "--config", "config_path", type=click.Path(dir_okay=False), envvar="WATCHPOST_CONFIG",
              help="YAML config (default: built-in defaults); env WATCHPOST__SECTION__KEY overrides any field")
@click.version_option(package_name="watchpost")
@click.pass_context
def main(ctx: click.Context, config_path: str | None) -> None:
    """Watchpost emergency-command and video-analytics workstation."""
    ctx.obj = {"config_path": config_path}


@main.group("config")
def config_group() -> None:
    """Inspect and validate configuration."""


@config_group.command("check")
@click.argument("path", type=click.Path(dir_okay=False))
def config_check(path: str) -> None:
    """Validate PATH and print every bad field."""
    try:
        cfg = load_config(path)
    except ConfigError as exc:
        click.echo(f"{exc.source}: {len(exc.errors)} error(s)", err=True)
        for line in exc.errors:
            click.echo(f"  {line}", err=True)
        sys.exit(2)
    click.echo(f"{path}: OK ({len(cfg.vision.cameras)} camera(s), {len(cfg.sites)} site(s), storage {cfg.storage.url.split(':')[0]})")


@config_group.command("show")
@click.pass_context
def config_show(ctx: click.Context) -> None:
    """Print the effective config (file + env overrides + defaults) as YAML, secrets masked."""
    import yaml

    data = config_from(ctx).model_dump(mode="json")
    tw = data["comms"]["twilio"]
    for key in ("auth_token",):
        if tw.get(key):
            tw[key] = "***"
    click.echo(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


if __name__ == "__main__":  # pragma: no cover
    main()
