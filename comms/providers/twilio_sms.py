"""SMS through the real ``twilio`` client (COM-2, CMD-4).

The API base URL is configurable (``comms.twilio.base_url``) so an on-premise Twilio-compatible
gateway, or the test server, receives the same REST calls. Credentials come from config/env and
are never logged: the client sends them as HTTP basic auth, which its logger leaves out, and
``repr`` of this provider hides them.
"""

from __future__ import annotations

import hashlib
import logging
from urllib.parse import urlencode

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from comms.providers.base import Outgoing, ProviderError, SendResult
from watchpost.config import Twilio as TwilioConfig

TWILIO_API = "https://api.twilio.com"
# Map Twilio's message status to ours.
STATUS_MAP = {"accepted": "sending", "scheduled": "sending", "queued": "sending", "sending": "sending",
              "sent": "sent", "delivered": "delivered", "read": "delivered", "undelivered": "undelivered",
              "failed": "failed", "canceled": "failed", "receiving": "sending", "received": "delivered"}

log = logging.getLogger("watchpost.comms.twilio")


def ref_tag(client_ref: str) -> str:
    """A short reference appended to the SMS so the message can be found again at the provider
    after a crash (Twilio's list API filters by number, so 8 hex digits are plenty)."""
    return "#" + hashlib.sha1(client_ref.encode()).hexdigest()[:8]


def body_with_ref(body: str, client_ref: str) -> str:
    return f"{body} {ref_tag(client_ref)}"


class BaseUrlHttpClient(TwilioHttpClient):
    """The stock HTTP client, with ``https://api.twilio.com`` replaced by a configured base URL."""

    def __init__(self, base_url: str, timeout: float):
        super().__init__(timeout=timeout, logger=logging.getLogger("watchpost.comms.twilio.http"))
        self.base_url = base_url.rstrip("/")

    def request(self, method, url, params=None, data=None, headers=None, auth=None, timeout=None,  # noqa: ANN001
                allow_redirects=False):
        if self.base_url and url.startswith(TWILIO_API):
            url = self.base_url + url[len(TWILIO_API):]
        return super().request(method, url, params=params, data=data, headers=headers, auth=auth,
                               timeout=timeout, allow_redirects=allow_redirects)


class TwilioSms:
    name = "twilio"

    def __init__(self, cfg: TwilioConfig, timeout_s: float = 10.0):
        if not (cfg.account_sid and cfg.auth_token and cfg.from_number):
            raise ValueError("comms.twilio: account_sid, auth_token and from_number must be set "
                             "(WATCHPOST__COMMS__TWILIO__AUTH_TOKEN etc.)")
        self.cfg = cfg
        http = BaseUrlHttpClient(cfg.base_url, timeout_s) if cfg.base_url else TwilioHttpClient(timeout=timeout_s)
        self.client = Client(cfg.account_sid, cfg.auth_token, http_client=http)

    def __repr__(self) -> str:
        return f"TwilioSms(account_sid={self.cfg.account_sid[:6]}…, base_url={self.cfg.base_url or TWILIO_API})"

    def _callback(self, msg: Outgoing) -> str | None:
        if not self.cfg.status_callback_url:
            return None
        sep = "&" if "?" in self.cfg.status_callback_url else "?"
        return f"{self.cfg.status_callback_url}{sep}{urlencode({'ref': msg.client_ref})}"

    def send(self, msg: Outgoing) -> SendResult:
        kwargs = {"to": msg.recipient, "from_": self.cfg.from_number, "body": body_with_ref(msg.body, msg.client_ref)}
        cb = self._callback(msg)
        if cb:
            kwargs["status_callback"] = cb
        try:
            m = self.client.messages.create(**kwargs)
        except TwilioRestException as exc:
            raise classify(exc) from None
        except requests.exceptions.ConnectTimeout as exc:
            raise ProviderError("timeout", f"connect timeout: {exc.__class__.__name__}", transient=True) from None
        except requests.exceptions.Timeout as exc:
            # The request may have reached the gateway: the dispatcher looks it up before resending.
            raise ProviderError("timeout", f"read timeout: {exc.__class__.__name__}", transient=True,
                                unknown_outcome=True) from None
        except requests.exceptions.ConnectionError as exc:
            raise ProviderError("connection", f"cannot reach SMS gateway: {exc.__class__.__name__}",
                                transient=True, unknown_outcome=True) from None
        status = STATUS_MAP.get(str(m.status), "sending")
        return SendResult(status=status, provider_id=m.sid, detail=f"twilio status {m.status}")

    def lookup(self, msg: Outgoing) -> SendResult | None:
        tag = ref_tag(msg.client_ref)
        try:
            found = self.client.messages.list(to=msg.recipient, from_=self.cfg.from_number, limit=200)
        except TwilioRestException as exc:
            raise classify(exc) from None
        except requests.exceptions.RequestException as exc:
            raise ProviderError("connection", f"lookup failed: {exc.__class__.__name__}", transient=True) from None
        for m in found:
            if (m.body or "").endswith(tag):
                return SendResult(status=STATUS_MAP.get(str(m.status), "sending"), provider_id=m.sid,
                                  detail=f"found at provider by reference {tag} (twilio status {m.status})")
        return None


def classify(exc: TwilioRestException) -> ProviderError:
    code = str(exc.code or exc.status)
    msg = exc.msg or "twilio error"
    # Rate limits and gateway trouble pass; any other 4xx (21211 invalid number, 21610 opted out,
    # 21614 not a mobile...) fails the same way every time, so it is final.
    if exc.status == 429 or exc.status >= 500:
        return ProviderError(code, msg, transient=True)
    return ProviderError(code, msg, transient=False)
