"""Debian Chromium under Playwright for the console's browser tests: where it is, how it starts, and
what a page must not log (a refused script or style under the CSP, an uncaught script error)."""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run"]
# A module of browser tests: marked, and skipped (with the reason) where Debian's chromium is absent.
MARKS = [pytest.mark.browser,
         pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed at /usr/bin/chromium")]


def launch(p):  # noqa: ANN001, ANN201
    """A headless Debian Chromium from a ``sync_playwright()`` handle."""
    return p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)


def watch(page) -> list[str]:  # noqa: ANN001
    """Collects CSP refusals, uncaught script errors and errors the page logs. An HTTP error answer
    (which Chromium also logs as a failed resource) is not counted: tests check those where they matter."""
    bad: list[str] = []

    def console(m) -> None:  # noqa: ANN001
        if "Content Security Policy" in m.text or (m.type == "error" and not m.text.startswith("Failed to load resource")):
            bad.append(m.text)

    page.on("console", console)
    page.on("pageerror", lambda e: bad.append(str(e)))
    return bad
