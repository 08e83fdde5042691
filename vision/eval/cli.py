"""``watchpost vision eval``: score the detectors and rules on an evaluation set (VID-12)."""

from __future__ import annotations

import json
import logging
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import click

from watchpost.cli import config_from


@click.command("eval")
@click.option("--set", "set_dir", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="evaluation set folder (data.yaml + images/labels and/or clips.json)")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="report.json to write")
@click.option("--html", "html_out", type=click.Path(dir_okay=False, path_type=Path), help="also write an HTML report")
@click.option("--pdf", "pdf_out", type=click.Path(dir_okay=False, path_type=Path),
              help="also print the HTML report to PDF (Chromium)")
@click.option("--split", default="val", show_default=True, help="image split folder; ignored for flat sets")
@click.option("--weights-firesmoke", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="default: vision.detector.fire_smoke_weights")
@click.option("--weights-person", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="default: vision.detector.person_weights")
@click.option("--imgsz", type=click.IntRange(32, 4096), help="inference size; default vision.detector.imgsz")
@click.option("--conf", type=click.FloatRange(0, 1), help="alarm threshold for every class (default: the rules')")
@click.option("--clips", "clips", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="clips.json to replay (repeatable); default: clips.json in the set and its sub-folders")
@click.option("--absent-after", type=click.FloatRange(min=0, min_open=True),
              help="off-post absence threshold T in s (default: rules.off_post.absent_after_s)")
@click.option("--detect-fps", type=click.FloatRange(min=0, min_open=True), help="camera detect_fps for replay")
@click.option("--predictions", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="score precomputed detections (JSON, see docs/evaluation.md) instead of running the models")
@click.option("--by-source", is_flag=True,
              help="also score each source (file-name prefix up to the first '_') on its own")
@click.option("--no-images", is_flag=True, help="skip the image part")
@click.option("--no-clips", is_flag=True, help="skip the clip part")
@click.pass_context
def eval_cmd(ctx: click.Context, set_dir: Path, out: Path, html_out: Path | None, pdf_out: Path | None, split: str,
             weights_firesmoke: Path | None, weights_person: Path | None, imgsz: int | None, conf: float | None,
             clips: tuple[Path, ...], absent_after: float | None, detect_fps: float | None,
             predictions: Path | None, by_source: bool, no_images: bool, no_clips: bool) -> None:
    """Score detectors (images) and the worker pipeline (clips) on SET; write report.json."""
    from vision.eval.dataset import EvalSetError
    from vision.eval.harness import EvalOptions, run
    from vision.eval.report import write_html, write_json, write_pdf

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    config = config_from(ctx)
    if absent_after is not None:
        op = config.vision.rules.off_post.model_copy(update={"absent_after_s": absent_after})
        rules = config.vision.rules.model_copy(update={"off_post": op})
        config = config.model_copy(update={"vision": config.vision.model_copy(update={"rules": rules})})
    opts = EvalOptions(set_dir=set_dir, split=split, weights_firesmoke=weights_firesmoke,
                       weights_person=weights_person, imgsz=imgsz, conf=conf, clips=list(clips),
                       images=not no_images, run_clips=not no_clips, detect_fps=detect_fps,
                       predictions=predictions, by_source=by_source)
    try:
        report, outcomes = run(config, opts)
    except (EvalSetError, FileNotFoundError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    write_json(report, out)
    if html_out:
        write_html(report, html_out, outcomes)
    if pdf_out:
        with tempfile.TemporaryDirectory(prefix="wp-eval-") as tmp:
            page = html_out or Path(tmp) / "report.html"
            if not html_out:
                write_html(report, page, outcomes)
            try:
                write_pdf(page, pdf_out)
            except (FileNotFoundError, ValueError, subprocess.TimeoutExpired) as exc:
                raise click.ClickException(f"--pdf: {exc} (report.json was written)") from None
    click.echo(json.dumps(report["summary"], indent=2))
    _warn_unscored(report)


def _warn_unscored(report: dict[str, Any]) -> None:
    """Say which off-post events the clips were too short to score, and the T that would score them."""
    clips = report.get("clips") or {}
    gaps = [c["duration_s"] - e["start_s"] for c in clips.get("per_clip", []) for e in c["events"]
            if not e.get("scorable", True)]
    if gaps:
        fit = round(min(gaps) - 1.0, 1)  # the alarm comes about a detection step after T
        advice = (f"replay with --absent-after {fit:g} or less so an alarm can fall inside every one of them"
                  if fit > 0 else "one ends within 1 s of the post emptying, too soon for any threshold")
        click.echo(f"note: {len(gaps)} off-post event(s) not scored: their clips end before "
                   f"T ({clips['absent_after_s']:g} s) + 5 s has passed after the post empties; {advice}",
                   err=True)
