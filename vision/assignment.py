"""A vision worker in assigned mode (``vision.assignment.enabled``, issue #26; docs/scaling.md): every
``claim_s`` it tells the service it is alive and which cameras it runs (``POST /api/workers/assignment``)
and runs the cameras the answer names, starting and stopping them as the answer changes. The service
shares ``vision.cameras`` out over the workers that claimed within ``lease_s``, so a dead worker's cameras
reach the others within about ``lease_s + claim_s``.

While the service cannot be reached the worker keeps the cameras it has: a fire must still be seen and
spooled during a service outage, and if another worker was given a camera meanwhile, both raise alarms on
it and the intake folds them into one (same camera, type and source within the merge window).

The first claim of a process takes the worker id over (a new epoch); a process whose claim is refused
(409, superseded: another process now holds its id) stops its cameras and exits with ``SUPERSEDED_EXIT``,
which its systemd unit does not restart (``RestartPreventExitStatus``). Never imports ``command/``.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

import httpx

from watchpost.events import WorkerAssignment, WorkerClaim

log = logging.getLogger(__name__)

SUPERSEDED_EXIT = 3
ROUTE = "/api/workers/assignment"


class AssignmentFollower(threading.Thread):
    def __init__(self, worker_id: str, service_url: str, token: str, claim_s: float, lease_s: float,
                 running: Callable[[], list[str]], apply: Callable[[set[str]], None],
                 on_superseded: Callable[[str], None], relay_url: str | None = None):
        super().__init__(name="assignment", daemon=True)
        self.worker_id = worker_id
        # This worker's GB/T 28181 live relay, stated in every claim: the service reads the live view of
        # the GB cameras this worker runs there (docs/gb28181.md, "Live view").
        self.relay_url = relay_url
        self.url = service_url.rstrip("/") + ROUTE
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.claim_s = claim_s
        # A claim that hangs past a third of the lease would let the lease lapse while it waits.
        self.timeout_s = max(1.0, lease_s / 3)
        self.running = running
        self.apply = apply
        self.on_superseded = on_superseded
        self.epoch: int | None = None
        self.superseded: str | None = None
        self.claims = 0
        self._halt = threading.Event()

    def claim_once(self, client: httpx.Client, leaving: bool = False) -> WorkerAssignment | None:
        """One claim; the answer, or None when it was refused or did not arrive (logged)."""
        body = WorkerClaim(worker_id=self.worker_id, epoch=self.epoch, running=self.running(), leaving=leaving,
                           relay_url=self.relay_url)
        r = client.post(self.url, json=body.model_dump(mode="json"), headers=self.headers, timeout=self.timeout_s)
        if r.status_code == 409:
            self.superseded = _detail(r)
            return None
        if r.status_code >= 300:  # a 5xx is the service (or nginx before it) in trouble; a 4xx is this worker's
            log.log(logging.INFO if r.status_code >= 500 else logging.WARNING, "assignment claim not answered: "
                    "HTTP %d %s; keeping the cameras this worker runs", r.status_code, r.text[:200])
            return None
        answer = WorkerAssignment.model_validate(r.json())
        if self.epoch != answer.epoch:
            log.info("worker %s holds its id under epoch %d", self.worker_id, answer.epoch)
        self.epoch = answer.epoch
        self.claims += 1
        return answer

    def round(self, client: httpx.Client) -> None:
        try:
            answer = self.claim_once(client)
        except httpx.HTTPError as exc:
            log.info("assignment: service unreachable (%s); keeping the cameras this worker runs",
                     exc.__class__.__name__)
            return
        if self.superseded is not None:
            log.error("assignment: %s", self.superseded)
            self.apply(set())
            self.on_superseded(self.superseded)
        elif answer is not None:
            self.apply(set(answer.cameras))

    def run(self) -> None:
        with httpx.Client() as client:
            while not self._halt.is_set() and self.superseded is None:
                started = time.monotonic()
                try:
                    self.round(client)
                except Exception:  # a camera that failed to start must not end the claims
                    log.exception("assignment round failed")
                self._halt.wait(max(0.0, self.claim_s - (time.monotonic() - started)))

    def stop(self) -> None:
        """Stop claiming and say so, so the others take the cameras now rather than after the lease."""
        self._halt.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(self.timeout_s + 1)
        if self.epoch is None or self.superseded is not None:
            return
        try:
            with httpx.Client() as client:
                self.claim_once(client, leaving=True)
        except httpx.HTTPError:
            log.info("assignment: could not say this worker is leaving; its lease runs out instead")


def _detail(r: httpx.Response) -> str:
    try:
        return str(r.json().get("detail"))
    except ValueError:
        return r.text[:300]
