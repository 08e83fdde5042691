"""``watchpost vision compare``: a candidate model against its base, source by source (VID-12)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import click

from watchpost.cli import config_from


def _set_and_split(value: str) -> tuple[Path, str | None]:
    path, _, split = value.partition(":")
    p = Path(path)
    if not p.is_dir():
        raise click.BadParameter(f"{path}: not a folder", param_hint="--set")
    return p, split or None


@click.command("compare")
@click.option("--candidate", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="weights to judge")
@click.option("--base", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="weights it started from (or the ones shipped today)")
@click.option("--kind", required=True, type=click.Choice(["person", "firesmoke"]), help="which detector they are")
@click.option("--set", "sets", required=True, multiple=True, metavar="DIR[:SPLIT]",
              help="labelled image set, optionally with its split (repeatable)")
@click.option("--seen", multiple=True, metavar="SOURCE",
              help="a source the candidate trained on: a file-name prefix (f8), SET/prefix, or a whole set's "
                   "folder name (repeatable); every other source is held out")
@click.option("--tolerance", default=0.01, show_default=True, type=click.FloatRange(0, 1),
              help="how much lower a held-out figure may be and still count as no loss")
@click.option("--min-images", default=20, show_default=True, type=click.IntRange(min=1),
              help="a held-out source with fewer images is shown, not judged")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="write the comparison as JSON")
@click.pass_context
def compare_cmd(ctx: click.Context, candidate: Path, base: Path, kind: str, sets: tuple[str, ...],
                seen: tuple[str, ...], tolerance: float, min_images: int, out: Path | None) -> None:
    """Score CANDIDATE and BASE on each set, source by source; exit 1 if the candidate loses on a held-out one."""
    from vision.eval import compare
    from vision.eval.dataset import EvalSetError
    from vision.eval.harness import EvalOptions, run

    logging.basicConfig(level=logging.WARNING)
    config = config_from(ctx)
    per_set = {}
    for value in sets:
        set_dir, split = _set_and_split(value)
        reports = []
        for weights in (candidate, base):
            opts = EvalOptions(set_dir=set_dir, split=split or "val", run_clips=False, by_source=True,
                               **{f"weights_{kind}": weights})
            try:
                report, _ = run(config, opts)
            except (EvalSetError, FileNotFoundError, ValueError) as exc:
                raise click.ClickException(f"--set {value}: {exc}") from None
            if report.get("images") is None:
                raise click.ClickException(f"--set {value}: no labelled images to score")
            reports.append(report["images"])
        per_set[set_dir.name] = (reports[0], reports[1])
    rows = compare.compare(per_set, set(seen), tolerance)
    ok, reasons = compare.verdict(rows, min_images)
    click.echo(compare.table(rows, min_images))
    click.echo(("ships: no loss on a held-out source" if ok else "does not ship: " + "; ".join(reasons)))
    if out:
        out.write_text(json.dumps(compare.as_json(rows, ok, reasons), indent=1))
    ctx.exit(0 if ok else 1)
