"""Dispatcher over the real twilio client against the local Twilio-compatible server
(COM-2 SMS reaches users; CMD-7 sending records exist and keep updating)."""

from __future__ import annotations

from datetime import datetime, timezone

from comms.dispatcher import Dispatcher
from comms.models import OutboxRecord
from comms.outbox import enqueue
from comms.providers.twilio_sms import ref_tag
from watchpost.clock import FakeClock
from watchpost.db import make_engine, make_sessionmaker, session_scope
from watchpost.events import OutboxMessage

NUM = "+8613900000001"


def _setup(url, cfg, messages):
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    clock = FakeClock(datetime(2026, 3, 1, tzinfo=timezone.utc))
    ids = []
    with session_scope(sessions) as db:
        for m in messages:
            ids.append(enqueue(db, m, now=clock.now()))
    return engine, sessions, clock, ids


def _rec(sessions, mid):
    with sessions() as db:
        rec = db.get(OutboxRecord, mid)
        rec.history  # load
        return rec


def test_send_records_provider_id(db_url, fake_twilio, comms_config):
    """COM-2: the real twilio client posts To/From/Body to the provider; the record gets the SID."""
    cfg = comms_config(db_url, fake_twilio)
    engine, sessions, clock, [mid] = _setup(db_url, cfg, [OutboxMessage(channel="sms", recipient=NUM, body="火警 测试")])
    d = Dispatcher(sessions, cfg, clock)
    assert d.run_once() == 1
    [sent] = fake_twilio.sent_to(NUM)
    assert sent["body"].startswith("火警 测试") and sent["from"] == "+15005550006"
    rec = _rec(sessions, mid)
    assert rec.status == "sending" and rec.provider_id == sent["sid"] and rec.attempts == 1
    assert sent["body"].endswith(ref_tag(rec.client_ref))
    assert [h.status for h in rec.history] == ["queued", "sending", "sending"]
    assert d.run_once() == 0  # nothing sent twice
    assert fake_twilio.count() == 1
    engine.dispose()


def test_transient_errors_retry_with_backoff(sqlite_url, fake_twilio, comms_config):
    """429 and 500 are retried after a growing delay; the history records each failure."""
    cfg = comms_config(sqlite_url, fake_twilio)
    engine, sessions, clock, [mid] = _setup(sqlite_url, cfg, [OutboxMessage(channel="sms", recipient=NUM, body="x")])
    fake_twilio.inject(429, 20429, "Too Many Requests")
    fake_twilio.inject(500, 20500, "Internal Server Error")
    d = Dispatcher(sessions, cfg, clock)
    d.run_once()
    rec = _rec(sessions, mid)
    assert (rec.status, rec.error_code, rec.attempts) == ("queued", "20429", 1)
    assert d.run_once() == 0, "not due before the backoff"
    clock.advance(2.0)
    d.run_once()
    rec = _rec(sessions, mid)
    assert (rec.status, rec.error_code, rec.attempts) == ("queued", "20500", 2)
    clock.advance(3.0)
    assert d.run_once() == 0, "second backoff is 4 s"
    clock.advance(1.0)
    d.run_once()
    rec = _rec(sessions, mid)
    assert rec.status == "sending" and rec.provider_id and rec.attempts == 3
    assert fake_twilio.count() == 1 and fake_twilio.create_attempts == 3
    engine.dispose()


def test_gives_up_after_max_attempts(sqlite_url, fake_twilio, comms_config):
    cfg = comms_config(sqlite_url, fake_twilio, max_attempts=2)
    engine, sessions, clock, [mid] = _setup(sqlite_url, cfg, [OutboxMessage(channel="sms", recipient=NUM, body="x")])
    fake_twilio.inject(503, 20503, "Service Unavailable", times=5)
    d = Dispatcher(sessions, cfg, clock)
    d.run_once()
    clock.advance(10)
    d.run_once()
    rec = _rec(sessions, mid)
    assert rec.status == "failed" and rec.error_code == "20503" and "gave up after 2" in rec.error_message
    engine.dispose()


def test_permanent_errors_stop(sqlite_url, fake_twilio, comms_config):
    """21211 invalid number and 21610 opted out fail at once, with the reason on the record."""
    cfg = comms_config(sqlite_url, fake_twilio)
    fake_twilio.opted_out.add("+8613900000002")
    engine, sessions, clock, ids = _setup(sqlite_url, cfg, [
        OutboxMessage(channel="sms", recipient="12345", body="x"),
        OutboxMessage(channel="sms", recipient="+8613900000002", body="x")])
    d = Dispatcher(sessions, cfg, clock)
    d.run_once()
    clock.advance(1000)
    assert d.run_once() == 0
    a, b = (_rec(sessions, i) for i in ids)
    assert (a.status, a.error_code, a.attempts) == ("failed", "21211", 1)
    assert (b.status, b.error_code) == ("failed", "21610")
    assert "permanent" in a.history[-1].detail
    assert fake_twilio.create_attempts == 2
    engine.dispose()


def test_missing_credentials_are_a_clear_error(sqlite_url, fake_twilio, comms_config):
    cfg = comms_config(sqlite_url, fake_twilio, twilio={"auth_token": ""})
    engine, sessions, clock, [mid] = _setup(sqlite_url, cfg, [OutboxMessage(channel="sms", recipient=NUM, body="x")])
    Dispatcher(sessions, cfg, clock).run_once()
    rec = _rec(sessions, mid)
    assert rec.status == "queued" and rec.error_code == "not_configured" and "auth_token" in rec.error_message
    engine.dispose()


def test_provider_rate_limit_is_honoured(sqlite_url, fake_twilio, comms_config):
    """The dispatcher paces calls to comms.twilio.rate_per_s (set a little under the provider's
    limit, as network jitter bunches requests), so the provider never answers 429."""
    import time

    fake_twilio.rate_per_s = 4
    cfg = comms_config(sqlite_url, fake_twilio, twilio={"rate_per_s": 3})
    msgs = [OutboxMessage(channel="sms", recipient=f"+86139000001{i:02d}", body="x") for i in range(7)]
    engine, sessions, clock, ids = _setup(sqlite_url, cfg, msgs)
    t0 = time.monotonic()
    assert Dispatcher(sessions, cfg, clock).run_once() == 7
    assert time.monotonic() - t0 >= 1.9  # 7 calls at 3/s need at least 2 s
    assert fake_twilio.count() == 7 and fake_twilio.create_attempts == 7, "no 429 was provoked"
    engine.dispose()


def test_429_from_a_stricter_provider_is_retried(sqlite_url, fake_twilio, comms_config):
    fake_twilio.rate_per_s = 2
    cfg = comms_config(sqlite_url, fake_twilio, max_attempts=50)  # far above what the provider allows
    msgs = [OutboxMessage(channel="sms", recipient=f"+86139000002{i:02d}", body="x") for i in range(5)]
    engine, sessions, clock, ids = _setup(sqlite_url, cfg, msgs)
    d = Dispatcher(sessions, cfg, clock)
    d.run_once()
    with sessions() as db:
        codes = {db.get(OutboxRecord, i).error_code for i in ids}
    assert "20429" in codes
    import time

    for _ in range(40):
        clock.advance(60)
        time.sleep(0.5)
        d.run_once()
        with sessions() as db:
            if all(db.get(OutboxRecord, i).provider_id for i in ids):
                break
    assert sorted(m["to"] for m in fake_twilio.messages.values()) == sorted(m.recipient for m in msgs)
    engine.dispose()


def test_timeout_is_looked_up_not_resent(sqlite_url, fake_twilio, comms_config):
    """A read timeout may mean "sent": the record waits for reconciliation, which finds the
    message at the provider by its reference — one SMS, not two."""
    fake_twilio.reply_delay_s = 1.5
    cfg = comms_config(sqlite_url, fake_twilio, send_timeout_s=0.5, reconcile_after_s=30)
    engine, sessions, clock, [mid] = _setup(sqlite_url, cfg, [OutboxMessage(channel="sms", recipient=NUM, body="t")])
    d = Dispatcher(sessions, cfg, clock)
    d.run_once()
    rec = _rec(sessions, mid)
    assert (rec.status, rec.provider_id, rec.error_code) == ("sending", None, "timeout")
    assert "outcome unknown" in rec.history[-1].detail
    fake_twilio.reply_delay_s = 0
    d.run_once()
    assert _rec(sessions, mid).provider_id is None, "not reconciled before reconcile_after_s"
    clock.advance(31)
    d.run_once()
    rec = _rec(sessions, mid)
    [sent] = fake_twilio.sent_to(NUM)
    assert rec.provider_id == sent["sid"] and fake_twilio.create_attempts == 1
    assert any(h.source == "reconcile" and "found at provider" in h.detail for h in rec.history)
    engine.dispose()


def test_credentials_are_never_logged(sqlite_url, fake_twilio, comms_config, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    cfg = comms_config(sqlite_url, fake_twilio)
    fake_twilio.inject(500, 20500)
    engine, sessions, clock, [mid] = _setup(sqlite_url, cfg, [OutboxMessage(channel="sms", recipient=NUM, body="x")])
    d = Dispatcher(sessions, cfg, clock)
    d.run_once()
    clock.advance(5)
    d.run_once()
    assert "Request" in caplog.text or caplog.records, "the twilio client did log at DEBUG"
    assert fake_twilio.auth_token not in caplog.text
    assert fake_twilio.auth_token not in repr(d.provider("twilio"))
    engine.dispose()
