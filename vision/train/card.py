"""Model cards (``models/<name>/card.md``): data and licences, recipe, metrics, use, limits."""

from __future__ import annotations

import json
from typing import Any

# Attributions for the developer data (../shared/data/README.md and SOURCES.md). A set not
# listed here gets a card that says its licence is unknown: fill it in before shipping.
DATA_SOURCES: dict[str, list[dict[str, str]]] = {
    "firesmoke": [
        {"prefix": "f8_", "what": "CCTV-style fire/smoke (fire-8 Roboflow export), 877 train / 102 val",
         "repo": "github.com/Abonia1/YOLOv8-Fire-and-Smoke-Detection",
         "commit": "f2c67efae8ff249f2c3e1c34df0fd3a6351a1efb", "folder": "datasets/fire-8/{train,valid,test}",
         "licence": "CC BY 4.0", "attribution": "Roboflow user \"custom-thxhn\", project fire-wrpgm v8"},
        {"prefix": "fa_", "what": "frames of fire videos + web photos, hard negatives (beacons, traffic/tail "
                                  "lights), 865 train / 276 val",
         "repo": "github.com/SathurshanPrabaharan/Fire_and_smoke_detector",
         "commit": "c6c142a429bcb29dec4080a259058c38d03f8a90", "folder": "Dataset/{train,valid}",
         "licence": "CC BY 4.0",
         "attribution": "Roboflow workspace \"fireandsmoke-gjn7t\", project fire_smoke_detection-qudqu v12"},
        {"prefix": "cn_", "what": "hard negatives (offices, red rooms, sunsets, lamps, fog), 467 train / 57 val",
         "repo": "github.com/cair/Fire-Detection-Image-Dataset",
         "commit": "2e5d7e36300b9dbf7e6dbab9c97fef0462a33c1a (licence added in 4fd34c24fd439aa5955d00b34a363329d9d0c4a5)",
         "folder": "normal_images/", "licence": "MIT",
         "attribution": "MIT notice: \"Permission is hereby granted, free of charge, to any person obtaining a "
                        "copy of this software and associated documentation files (the \"Software\"), to deal "
                        "in the Software without restriction, including without limitation the rights to use, "
                        "copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the "
                        "Software, and to permit persons to whom the Software is furnished to do so, subject to "
                        "the following conditions: The above copyright notice and this permission notice shall "
                        "be included in all copies or substantial portions of the Software.\" (full text with its "
                        "warranty disclaimer: LICENSE.md at the commit above; the authors left the year/name "
                        "placeholders unfilled)"},
    ],
    "person": [
        {"prefix": "", "what": "indoor CCTV of a clinical-trial room (1920x1080 downscaled to 640x360), classes "
                               "subject + other personnel -> person; 516 train / 44 val",
         "repo": "github.com/adiandrianto/YOLOv8-clinical-trial-subject-counter",
         "commit": "54da3b8280865c4fcaeddb661426a08db2bc4e53", "folder": "dataset/{train,valid}",
         "licence": "CC BY 4.0", "attribution": "Roboflow workspace \"ai-indonesia\", project cctv-vh5b6 v2"},
    ],
}

BASE_MODEL = (
    "`yolo11n-coco.pt` from `../shared/models/` (sha256 7c95862b…046b): Ultralytics' official COCO-trained "
    "YOLO11n, rebuilt from Ultralytics' own int8 TFLite export held at github.com/MishrajiAryan/cv_counter "
    "@5fcd4cb8f9683e88ae478117784c1ebabf8e5084 (see `../shared/models/README.md`). Licence **AGPL-3.0** "
    "(Ultralytics); weights derived from it are AGPL-3.0 too."
)


def data_section(kind: str) -> str:
    rows = DATA_SOURCES.get(kind)
    if not rows:
        return "**Licence of the training data unknown — fill in before shipping.**\n"
    out = ["| subset | what | repository @ commit, folder | licence | attribution |", "|---|---|---|---|---|"]
    for r in rows:
        out.append(f"| `{r['prefix']}*` | {r['what']} | {r['repo']} @ {r['commit']}, `{r['folder']}` | "
                   f"{r['licence']} | {r['attribution']} |")
    return "\n".join(out) + "\n"


# Everything from this line on is written by hand (clip replays, real video, close-ups, target status)
# and survives `watchpost vision train` regenerating the card above it.
HAND_WRITTEN = ("<!-- Hand-written sections below: kept when `watchpost vision train` regenerates this card; "
                "re-measure their numbers when the weights change. -->")


def kept_sections(old_card: str) -> str:
    """The hand-written tail of an existing card (from the ``HAND_WRITTEN`` marker on), or ""."""
    at = old_card.find(HAND_WRITTEN)
    return old_card[at:] if at >= 0 else ""


def metrics_section(summary: dict[str, Any] | None, report_cmd: str,
                    by_source: dict[str, Any] | None = None) -> str:
    if not summary:
        return "_Not measured yet._\n"
    text = f"Reproduce: `{report_cmd}`\n\n```json\n{json.dumps(summary, indent=2)}\n```\n"
    return text + by_source_table(by_source)


def by_source_table(by_source: dict[str, Any] | None) -> str:
    """Box AP50 next to image-level AP and recall per source; nothing when there is one source."""
    if not by_source or len(by_source) < 2:
        return ""
    rows = ["\nBy source (`--by-source`; image level: does an image holding the class get a detection of it "
            "at the alarm threshold):\n", "| source | images | class | boxes | box AP50 | box recall | image AP "
            "| image recall |", "|---|---|---|---|---|---|---|---|"]
    for src, g in by_source.items():
        for c, v in g["classes"].items():
            if not v["n_gt"]:
                continue
            il = v["image_level"]
            rows.append(f"| `{src or '-'}` | {g['n_images']} | {c} | {v['n_gt']} | {v['ap50']} | {v['recall']} "
                        f"| {il['ap']} | {il['recall']} |")
    negs = {src: g for src, g in by_source.items() if g.get("negative_images")}
    if negs:
        rows += ["\nNegative images (no labelled box) with a detection at the alarm threshold, by source:\n",
                 "| source | negative images | alarmed |", "|---|---|---|"]
        rows += [f"| `{src or '-'}` | {g['negative_images']} | {g['negatives_alarmed']} |" for src, g in negs.items()]
    return "\n".join(rows) + "\n"


def render(
    name: str,
    kind: str,
    purpose: str,
    recipe: dict[str, Any] | None,
    train_metrics: dict[str, Any] | None,
    summary: dict[str, Any] | None,
    report_cmd: str,
    onnx_check: dict[str, Any] | None,
    failure_modes: list[str],
    extra: str = "",
    trained: bool = True,
    by_source: dict[str, Any] | None = None,
) -> str:
    parts = [
        f"# Model card: `{name}`\n",
        f"{purpose}\n",
        "## Files\n- `best.pt` (ultralytics checkpoint), `best.onnx` (same network, dynamic input size, for the onnxruntime backend)\n",
        "## Base model and licence\n" + BASE_MODEL + "\n",
        ("## Training data (and attributions)\n" if trained else
         "## Data (and attributions)\nThese weights were **not trained** on this data; it was used only to measure "
         "them (below).\n\n") + data_section(kind),
        "Developer data from `../shared/data/` (README.md, SOURCES.md there); images never committed here.\n",
        "## Recipe\n" + (f"```json\n{json.dumps(recipe, indent=2)}\n```\n" if recipe else "No training run recorded: these weights were shipped as given (see Base model).\n"),
    ]
    if train_metrics:
        parts.append("Trainer's own validation at the best epoch (ultralytics, 101-point AP):\n"
                     f"```json\n{json.dumps(train_metrics, indent=2)}\n```\n")
    parts.append("## Metrics (evaluation harness, `watchpost vision eval`)\n" + metrics_section(summary, report_cmd, by_source))
    if onnx_check:
        parts.append(f"ONNX export check: equivalent = {onnx_check['equivalent']} on {len(onnx_check['images'])} "
                     f"images (boxes matched at IoU ≥ {onnx_check['iou_min']}, |Δconf| ≤ {onnx_check['conf_tol']}).\n")
    parts.append("## Known failure modes\n" + "\n".join(f"- {f}" for f in failure_modes) + "\n")
    if extra:
        parts.append(extra)
    return "\n".join(parts)
