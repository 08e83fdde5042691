"""``watchpost vision``: the worker, evaluation and training."""

from __future__ import annotations

import importlib

import click

# Subcommands live with their parts; imported only when used (torch is slow to import).
LAZY = {
    "run": "vision.worker_cli:run",
    "eval": "vision.eval.cli:eval_cmd",
    "train": "vision.train.cli:train_cmd",
}


class _Lazy(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(LAZY))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY:
            module, attr = LAZY[name].split(":")
            try:
                return getattr(importlib.import_module(module), attr)
            except (ModuleNotFoundError, AttributeError) as exc:
                raise click.ClickException(f"vision {name} is not available: {exc}") from None
        return super().get_command(ctx, name)


@click.group(cls=_Lazy)
def vision() -> None:
    """Vision worker: cameras, detection, rules, evidence, recording; evaluation and training."""
