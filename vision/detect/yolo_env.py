"""Make ultralytics work offline and without writing into the user's home.

ultralytics tries to download Arial for plots and to pip-install missing extras; on an
offline duty-room machine both hang or fail, so we point it at a local config dir that
holds DejaVuSans under the names it looks for.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
)


def prepare_offline(config_dir: str | Path | None = None) -> Path:
    """Set YOLO_OFFLINE/YOLO_AUTOINSTALL/YOLO_CONFIG_DIR (unless already set); return the dir."""
    os.environ.setdefault("YOLO_OFFLINE", "1")
    os.environ.setdefault("YOLO_AUTOINSTALL", "0")
    os.environ.setdefault("YOLO_VERBOSE", "False")
    cfg = Path(os.environ.get("YOLO_CONFIG_DIR") or config_dir or Path.cwd() / "var" / "yolo")
    os.environ["YOLO_CONFIG_DIR"] = str(cfg)
    # ultralytics appends "Ultralytics" to the config dir on some platforms; cover both.
    for d in (cfg, cfg / "Ultralytics"):
        d.mkdir(parents=True, exist_ok=True)
        for name in ("Arial.ttf", "Arial.Unicode.ttf"):
            target = d / name
            if target.exists():
                continue
            for src in FONT_CANDIDATES:
                if Path(src).is_file():
                    shutil.copyfile(src, target)
                    break
    return cfg
