"""``watchpost dss``: run a consequence model from the shell and print its result as JSON, so an
evaluator can check a figure by hand. ``watchpost dss list`` names the models;
``watchpost dss <model> --help`` lists its inputs with units and ranges."""

from __future__ import annotations

import json
import sys

import click
from pydantic import BaseModel, ValidationError

from command.dss import registry
from command.dss.validity import OutOfRange


def _option_name(field: str) -> str:
    return "--" + field.replace("_", "-")


def _describe(info) -> str:  # noqa: ANN001
    parts = [info.description or ""]
    for m in info.metadata:
        for attr, sym in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<")):
            v = getattr(m, attr, None)
            if v is not None:
                parts.append(f"{sym} {v:g}" if isinstance(v, (int, float)) else f"{sym} {v}")
    return "; ".join(p for p in parts if p)


def _command(m: registry.Model) -> click.Command:
    params = [click.Option([_option_name(name)], type=str, default=None, show_default=False,
                           help=_describe(info) + ("" if info.is_required() else f" (default {info.default!r})"))
              for name, info in m.inputs.model_fields.items()]

    def callback(**values: str | None) -> None:
        raw = {k: _parse(v) for k, v in values.items() if v is not None}
        try:
            out: BaseModel = m.run(m.inputs.model_validate(raw))
        except ValidationError as e:
            for err in e.errors():
                where = ".".join(str(p) for p in err["loc"])
                click.echo(f"{_option_name(where) if where else m.name}: {err['msg']}", err=True)
            sys.exit(2)
        except OutOfRange as e:
            click.echo(str(e), err=True)
            sys.exit(2)
        click.echo(json.dumps(out.model_dump(mode="json"), ensure_ascii=False, indent=2))

    return click.Command(m.name, params=params, callback=callback, help=m.summary)


def _parse(v: str):  # noqa: ANN202
    """Numbers, booleans and JSON lists/objects as themselves; anything else as text."""
    try:
        return json.loads(v)
    except ValueError:
        return v


class DssGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return ["list", *registry.load_all()]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name == "list":
            return super().get_command(ctx, name)
        models = registry.load_all()
        return _command(models[name]) if name in models else None


@click.group(cls=DssGroup)
def dss() -> None:
    """Consequence models (decision support, DSS-2/DSS-4): plume, dense gas, fires, explosions."""


@dss.command("list")
def list_models() -> None:
    """Each model, what it computes, and its published sources."""
    for m in registry.load_all().values():
        click.echo(f"{m.name}: {m.summary}")
        for s in m.sources:
            click.echo(f"    source: {s}")
