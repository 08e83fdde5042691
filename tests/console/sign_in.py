"""Signing in through the console's form in a Playwright page (browser tests and screenshots)."""

from __future__ import annotations


def log_in(page, start_url: str, username: str, landing: str) -> None:  # noqa: ANN001
    """Sign in through the console's form as a user made by ``command.throwaway.serve_in_thread``
    (password ``Password-1-<name>``).

    ``start_url`` is opened first (a protected page redirects to the login form); ``landing`` is
    the URL glob the console returns to after a successful login."""
    page.goto(start_url)
    page.wait_for_url("**/console/login.html**")
    page.fill("#username", username)
    page.fill("#password", "Password-1-" + username)
    page.click("#submit")
    page.wait_for_url(landing)
