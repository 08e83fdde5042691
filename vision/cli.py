"""``watchpost vision``: the worker, evaluation and training."""

from __future__ import annotations

import click

from watchpost.cli import LazyGroup


class _VisionGroup(LazyGroup):
    # Subcommands live with their parts; imported only when used (torch is slow to import).
    lazy = {
        "run": "vision.worker_cli:run",
        "eval": "vision.eval.cli:eval_cmd",
        "compare": "vision.eval.compare_cli:compare_cmd",
        "train": "vision.train.cli:train_cmd",
    }


@click.group(cls=_VisionGroup)
def vision() -> None:
    """Vision worker: cameras, detection, rules, evidence, recording; evaluation and training."""
