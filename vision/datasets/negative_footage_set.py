"""Build a negative set of real footage, with nothing in it to alarm on, from Intel's sample videos (CC BY 4.0).

The developer clips are mostly fire, smoke and duty posts; the only footage with nothing to alarm on is
seated people. This set adds everyday scenes that resemble what the fire/smoke model has been seen to
confuse: plain grey and white walls (scored as smoke before the static-smoke check), a worker in a hi-vis
orange vest and yellow hard hat on a floor with red markings, red and orange fruit, people gesturing in an
office with plain walls. Each video or preview GIF of intel-iot-devkit/sample-videos (CC BY 4.0, Intel
Corporation) becomes, in the evaluation layout (../shared/spec/eval-format.md):

- one clip of ``kind: negative`` at its own length, not looped, so any alarm counts towards the false
  alarms per hour of negative footage;
- frames sampled from it as negative images (``images/test``, empty labels), named ``<scene>_…`` so
  ``--by-source`` shows which kind of scene alarms.

Nothing is committed: bring the repository with the ``fetch`` tool (or ``git clone``), then

    python -m vision.datasets.negative_footage_set /path/to/sample-videos-git-dir var/eval/negfootage
    watchpost vision eval --set var/eval/negfootage --split test --by-source --out negfootage.json
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from pathlib import Path

import cv2

from vision.datasets.git_source import git, head_commit
from vision.datasets.video_probe import probe

SOURCE = "github.com/intel-iot-devkit/sample-videos"
# File in the repository -> (scene tag: the image-name prefix --by-source groups by, what it shows).
# The repository's own clips of people at a duty post and of seated people are left to the dev and seated
# sets; GIFs that preview an .mp4 taken here are left out as repeats.
SCENES = {
    "preview/worker-zone-detection.gif": ("industry", "a worker in a hi-vis orange vest and yellow hard hat on a "
                                                      "warehouse floor with red and yellow markings"),
    "preview/store-aisle-detection.gif": ("retail", "shoppers in a store aisle of white crockery"),
    "preview/people-detection.gif": ("indoor", "an empty room with plain white walls, people crossing"),
    "preview/face-demographics-walking.gif": ("indoor", "people walking down a corridor with plain grey walls"),
    "preview/face-demographics-walking-and-pause.gif": ("indoor", "people walking, then standing, before plain "
                                                                  "walls"),
    "preview/fruit-and-vegetable-detection.gif": ("objects", "red, orange, yellow and green fruit on a conveyor "
                                                             "before a white wall"),
    "preview/bolt-multi-size-detection.gif": ("objects", "bolts on a grey conveyor"),
    "bottle-detection.mp4": ("objects", "bottles on a table before a plain grey wall, taken away by hand"),
    "car-detection.mp4": ("outdoor", "a car park seen from above"),
    "preview/person-bicycle-car-detection.gif": ("outdoor", "a car park from above with cyclists and walkers"),
}
# Every short clip in this folder: one person signing in an office with plain white walls, some in an orange
# jumper; their hands move all the time, so the static-smoke check cannot drop a wall called smoke.
OFFICE_DIR, OFFICE = "asl_gestures", ("office", "a person signing before plain office walls")


def sources(git_dir: Path) -> dict[str, tuple[str, str]]:
    """The repository files to use, each with its scene tag and what it shows."""
    listed = git(git_dir, "ls-tree", "-r", "--name-only", "HEAD", f"{OFFICE_DIR}/").decode().split()
    return {**SCENES, **{p: OFFICE for p in sorted(listed) if p.endswith((".mkv", ".mp4"))}}


def _sample_frames(clip: Path, fps: float, every_s: float, out_dir: Path, stem: str) -> list[str]:
    cap = cv2.VideoCapture(str(clip))
    names, i, next_t = [], 0, 0.0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        t = i / fps
        i += 1
        if t + 1e-6 < next_t:
            continue
        next_t += every_s
        name = f"{stem}_{len(names):03d}.jpg"
        cv2.imwrite(str(out_dir / name), frame, [cv2.IMWRITE_JPEG_QUALITY, 92])
        names.append(name)
    cap.release()
    return names


def build(git_dir: Path, out: Path, every_s: float = 0.5) -> Path:
    """Write the clips, clips.json and the sampled negative images under ``out``; returns clips.json."""
    clips_dir, img_dir, lab_dir = out / "clips", out / "images" / "test", out / "labels" / "test"
    for d in (clips_dir, img_dir, lab_dir):
        d.mkdir(parents=True, exist_ok=True)
    commit = head_commit(git_dir)
    records = []
    with tempfile.TemporaryDirectory() as tmp:
        for path, (scene, what) in sources(git_dir).items():
            name = Path(path).stem
            src = Path(tmp) / Path(path).name
            src.write_bytes(git(git_dir, "show", f"HEAD:{path}"))
            clip = f"clips/negative_{scene}_{name}.mp4"
            # Re-encoded as H.264 so every clip decodes alike (the GIFs have no other video form here);
            # even sides for yuv420p.
            subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(src), "-vf",
                            "scale=trunc(iw/2)*2:trunc(ih/2)*2,format=yuv420p", "-c:v", "libx264", "-crf", "20",
                            str(out / clip)], check=True)
            fps, duration, w, h = probe(out / clip)
            for img in _sample_frames(out / clip, fps, every_s, img_dir, f"{scene}_{name}"):
                (lab_dir / Path(img).with_suffix(".txt").name).write_text("")
            records.append({"file": clip, "fps": fps, "duration_s": duration, "width": w,
                            "height": h, "kind": "negative", "roi": None, "events": [],
                            "notes": f"{what}; nothing to alarm on, played once, not looped",
                            "source": f"{SOURCE} @ {commit}, {path} (CC BY 4.0, Intel Corporation)"})
    (out / "clips.json").write_text(json.dumps(records, indent=1))
    # Fire and smoke only: the frames hold people, and an empty label file says no class is present.
    (out / "data.yaml").write_text("path: .\ntest: images/test\nnames:\n  0: fire\n  1: smoke\n")
    return out / "clips.json"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("git_dir", type=Path, help="the sample-videos repository's git directory")
    ap.add_argument("out", type=Path)
    ap.add_argument("--every", type=float, default=0.5, help="seconds between sampled negative images")
    args = ap.parse_args(argv)
    print(build(args.git_dir, args.out, args.every))


if __name__ == "__main__":
    main()
