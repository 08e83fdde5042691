"""Build a small clip set of seated people from Intel's sample videos (CC BY 4.0).

The dev data has no footage of someone seated or asleep at a desk, which is where the issue
says a public model called a person "smoke". Intel's intel-iot-devkit/sample-videos repository
(CC BY 4.0, Intel Corporation) has preview GIFs of people seated at desks (a classroom seen
from above, people seated facing a webcam). This turns them into 30 s looped clips with a duty
post drawn on a seated person, in the evaluation layout (../shared/spec/eval-format.md):
``kind: on_post`` with no events, so any alarm is a false one. Nothing is committed: bring the
repository with the ``fetch`` tool (or ``git clone``), then

    python -m vision.datasets.seated_set /path/to/sample-videos-git-dir var/eval/seated
    watchpost vision eval --set var/eval/seated --no-images --absent-after 3 --out seated.json
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

from vision.datasets.git_source import git, head_commit

SOURCE = "github.com/intel-iot-devkit/sample-videos"
# preview GIF -> duty-post polygon (normalised) over a seated person
POSTS = {
    "classroom": [[0.56, 0.45], [0.78, 0.45], [0.78, 0.90], [0.56, 0.90]],
    "head-pose-face-detection-male": [[0.25, 0.05], [0.75, 0.05], [0.75, 1.0], [0.25, 1.0]],
    "head-pose-face-detection-female": [[0.25, 0.05], [0.75, 0.05], [0.75, 1.0], [0.25, 1.0]],
    "head-pose-face-detection-female-and-male": [[0.05, 0.05], [0.95, 0.05], [0.95, 1.0], [0.05, 1.0]],
}


def build(git_dir: Path, out: Path, seconds: float = 30.0, fps: float = 10.0) -> Path:
    (out / "clips").mkdir(parents=True, exist_ok=True)
    commit = head_commit(git_dir)
    records = []
    for name, post in POSTS.items():
        gif = out / f"{name}.gif"
        gif.write_bytes(git(git_dir, "show", f"HEAD:preview/{name}.gif"))
        clip = f"clips/seated_{name}.mp4"
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-stream_loop", "-1", "-i", str(gif), "-t", str(seconds),
                        "-r", str(fps), "-vf", "scale=640:360,format=yuv420p", "-c:v", "libx264", "-crf", "23",
                        str(out / clip)], check=True)
        gif.unlink()
        records.append({"file": clip, "fps": fps, "duration_s": seconds, "width": 640, "height": 360,
                        "kind": "on_post", "roi": post, "events": [],
                        "notes": f"{SOURCE} @ {commit}, preview/{name}.gif (CC BY 4.0, Intel Corporation), "
                                 f"looped to {seconds:g} s: people seated, the post occupied throughout"})
    (out / "clips.json").write_text(json.dumps(records, indent=1))
    return out / "clips.json"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("git_dir", type=Path, help="the sample-videos repository's git directory")
    ap.add_argument("out", type=Path)
    args = ap.parse_args(argv)
    print(build(args.git_dir, args.out))


if __name__ == "__main__":
    main()
