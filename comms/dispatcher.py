"""Sends from the outbox: claim, send, record; retries with backoff; crash reconciliation.

Exactly-once as far as the provider allows: a record is claimed ("sending", attempt counted)
and committed before the provider is called, and the message carries its client reference.
A crash after the provider accepted but before the result was recorded leaves a "sending" record
without a provider id; ``reconcile`` looks it up at the provider by that reference and records
it, and only a message the provider has never seen is sent again.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from comms.models import DrillRecipient, OutboxRecord
from comms.outbox import Pusher, transition
from comms.providers.base import Outgoing, Provider, ProviderError, SendResult
from watchpost.clock import Clock
from watchpost.config import Config
from watchpost.loops import PeriodicLoop

log = logging.getLogger("watchpost.comms.dispatcher")


class RateLimiter:
    """At most ``rate`` calls per second (wall time: it paces real network calls)."""

    def __init__(self, rate: float):
        self.interval = 1.0 / rate
        self.next_at = 0.0
        self.lock = threading.Lock()

    def wait(self, stop: threading.Event | None = None) -> None:
        with self.lock:
            now = time.monotonic()
            delay = self.next_at - now
            self.next_at = max(now, self.next_at) + self.interval
        if delay > 0:
            if stop is not None:
                stop.wait(delay)
            else:
                time.sleep(delay)


def drill_test_group(db: Session, now: datetime) -> frozenset[str]:
    """Numbers running drills named as their test groups (real messages allowed until the drill ends)."""
    return frozenset(db.execute(select(DrillRecipient.recipient).where(DrillRecipient.until > now)).scalars())


def drill_sink_path(config: Config) -> Path:
    c = config.comms
    return Path(c.drill_sink_path) if c.drill_sink_path else Path(c.audio_dir).parent / "drill_sink.jsonl"


def outgoing(rec: OutboxRecord) -> Outgoing:
    return Outgoing(id=rec.id, client_ref=rec.client_ref, channel=rec.channel, recipient=rec.recipient,
                    body=rec.body, lang=rec.lang, exercise=rec.exercise, created_at=rec.created_at,
                    provider=rec.provider or "")


class Dispatcher(PeriodicLoop):
    name = "comms-dispatcher"

    def __init__(self, sessions: sessionmaker[Session], config: Config, clock: Clock, *,
                 providers: dict[str, Provider] | None = None, push: Pusher | None = None,
                 on_round: Callable[[int], None] | None = None):
        self.sessions = sessions
        self.config = config
        self.cfg = config.comms
        self.clock = clock
        self.push = push
        super().__init__(self.cfg.poll_s, join_s=30.0)
        self._providers: dict[str, Provider] = dict(providers or {})
        self._limits: dict[str, RateLimiter] = {"twilio": RateLimiter(self.cfg.twilio.rate_per_s)}
        self._pool = ThreadPoolExecutor(max_workers=self.cfg.send_workers, thread_name_prefix="comms-send")
        self.on_round = on_round
        self._build_lock = threading.Lock()

    # -- providers -------------------------------------------------------------------------------
    def provider(self, name: str) -> Provider:
        with self._build_lock:  # send workers may ask at once
            if name not in self._providers:
                self._providers[name] = self._build(name)
            return self._providers[name]

    def _build(self, name: str) -> Provider:
        from comms.providers.drill_sink import ConsoleProvider, DrillSink
        from comms.providers.tts_broadcast import TtsBroadcast

        if name == "twilio":
            from comms.providers.twilio_sms import TwilioSms

            try:
                return TwilioSms(self.cfg.twilio, self.cfg.send_timeout_s)
            except ValueError as exc:
                raise ProviderError("not_configured", str(exc), transient=True) from None
        if name == "tts":
            return TtsBroadcast(self.cfg.broadcast, self.cfg.audio_dir)
        if name == "drill":
            return DrillSink(drill_sink_path(self.config), tts=TtsBroadcast(self.cfg.broadcast, self.cfg.audio_dir))
        if name == "console":
            return ConsoleProvider()
        raise ProviderError("no_provider", f"no provider {name!r}", transient=False)

    def route(self, rec: OutboxRecord | Outgoing, test_group: frozenset[str] = frozenset()) -> str:
        """Which provider a record goes to. Drill safety lives here: exercise traffic reaches a
        real phone or speaker only when it is in the site's ``comms.drill_test_group`` or a running
        drill's organiser named it (``test_group``: ``DrillRecipient`` rows still valid)."""
        if rec.exercise and rec.recipient not in self.cfg.drill_test_group and rec.recipient not in test_group:
            return "drill"
        if rec.channel == "sms":
            return "drill" if self.cfg.sms_provider == "drill" else "twilio"
        if rec.channel == "broadcast":
            return "tts"
        return "console"

    # -- one round ------------------------------------------------------------------------------
    def run_once(self, limit: int | None = None) -> int:
        """Reconcile stale sends, then claim and send one batch of due messages; returns how
        many were attempted. Escalations due are raised too (they are new outbox records)."""
        work = self._work()
        if not any(work.values()):
            return 0
        if work["stale"]:
            self.reconcile(self.cfg.reconcile_after_s)
        n = 0
        pending: list[tuple[int, SendResult | ProviderError]] = []
        last = time.monotonic()
        outs = self.claim(limit or self.cfg.batch_size)
        # Provider calls overlap (the rate limiter still paces them); results are committed in
        # small groups, one fsync per group. A crash in between is what reconcile() is for.
        results = self._pool.map(self._send, outs) if len(outs) > 1 else map(self._send, outs)
        for out, outcome in zip(outs, results):
            pending.append((out.id, outcome))
            n += 1
            if len(pending) >= 25 or time.monotonic() - last > 1.0:
                self._record(pending)
                pending, last = [], time.monotonic()
        if pending:
            self._record(pending)
        if work["escalate"] or n:
            self.escalate()
        return n

    def _work(self) -> dict[str, bool]:
        """What there is to do, read without the write lock: an idle service must not take
        SQLite's write lock twice a second for nothing."""
        now = self.clock.now()
        cutoff = now - timedelta(seconds=self.cfg.reconcile_after_s)

        def exists(*cond: Any) -> bool:
            return db.execute(select(OutboxRecord.id).where(*cond).limit(1)).first() is not None

        with self.sessions() as db:
            db.connection(execution_options={"readonly": True})
            return {
                "due": exists(OutboxRecord.status == "queued",
                              or_(OutboxRecord.next_attempt_at.is_(None), OutboxRecord.next_attempt_at <= now)),
                "stale": exists(OutboxRecord.status == "sending", OutboxRecord.provider_id.is_(None),
                                OutboxRecord.updated_at <= cutoff),
                "escalate": exists(OutboxRecord.ack_due_at.is_not(None), OutboxRecord.acked_at.is_(None),
                                   OutboxRecord.escalated_at.is_(None),
                                   or_(OutboxRecord.ack_due_at <= now,
                                       OutboxRecord.status.in_(("failed", "undelivered")))),
            }

    def _record(self, outcomes: list[tuple[int, SendResult | ProviderError]]) -> None:
        with self.sessions() as db:
            for mid, outcome in outcomes:
                rec = db.get(OutboxRecord, mid)
                if rec is None:
                    continue
                if isinstance(outcome, ProviderError):
                    self._apply_error(db, rec, outcome)
                else:
                    self._apply_result(db, rec, outcome, source="dispatcher")
            db.commit()

    def claim(self, limit: int) -> list[Outgoing]:
        now = self.clock.now()
        with self.sessions() as db:
            q = (select(OutboxRecord)
                 .where(OutboxRecord.status == "queued",
                        or_(OutboxRecord.next_attempt_at.is_(None), OutboxRecord.next_attempt_at <= now))
                 .order_by(OutboxRecord.id).limit(limit))
            if db.get_bind().dialect.name == "postgresql":
                q = q.with_for_update(skip_locked=True)  # replicas share the outbox
            recs = db.execute(q).scalars().all()
            test_group = drill_test_group(db, now) if any(r.exercise for r in recs) else frozenset()
            out = []
            for rec in recs:
                rec.attempts += 1
                rec.provider = self.route(rec, test_group)
                transition(db, rec, "sending", at=now, source="dispatcher",
                           detail=f"attempt {rec.attempts} via {rec.provider}", push=self.push)
                out.append(outgoing(rec))
            db.commit()
        return out

    def _send(self, out: Outgoing) -> SendResult | ProviderError:
        name = out.provider or self.route(out)
        try:
            prov = self.provider(name)
            if name in self._limits:
                self._limits[name].wait(self._stop)
            return prov.send(out)
        except ProviderError as exc:
            return exc
        except Exception as exc:  # a bug in an adapter must not kill the loop; it is on the record
            log.exception("provider %s crashed on outbox %s", name, out.id)
            return ProviderError("internal", f"{exc.__class__.__name__}: {exc}", transient=True)

    def _apply_result(self, db: Session, rec: OutboxRecord, result: SendResult, *, source: str) -> None:
        now = self.clock.now()
        if result.audio_path:
            rec.audio_path = result.audio_path
        if result.status == "sending":
            # Accepted; the delivery report comes by status callback.
            transition(db, rec, "sending", at=now, source=source, provider_id=result.provider_id,
                       detail=f"accepted by provider: {result.detail}", push=self.push)
            return
        if result.status == "delivered" and rec.status == "sending":
            transition(db, rec, "sent", at=now, source=source, provider_id=result.provider_id,
                       detail=result.detail, push=self.push)
        transition(db, rec, result.status, at=now, source=source, provider_id=result.provider_id,
                   detail=result.detail, push=self.push)

    def backoff_s(self, attempts: int, hint: float | None = None) -> float:
        delay = min(self.cfg.backoff_max_s, self.cfg.backoff_base_s * (2 ** max(0, attempts - 1)))
        return max(delay, hint or 0.0)

    def _apply_error(self, db: Session, rec: OutboxRecord, exc: ProviderError) -> None:
        now = self.clock.now()
        if exc.unknown_outcome:
            # Maybe sent: leave it "sending" without a provider id; reconcile decides.
            transition(db, rec, "sending", at=now, source="dispatcher", error_code=exc.code,
                       detail=f"outcome unknown ({exc.message}); will look it up before any resend")
            rec.error_code = exc.code
        elif exc.transient and rec.attempts < self.cfg.max_attempts:
            delay = self.backoff_s(rec.attempts, exc.retry_after_s)
            rec.next_attempt_at = now + timedelta(seconds=delay)
            transition(db, rec, "queued", at=now, source="dispatcher", error_code=exc.code, retry=True,
                       detail=f"transient error {exc.code}: {exc.message}; retry {rec.attempts + 1} in {delay:.0f}s",
                       push=self.push)
            rec.error_code = exc.code
            rec.error_message = exc.message
        else:
            why = "permanent" if not exc.transient else f"gave up after {rec.attempts} attempts"
            transition(db, rec, "failed", at=now, source="dispatcher", error_code=exc.code,
                       detail=f"{why} error {exc.code}: {exc.message}", push=self.push)

    # -- crash recovery ---------------------------------------------------------------------------
    def reconcile(self, older_than_s: float) -> int:
        """Settle "sending" records nobody is working on (their sender died): found at the provider
        -> record it; not found -> queue it again. Returns how many were settled."""
        now = self.clock.now()
        cutoff = now - timedelta(seconds=older_than_s)
        with self.sessions() as db:
            stale = db.execute(select(OutboxRecord).where(
                OutboxRecord.status == "sending", OutboxRecord.provider_id.is_(None),
                OutboxRecord.updated_at <= cutoff).order_by(OutboxRecord.id)).scalars().all()
            outs = [outgoing(r) for r in stale]
        settled = 0
        for out in outs:
            name = out.provider or self.route(out)
            try:
                found = self.provider(name).lookup(out)
            except ProviderError as exc:
                log.warning("reconcile: lookup of outbox %s failed: %s", out.id, exc.code)
                continue
            with self.sessions() as db:
                rec = db.get(OutboxRecord, out.id)
                if rec is None or rec.status != "sending" or rec.provider_id:
                    continue
                if found is not None:
                    transition(db, rec, "sending", at=now, source="reconcile", provider_id=found.provider_id,
                               detail=found.detail, push=self.push)
                    if found.status != "sending":
                        transition(db, rec, found.status, at=now, source="reconcile",
                                   provider_id=found.provider_id, detail=found.detail, push=self.push)
                else:
                    transition(db, rec, "queued", at=now, source="reconcile", retry=True,
                               detail="not found at the provider after an interrupted send; queued again",
                               push=self.push)
                    rec.next_attempt_at = None
                db.commit()
                settled += 1
        return settled

    # -- escalation -------------------------------------------------------------------------------
    def escalate(self) -> int:
        from comms.policies import escalate_due

        with self.sessions() as db:
            n = escalate_due(db, self.config, self.clock.now(), push=self.push)
            db.commit()
        return n

    # -- loop -------------------------------------------------------------------------------------
    def start(self) -> None:
        if self._pool._shutdown:  # restarted after stop()
            self._pool = ThreadPoolExecutor(max_workers=self.cfg.send_workers, thread_name_prefix="comms-send")
        super().start()

    def stop(self) -> None:
        super().stop()
        self._pool.shutdown(wait=True)

    def round(self) -> float | None:
        n = self.run_once()
        if self.on_round is not None:
            self.on_round(n)
        return 0.0 if n else None  # straight on while there is work; poll_s once the outbox is empty


def build(state: Any) -> Dispatcher:
    """The dispatcher for a running service (``command.services.background`` calls this)."""
    return Dispatcher(state.sessions, state.config, state.clock, push=state.push)
