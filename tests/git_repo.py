"""A throw-away git repository, for builders that read source files out of a git directory the
way they read the fetched public repositories."""

from __future__ import annotations

import subprocess
from pathlib import Path


def commit_tree(root: Path) -> Path:
    """``git init`` ``root``, commit everything in it, and return its git directory."""
    git = ["git", "-C", str(root), "-c", "user.email=t@example.org", "-c", "user.name=t"]
    subprocess.run(git[:3] + ["init", "-q"], check=True)
    subprocess.run(git + ["add", "."], check=True)
    subprocess.run(git + ["commit", "-q", "-m", "sources"], check=True)
    return root / ".git"
