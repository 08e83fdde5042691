"""Build a clip set of real fire footage (openly licensed video, not dataset frames).

The dev clips in ``../shared/data/clips`` are sequences of labelled dataset frames held 0.5 s
each: they check the pipeline, not how the detector and the static-smoke check behave on real,
continuous video. Two public repositories hold short real fire videos under open licences:

- ``quaife/FDV_Data`` (MIT, Daryn Sagel & Simon Quaife): ``visual_fire.mp4``, a fixed camera
  above a flame front spreading through a litter fuel bed, with thin white smoke in the flames.
- ``steffensbola/furg-fire-dataset`` (CC0 1.0, FURG fire dataset, Steffens et al.):
  ``house6.mp4``, a burning model house in a garden, flames in the windows and grey smoke over
  the roof throughout.

The videos are copied as they are (their own frame rate and size) into the evaluation layout
(../shared/spec/eval-format.md). Ground truth was set by eye: both show fire and smoke from
their first second. Nothing is committed: bring the repositories with the ``fetch`` tool (or
``git clone``), then

    python -m vision.datasets.fire_video_set --fdv FDV_GIT_DIR --furg FURG_GIT_DIR var/eval/firevideo
    watchpost vision eval --set var/eval/firevideo --no-images --out firevideo.json
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

from vision.datasets.git_source import git, head_commit
from vision.datasets.video_probe import probe


@dataclass(frozen=True)
class Source:
    repo: str
    path: str
    licence: str
    events: tuple[tuple[str, float], ...]
    notes: str


FDV = Source(
    repo="github.com/quaife/FDV_Data", path="visual_fire.mp4",
    licence="MIT (LICENSE.txt, (c) 2024 Daryn Sagel; cite Sagel & Quaife 2025, Environ. Model. Softw. 185, 106286)",
    events=(("fire", 0.0), ("smoke", 0.0)),
    notes="fixed camera above a flame front spreading through a litter fuel bed; fire in view from the "
          "first frame, thin white smoke wisps in the flames from the first second and throughout")
FURG = Source(
    repo="github.com/steffensbola/furg-fire-dataset", path="house6.mp4",
    licence="CC0 1.0 (LICENSE; FURG fire dataset, Steffens et al., LARS 2015/2016)",
    events=(("fire", 0.0), ("smoke", 0.0)),
    notes="a burning model house in a garden, near-static camera, black side bars; flames in the "
          "upper windows and grey smoke over the roof from the first frame to the end")


def build(sources: dict[Source, Path], out: Path) -> Path:
    """Copy each source video out of its git directory and write ``clips.json``."""
    (out / "clips").mkdir(parents=True, exist_ok=True)
    records = []
    for src, git_dir in sources.items():
        commit = head_commit(git_dir)
        clip = f"clips/{Path(src.path).stem}.mp4"
        (out / clip).write_bytes(git(git_dir, "show", f"HEAD:{src.path}"))
        fps, duration, width, height = probe(out / clip)
        records.append({
            "file": clip, "fps": fps, "duration_s": duration, "width": width, "height": height,
            "kind": src.events[0][0], "roi": None,
            "events": [{"type": kind, "start_s": start} for kind, start in src.events],
            "notes": f"real video; ground truth by eye: {src.notes}",
            "source": f"{src.repo} @ {commit}, {src.path}; licence {src.licence}"})
    (out / "clips.json").write_text(json.dumps(records, indent=1))
    return out / "clips.json"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fdv", type=Path, help="git directory of quaife/FDV_Data")
    ap.add_argument("--furg", type=Path, help="git directory of steffensbola/furg-fire-dataset")
    ap.add_argument("out", type=Path)
    args = ap.parse_args(argv)
    sources = {src: d for src, d in ((FDV, args.fdv), (FURG, args.furg)) if d is not None}
    if not sources:
        ap.error("give at least one of --fdv, --furg")
    print(build(sources, args.out))


if __name__ == "__main__":
    main()
