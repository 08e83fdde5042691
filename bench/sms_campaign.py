"""Benchmark: one SMS campaign of N recipients through the outbox (issue #6).

Measures (1) time to persist N queued outbox records in one transaction (target <= 5 s for
10,000), (2) send rate through the real twilio client against the local Twilio-compatible
server with its rate limit honoured (429s counted), (3) status-callback processing rate
(sent + delivered per message, through the same function the webhook calls, one commit each; and
signed callbacks over HTTP to the running webhook),
(4) process RSS over time (memory must stay flat).

    .venv/bin/python bench/sms_campaign.py [--n 10000] [--rate 500] [--url sqlite:///...]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from comms.dispatcher import Dispatcher  # noqa: E402
from comms.models import Campaign, OutboxRecord  # noqa: E402
from comms.outbox import enqueue_many  # noqa: E402
from comms.service import apply_status_callback  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from comms.fake_twilio import FakeTwilio  # noqa: E402
from watchpost.clock import Clock  # noqa: E402
from watchpost.config import parse_config  # noqa: E402
from watchpost.db import make_engine, make_sessionmaker, session_scope  # noqa: E402
from watchpost.db.migrate import upgrade  # noqa: E402
from watchpost.events import OutboxMessage  # noqa: E402


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 1e6


def http_callbacks(cfg, fake: FakeTwilio, pairs) -> float:
    """Signed Twilio status callbacks over real HTTP to the service's webhook (uvicorn, one
    client): signature check + record update + commit per callback."""
    import socket
    import threading

    import uvicorn

    from command.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(cfg, run_background=False)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    t = threading.Thread(target=server.run, daemon=True)
    t.start()
    while not server.started:
        time.sleep(0.05)
    t0 = time.perf_counter()
    for ref, sid in pairs:
        url = f"http://127.0.0.1:{port}/api/comms/twilio/status?ref={ref}"
        r = fake.signed_post(url, {"MessageSid": sid, "MessageStatus": "sent", "AccountSid": fake.account_sid})
        assert r.status_code == 200, r.text
    rate = len(pairs) / (time.perf_counter() - t0)
    server.should_exit = True
    t.join(timeout=10)
    return round(rate, 1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--rate", type=float, default=500.0, help="provider rate limit, messages/s")
    ap.add_argument("--headroom", type=float, default=0.9,
                    help="dispatcher rate as a fraction of the provider's limit (jitter bunches requests)")
    ap.add_argument("--http-callbacks", type=int, default=2000,
                    help="also post this many signed callbacks over HTTP to the running webhook")
    ap.add_argument("--url", default=None, help="database URL (default: a fresh SQLite file)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="wp-bench-"))
    url = args.url or f"sqlite:///{tmp / 'bench.sqlite'}"
    upgrade(url)
    fake = FakeTwilio(rate_per_s=args.rate, callbacks=False).start()
    cfg = parse_config({"storage": {"url": url}, "comms": {
        "audio_dir": str(tmp / "audio"), "batch_size": 200, "backoff_base_s": 0.2,
        "twilio": {"account_sid": fake.account_sid, "auth_token": fake.auth_token, "from_number": "+15005550006",
                   "base_url": fake.base_url, "rate_per_s": args.rate * args.headroom}}}, environ={})
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    clock = Clock()
    mem = [("start", rss_mb())]

    t0 = time.perf_counter()
    with session_scope(sessions) as db:
        camp = Campaign(title="bench", kind="manual")
        db.add(camp)
        db.flush()
        enqueue_many(db, [OutboxMessage(channel="sms", recipient=f"+86139{i:08d}", body="化工园区演示短信 benchmark")
                          for i in range(args.n)], campaign_id=camp.id)
    persist_s = time.perf_counter() - t0
    mem.append(("persisted", rss_mb()))

    d = Dispatcher(sessions, cfg, clock)
    t0 = time.perf_counter()
    sent = 0
    while True:
        n = d.run_once()
        sent += n
        if n == 0:
            with sessions() as db:
                left = db.execute(select(func.count()).where(OutboxRecord.status == "queued")).scalar_one()
            if not left:
                break
            time.sleep(0.05)
        if sent and sent % 2000 < 200:
            mem.append((f"sent~{sent}", rss_mb()))
    send_s = time.perf_counter() - t0
    mem.append(("sent", rss_mb()))
    r429 = fake.create_attempts - fake.count()

    with sessions() as db:
        pairs = db.execute(select(OutboxRecord.client_ref, OutboxRecord.provider_id)).all()
    http_rate = None
    if args.http_callbacks:
        http_rate = http_callbacks(cfg, fake, pairs[:args.http_callbacks])
        mem.append(("http callbacks", rss_mb()))
    t0 = time.perf_counter()
    for k, (ref, sid) in enumerate(pairs):
        for st in ("sent", "delivered"):
            with sessions() as db:
                apply_status_callback(db, {"MessageSid": sid, "MessageStatus": st}, ref, clock.now())
                db.commit()
        if k % 2000 == 0:
            mem.append((f"callbacks~{k}", rss_mb()))
    cb_s = time.perf_counter() - t0
    mem.append(("end", rss_mb()))
    with sessions() as db:
        delivered = db.execute(select(func.count()).where(OutboxRecord.status == "delivered")).scalar_one()
    fake.stop()
    engine.dispose()

    res = {
        "n": args.n, "backend": url.split(":")[0], "persist_s": round(persist_s, 3),
        "persist_per_s": round(args.n / persist_s), "send_s": round(send_s, 2), "send_per_s": round(args.n / send_s, 1),
        "provider_rate_limit_per_s": args.rate, "dispatcher_rate_per_s": args.rate * args.headroom, "provider_429s": r429, "provider_messages": fake.count(),
        "http_callbacks": args.http_callbacks, "http_callbacks_per_s": http_rate, "callbacks": 2 * len(pairs), "callback_s": round(cb_s, 2), "callbacks_per_s": round(2 * len(pairs) / cb_s, 1),
        "delivered": delivered, "rss_mb": [(k, round(v, 1)) for k, v in mem],
    }
    print(f"{'metric':<28}{'value':>14}")
    for k in ("n", "persist_s", "persist_per_s", "send_s", "send_per_s", "provider_rate_limit_per_s",
              "dispatcher_rate_per_s",
              "provider_429s", "provider_messages", "http_callbacks_per_s", "callbacks_per_s", "delivered"):
        print(f"{k:<28}{str(res[k]):>14}")
    print("rss MB:", ", ".join(f"{k}={v}" for k, v in res["rss_mb"]))
    out = ROOT / "bench" / "results" / f"sms_campaign_n{args.n}_rate{args.rate:g}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
