"""The shipped systemd units (deploy/systemd/) as the tests run them: their ``ExecStart`` and ``Environment``
lines with the instance specifiers filled in and the install paths mapped to this checkout, so a test starts
each process exactly as systemd would, not by a command line of its own."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
INSTALLED = "/opt/watchpost/.venv/bin/watchpost"


def read_unit(name: str) -> dict[str, list[str]]:
    """``[Service]`` keys of ``deploy/systemd/NAME`` (a key may repeat: Environment)."""
    section, out = "", {}
    for raw in (UNITS / name).read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line
            continue
        if section == "[Service]":
            key, _, value = line.partition("=")
            out.setdefault(key, []).append(value)
    return out


def command(name: str, instance: str, host: str, paths: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """(argv, environment) of instance ``instance`` of unit ``name`` on host ``host``; ``paths`` maps the
    unit's install paths (prefixes) to this test's."""

    def fill(text: str) -> str:
        text = text.replace("%i", instance).replace("%l", host)
        for installed, here in paths.items():
            text = text.replace(installed, here)
        return text

    unit = read_unit(name)
    (exec_start,) = unit["ExecStart"]
    argv = shlex.split(fill(exec_start))
    if argv[0] != INSTALLED:
        raise ValueError(f"{name}: ExecStart runs {argv[0]}, not {INSTALLED}")
    argv = [sys.executable, "-m", "watchpost.cli", *argv[1:]]
    env = {}
    for line in unit.get("Environment", []):
        key, _, value = fill(line).partition("=")
        env[key] = value
    return argv, env
