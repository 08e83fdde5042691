"""A local Twilio-compatible SMS server for tests, benchmarks and trials without a Twilio account.

Speaks the real REST paths and form fields the ``twilio`` client uses
(``/2010-04-01/Accounts/{sid}/Messages.json``: To, From, Body, StatusCallback; basic auth), answers
with Twilio-shaped JSON, lists messages (To/From filters, paging), honours a rate limit (429 /
20429 like Twilio), can inject failures (429, 500, 21211 invalid number, 21610 opted out, 30003
unreachable delivery), and sends status callbacks signed with the account's auth token
(``X-Twilio-Signature``, computed by ``twilio.request_validator.RequestValidator``) to the
StatusCallback URL: queued -> sent -> delivered (or undelivered/30003).

Run it with ``FakeTwilio().start()`` (127.0.0.1, a free port, a daemon thread) and ``stop()``;
``python -m comms.fake_twilio --port N`` runs it standalone.
"""

from __future__ import annotations

import base64
import json
import queue
import re
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import requests
from twilio.request_validator import RequestValidator

MESSAGES = re.compile(r"^/2010-04-01/Accounts/(?P<sid>AC[0-9a-f]{32})/Messages(?:/(?P<msid>SM[0-9a-f]{32}))?\.json$")


@dataclass
class Injected:
    status: int
    code: int
    message: str


@dataclass
class FakeTwilio:
    account_sid: str = "AC" + "0" * 31 + "1"
    auth_token: str = "test-auth-token-0123456789abcdef"
    rate_per_s: float = 0.0  # 0 = unlimited
    callbacks: bool = True
    callback_delay_s: float = 0.0
    # Deliver callbacks in this order of statuses (tests reorder them); "final" is delivered or
    # undelivered depending on the number.
    callback_statuses: tuple[str, ...] = ("queued", "sent", "final")
    repeat_callbacks: int = 1
    invalid_numbers: set[str] = field(default_factory=set)   # -> 400 / 21211 on create
    opted_out: set[str] = field(default_factory=set)         # -> 400 / 21610 on create
    unreachable: set[str] = field(default_factory=set)       # -> callback undelivered / 30003
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    create_attempts: int = 0
    callbacks_sent: int = 0
    callback_failures: list[str] = field(default_factory=list)
    # Called with each accepted message after it is stored and before the reply goes out: the
    # crash test kills the dispatcher here, the worst moment (sent, but not recorded).
    on_create: Any = None
    reply_delay_s: float = 0.0  # answer creates late (after storing): the client times out, the SMS exists

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._inject: deque[Injected] = deque()
        self._stamps: deque[float] = deque()
        self._cbq: queue.Queue[tuple[str, dict[str, str]] | None] = queue.Queue()
        self._server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []
        self._http = requests.Session()
        self.validator = RequestValidator(self.auth_token)

    # -- control -----------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def inject(self, status: int, code: int, message: str = "injected", times: int = 1) -> None:
        """The next ``times`` create calls fail with this HTTP status and Twilio error code."""
        with self._lock:
            for _ in range(times):
                self._inject.append(Injected(status, code, message))

    def sent_to(self, number: str) -> list[dict[str, Any]]:
        with self._lock:
            return [m for m in self.messages.values() if m["to"] == number]

    def count(self) -> int:
        with self._lock:
            return len(self.messages)

    def wait_callbacks_idle(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._cbq.unfinished_tasks == 0:
                return
            time.sleep(0.01)
        raise TimeoutError("status callbacks still pending")

    def start(self, port: int = 0) -> FakeTwilio:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:  # noqa: N802
                fake._handle(self, "POST")

            def do_GET(self) -> None:  # noqa: N802
                fake._handle(self, "GET")

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client killed mid-request (the crash test) is expected here

        self._server = Server(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        t = threading.Thread(target=self._server.serve_forever, name="fake-twilio", daemon=True)
        t.start()
        cb = threading.Thread(target=self._callback_worker, name="fake-twilio-callbacks", daemon=True)
        cb.start()
        self._threads = [t, cb]
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        self._cbq.put(None)
        for t in self._threads:
            t.join(timeout=5)
        self._http.close()

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- signed requests to the application (callbacks, inbound SMS) ---------------------------
    def signed_post(self, url: str, params: dict[str, str], token: str | None = None) -> requests.Response:
        sig = RequestValidator(token or self.auth_token).compute_signature(url, params)
        return self._http.post(url, data=params, headers={"X-Twilio-Signature": sig}, timeout=10)

    def inbound(self, url: str, from_: str, to: str, body: str) -> requests.Response:
        params = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": self.account_sid, "From": from_,
                  "To": to, "Body": body, "NumMedia": "0", "SmsStatus": "received"}
        return self.signed_post(url, params)

    # -- HTTP ------------------------------------------------------------------------------------
    def _reply(self, h: BaseHTTPRequestHandler, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    def _error(self, h: BaseHTTPRequestHandler, status: int, code: int, message: str) -> None:
        self._reply(h, status, {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
                                "status": status})

    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        url = urlparse(h.path)
        m = MESSAGES.match(url.path)
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        if not m:
            return self._error(h, 404, 20404, f"The requested resource {url.path} was not found")
        if m["sid"] != self.account_sid or not self._auth_ok(h.headers.get("Authorization", "")):
            return self._error(h, 401, 20003, "Authenticate")
        if method == "POST" and not m["msid"]:
            form = {k: v[0] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()}
            return self._create(h, form)
        if method == "GET" and m["msid"]:
            with self._lock:
                msg = self.messages.get(m["msid"])
            if msg is None:
                return self._error(h, 404, 20404, "not found")
            return self._reply(h, 200, msg)
        if method == "GET":
            return self._list(h, url.path, {k: v[0] for k, v in parse_qs(url.query).items()})
        return self._error(h, 405, 20004, "Method not allowed")

    def _auth_ok(self, header: str) -> bool:
        if not header.startswith("Basic "):
            return False
        try:
            user, _, pw = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return user == self.account_sid and pw == self.auth_token

    def _rate_limited(self) -> bool:
        if self.rate_per_s <= 0:
            return False
        now = time.monotonic()
        with self._lock:
            while self._stamps and now - self._stamps[0] >= 1.0:
                self._stamps.popleft()
            if len(self._stamps) >= self.rate_per_s:
                return True
            self._stamps.append(now)
            return False

    def _create(self, h: BaseHTTPRequestHandler, form: dict[str, str]) -> None:
        with self._lock:
            self.create_attempts += 1
            injected = self._inject.popleft() if self._inject else None
        if injected:
            return self._error(h, injected.status, injected.code, injected.message)
        to, from_, body = form.get("To", ""), form.get("From", ""), form.get("Body", "")
        if not to or not from_ or not body:
            return self._error(h, 400, 21604 if not to else 21603 if not from_ else 21602,
                               "A 'To', 'From' and 'Body' parameter are required")
        if self._rate_limited():
            return self._error(h, 429, 20429, "Too Many Requests")
        if not re.fullmatch(r"\+[1-9]\d{6,14}", to) or to in self.invalid_numbers:
            return self._error(h, 400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if to in self.opted_out:
            return self._error(h, 400, 21610, "Attempt to send to unsubscribed recipient")
        sid = "SM" + uuid.uuid4().hex
        now = format_datetime(datetime.now(timezone.utc), usegmt=True)
        msg = {
            "account_sid": self.account_sid, "api_version": "2010-04-01", "body": body, "date_created": now,
            "date_sent": None, "date_updated": now, "direction": "outbound-api", "error_code": None,
            "error_message": None, "from": from_, "messaging_service_sid": None, "num_media": "0",
            "num_segments": "1", "price": None, "price_unit": "USD", "sid": sid, "status": "queued",
            "subresource_uris": {"media": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}/Media.json"},
            "to": to, "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
        }
        with self._lock:
            self.messages[sid] = msg
            self.order.append(sid)
        if self.on_create is not None:
            self.on_create(msg)
        if self.reply_delay_s:
            time.sleep(self.reply_delay_s)
        try:
            self._reply(h, 201, msg)
        except OSError:  # the client gave up waiting; the message stays sent, as at Twilio
            pass
        cb = form.get("StatusCallback")
        if cb and self.callbacks:
            final = "undelivered" if to in self.unreachable else "delivered"
            for _ in range(self.repeat_callbacks):
                for st in self.callback_statuses:
                    st = final if st == "final" else st
                    params = {"MessageSid": sid, "SmsSid": sid, "AccountSid": self.account_sid, "From": from_,
                              "To": to, "MessageStatus": st, "SmsStatus": st, "ApiVersion": "2010-04-01"}
                    if st == "undelivered":
                        params["ErrorCode"] = "30003"
                    self._cbq.put((cb, params))

    def _list(self, h: BaseHTTPRequestHandler, path: str, q: dict[str, str]) -> None:
        size = int(q.get("PageSize", 50))
        page = int(q.get("Page", 0))
        with self._lock:
            rows = [self.messages[s] for s in reversed(self.order)]  # newest first, like Twilio
        if q.get("To"):
            rows = [r for r in rows if r["to"] == q["To"]]
        if q.get("From"):
            rows = [r for r in rows if r["from"] == q["From"]]
        chunk = rows[page * size:(page + 1) * size]
        more = (page + 1) * size < len(rows)
        base = {k: v for k, v in q.items() if k not in ("Page", "PageToken")}
        self._reply(h, 200, {
            "messages": chunk, "page": page, "page_size": size, "start": page * size, "end": page * size + len(chunk),
            "uri": f"{path}?{urlencode({**base, 'Page': page})}",
            "first_page_uri": f"{path}?{urlencode({**base, 'Page': 0})}",
            "next_page_uri": f"{path}?{urlencode({**base, 'Page': page + 1})}" if more else None,
            "previous_page_uri": f"{path}?{urlencode({**base, 'Page': page - 1})}" if page else None,
        })

    def _callback_worker(self) -> None:
        while True:
            item = self._cbq.get()
            if item is None:
                self._cbq.task_done()
                return
            url, params = item
            try:
                if self.callback_delay_s:
                    time.sleep(self.callback_delay_s)
                sid = params["MessageSid"]
                with self._lock:
                    if sid in self.messages:
                        self.messages[sid]["status"] = params["MessageStatus"]
                        if params.get("ErrorCode"):
                            self.messages[sid]["error_code"] = int(params["ErrorCode"])
                r = self.signed_post(url, params)
                with self._lock:
                    self.callbacks_sent += 1
                if r.status_code >= 300:
                    self.callback_failures.append(f"{r.status_code} {r.text[:200]}")
            except Exception as exc:  # a test asserts on callback_failures; the worker must live on
                self.callback_failures.append(repr(exc))
            finally:
                self._cbq.task_done()


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser(description="local Twilio-compatible SMS server")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--rate", type=float, default=0.0)
    args = ap.parse_args()
    fake = FakeTwilio(rate_per_s=args.rate).start(args.port)
    print(json.dumps({"base_url": fake.base_url, "account_sid": fake.account_sid, "auth_token": fake.auth_token}),
          flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
