"""A room the person detector never trained on: four people seated at desks, as seats to look at.

The dev person data is one clinical room. Intel's ``preview/classroom.gif`` (intel-iot-devkit/sample-videos,
CC BY 4.0, Intel Corporation) is another room: four people seated at desks for all 45 frames, two empty
chairs in the front row. This writes its frames in the evaluation layout with each seated person's box
drawn by eye (the same four places in every frame: nobody moves from their seat), for
``vision.eval.seat_views``, which scales the room so each seat is a few dozen pixels of a wide view.
The boxes are drawn for seats, not for box AP: they are a few pixels loose.

    python -m vision.datasets.classroom_seats /path/to/sample-videos-git-dir var/eval/classroom
    python -m vision.eval.seat_views var/eval/classroom --split test --sizes 40 60 90 140
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from pathlib import Path

from vision.datasets.git_source import git, head_commit

SOURCE = "github.com/intel-iot-devkit/sample-videos"
GIF = "preview/classroom.gif"
# The four seated people (x1, y1, x2, y2 of the 480x270 frame), read off the frames by eye.
SEATED = [(58, 140, 115, 222), (110, 122, 158, 172), (218, 120, 262, 172), (288, 140, 352, 228)]
SIZE = (480, 270)


def build(git_dir: Path, out: Path) -> Path:
    images, labels = out / "images" / "test", out / "labels" / "test"
    images.mkdir(parents=True, exist_ok=True)
    labels.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        gif = Path(tmp) / "classroom.gif"
        gif.write_bytes(git(git_dir, "show", f"HEAD:{GIF}"))
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(gif), "-vsync", "0", "-q:v", "2",
                        str(images / "classroom_%03d.jpg")], check=True)
    w, h = SIZE
    line = "\n".join(f"0 {(x1 + x2) / 2 / w:.5f} {(y1 + y2) / 2 / h:.5f} {(x2 - x1) / w:.5f} {(y2 - y1) / h:.5f}"
                     for x1, y1, x2, y2 in SEATED)
    for img in sorted(images.glob("*.jpg")):
        (labels / f"{img.stem}.txt").write_text(line + "\n")
    (out / "data.yaml").write_text("path: .\ntest: images/test\nnames:\n  0: person\n")
    (out / "SOURCE.json").write_text(json.dumps({
        "source": f"{SOURCE} @ {head_commit(git_dir)}, {GIF}", "licence": "CC BY 4.0 (Intel Corporation)",
        "labels": "the four seated people's boxes, drawn by eye, the same in every frame"}, indent=1))
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("git_dir", type=Path, help="the sample-videos repository's git directory")
    ap.add_argument("out", type=Path)
    args = ap.parse_args(argv)
    print(build(args.git_dir, args.out))


if __name__ == "__main__":
    main()
