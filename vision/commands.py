"""Commands from the service (linkage pins and snapshots, drill clips), fetched over HTTP.

A long poll of ``GET /api/worker-commands``: no broker is needed, so it works in the embedded
set-up where the service and the worker are separate processes. The id of the last command
taken is kept in the spool database, so a restarted worker goes on after it (a command queued
while it was down still reaches it) and never replays one.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable

import httpx

from vision.spool import Spool
from watchpost.events import WorkerCommand, WorkerCommandResult

log = logging.getLogger(__name__)
CURSOR = "commands.after"
WAIT_S = 20.0


class CommandPoller(threading.Thread):
    def __init__(self, spool: Spool, service_url: str, token: str, worker_id: str,
                 handle: Callable[[WorkerCommand], object], max_backoff_s: float = 30.0):
        super().__init__(name="commands", daemon=True)
        self.spool = spool
        self.url = service_url.rstrip("/") + "/api/worker-commands"
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.worker_id = worker_id
        self.handle = handle
        self.max_backoff_s = max_backoff_s
        self._halt = threading.Event()
        self.taken = 0

    def stop(self) -> None:
        self._halt.set()

    def poll_once(self, client: httpx.Client, wait_s: float = WAIT_S) -> int:
        """Fetch and run what is queued (waiting up to ``wait_s``); how many commands ran."""
        after = self.spool.get_meta(CURSOR)
        params: dict[str, str | float] = {"worker": self.worker_id, "wait_s": wait_s}
        if after is not None:
            params["after"] = after
        r = client.get(self.url, params=params, headers=self.headers, timeout=wait_s + 10)
        r.raise_for_status()
        batch = r.json()
        if self._halt.is_set():  # stopping: the worker may already have closed the spool
            return 0
        for item in batch["commands"]:
            try:
                self.handle(WorkerCommand.model_validate(item["command"]))
            except Exception:  # a bad command is logged and passed over; the next ones still run
                log.exception("worker command %s failed: %r", item["id"], item["command"])
            self.spool.set_meta(CURSOR, str(item["id"]))
            self.taken += 1
        if after is None:
            self.spool.set_meta(CURSOR, str(batch["last_id"]))
        return len(batch["commands"])

    def run(self) -> None:
        backoff = 1.0
        with httpx.Client() as client:
            while not self._halt.is_set():
                try:
                    self.poll_once(client)
                    backoff = 1.0
                except httpx.HTTPError as exc:
                    log.info("worker commands unavailable (%s); retrying in %.0f s", exc.__class__.__name__, backoff)
                    self._halt.wait(backoff)
                    backoff = min(backoff * 2, self.max_backoff_s)
                except Exception:
                    if self._halt.is_set():
                        return
                    log.exception("worker commands: round failed; retrying in %.0f s", backoff)
                    self._halt.wait(backoff)
                    backoff = min(backoff * 2, self.max_backoff_s)


def post_result(service_url: str, token: str, result: WorkerCommandResult, attempts: int = 3) -> bool:
    """Hand a command's answer to the service (``POST /api/workers/command-results``), retrying briefly: someone
    waits for it now, and after their wait it is worth nothing, so it is not spooled. True once stored."""
    url = service_url.rstrip("/") + "/api/workers/command-results"
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    for i in range(attempts):
        try:
            r = httpx.post(url, json=result.model_dump(mode="json"), headers=headers, timeout=10)
            if r.status_code < 500:
                if r.status_code >= 400:
                    log.warning("command result %s refused: %d %s", result.request_id, r.status_code, r.text[:300])
                return r.status_code < 400
        except httpx.HTTPError as exc:
            log.info("command result %s not delivered (%s)", result.request_id, exc.__class__.__name__)
        threading.Event().wait(0.5 * (i + 1))
    return False
