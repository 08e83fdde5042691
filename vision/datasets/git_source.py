"""Reading files out of a fetched public repository's git directory (no work tree), for the
evaluation-set builders that record where their footage came from."""

from __future__ import annotations

import subprocess
from pathlib import Path


def git(git_dir: Path, *args: str) -> bytes:
    return subprocess.run(["git", "--git-dir", str(git_dir), *args], capture_output=True, check=True).stdout


def head_commit(git_dir: Path) -> str:
    return git(git_dir, "rev-parse", "HEAD").decode().strip()
