"""``watchpost dss``: run a consequence model from the shell and print its result as JSON, so an
evaluator can check a figure by hand. ``watchpost dss list`` names the models;
``watchpost dss <model> --help`` lists its inputs with units and ranges."""

from __future__ import annotations

import json
import sys
import typing

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


def _is_list(info) -> bool:  # noqa: ANN001
    return typing.get_origin(info.annotation) is list


def _help(info) -> str:  # noqa: ANN001
    text = _describe(info)
    if _is_list(info):
        text += "; comma-separated (30,100) or a JSON list"
    if not info.is_required():
        text += f" (default {info.get_default(call_default_factory=True)!r})"
    return text


def _command(m: registry.Model) -> click.Command:
    fields = m.inputs.model_fields
    params = [click.Option([_option_name(name)], type=str, default=None, show_default=False, help=_help(info))
              for name, info in fields.items()]

    def callback(**values: str | None) -> None:
        raw = {k: _parse(v, _is_list(fields[k])) for k, v in values.items() if v is not None}
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


def _parse(v: str, is_list: bool = False):  # noqa: ANN202
    """Numbers, booleans and JSON lists/objects as themselves; anything else as text. A list input also
    takes comma-separated values, as an evaluator types them."""
    try:
        got = json.loads(v)
    except ValueError:
        got = v
    if is_list and not isinstance(got, list):
        return [_parse(x.strip()) for x in v.split(",") if x.strip()]
    return got


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
