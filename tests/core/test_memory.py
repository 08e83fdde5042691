"""The service bounds its C heap (issue #23: RSS flat over a long run): two malloc arenas, for the
service process and the worker processes it starts."""

from __future__ import annotations

import os
import subprocess
import sys


def test_arenas_are_limited_in_the_process_and_its_children(monkeypatch):
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    code = ("from watchpost.memory import limit_malloc_arenas; import os; "
            "print(limit_malloc_arenas(), os.environ['MALLOC_ARENA_MAX'])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}).stdout.split()
    assert out == ["True", "2"]
