"""``watchpost vision train``: fine-tune a detector with the project's recipe and ship it (VID-13)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import click

from watchpost.cli import config_from


@click.command("train")
@click.option("--data", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="YOLO data set folder (data.yaml, images/, labels/) with train and val splits")
@click.option("--model", "name", required=True, help="model name: writes models/<name>/")
@click.option("--epochs", type=click.IntRange(min=1))
@click.option("--imgsz", type=click.IntRange(min=32))
@click.option("--batch", type=click.IntRange(min=1))
@click.option("--lr0", type=click.FloatRange(min=0, min_open=True))
@click.option("--freeze", type=click.IntRange(min=0), help="freeze the first N layers (10 = backbone)")
@click.option("--base", help="start checkpoint (default ../shared/models/yolo11n-coco.pt)")
@click.option("--seed", type=int)
@click.option("--close-ups", type=click.IntRange(min=0),
              help="close-up views per large fire box of the train split (crops cutting through it); 0 = none")
@click.option("--train-limit", type=click.IntRange(min=1),
              help="train on a seeded sample of this many train images plus the close-up views (CPU fine-tune)")
@click.option("--merge-smoke", type=click.FloatRange(0, 0.5), metavar="GAP",
              help="train on smoke labels merged per image: boxes overlapping or within GAP (share of the image) "
                   "of each other become one")
@click.option("--warmup-epochs", type=click.FloatRange(min=0), help="0 when continuing from a trained model")
@click.option("--mosaic", type=click.FloatRange(0, 1), help="mosaic probability (0 for a short fine-tune)")
@click.option("--device", help="ultralytics device: cpu (default) or a GPU index")
@click.option("--keep-base-classes", is_flag=True, help="train with the base model's class list (person: COCO)")
@click.option("--resume", is_flag=True, help="continue the interrupted run from <work-dir>/runs/<name>/weights/last.pt")
@click.option("--work-dir", default="var/train", show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="scratch data copy and run folders (outside git)")
@click.option("--models-root", default="models", show_default=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--ship-only", "ship_from", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="skip training: ship this checkpoint (copy, ONNX, harness, card)")
@click.option("--run-dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="with --ship-only: the ultralytics run folder it came from (recipe and curves for the card)")
@click.pass_context
def train_cmd(ctx: click.Context, data: Path, name: str, epochs: int | None, imgsz: int | None, batch: int | None,
              lr0: float | None, freeze: int | None, base: str | None, seed: int | None, close_ups: int | None,
              train_limit: int | None, merge_smoke: float | None, warmup_epochs: float | None, mosaic: float | None, device: str | None,
              keep_base_classes: bool, resume: bool, work_dir: Path, models_root: Path, ship_from: Path | None, run_dir: Path | None) -> None:
    """Fine-tune on DATA (from the COCO checkpoint unless --base), then write models/<name>/{best.pt,best.onnx,card.md}."""
    from pydantic import ValidationError

    from vision.eval.dataset import EvalSetError
    from vision.train.recipe import Recipe, resolve_base
    from vision.train.runner import ship, train

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    if not name.replace("-", "").replace("_", "").isalnum():
        raise click.BadParameter("letters, digits, - and _ only", param_hint="--model")
    config = config_from(ctx)
    given = dict(epochs=epochs, imgsz=imgsz, batch=batch, lr0=lr0, freeze=freeze, seed=seed, base=base,
                 close_ups=close_ups, train_limit=train_limit, merge_smoke=merge_smoke, warmup_epochs=warmup_epochs,
                 mosaic=mosaic,
                 device=device)
    overrides = {k: v for k, v in given.items() if v is not None}
    if keep_base_classes:
        overrides["keep_base_classes"] = True
    try:
        recipe = Recipe(**overrides)
    except ValidationError as exc:
        raise click.ClickException(str(exc)) from None
    project_root = Path.cwd()
    try:
        if ship_from is not None:
            result = ship(name, ship_from, data, models_root, config, recipe.imgsz, run_dir=run_dir,
                          recipe=None)
        else:
            base_path = resolve_base(recipe.base, project_root)
            if not resume and not base_path.is_file():
                raise click.BadParameter(f"{base_path} not found", param_hint="--base")
            rd = train(data, name, recipe, base_path, work_dir, resume)
            result = ship(name, rd / "weights" / "best.pt", data, models_root, config, recipe.imgsz, run_dir=rd,
                          recipe=recipe.model_dump())
    except (EvalSetError, FileNotFoundError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"shipped {result.model_dir}: onnx equivalent={result.onnx_check['equivalent']}")
    click.echo(json.dumps(result.report["summary"]["images"], indent=2))
