"""SIP pieces GB/T 28181 needs, on top of ``aiosipua``'s message model (parsing and serialising
messages, addresses and auth headers; the digest answer a device computes).

What is here by hand, because the library does not do it for a registrar: the server-side digest
check (RFC 2617 / RFC 3261 §22), building requests and responses with the headers RFC 3261 §8.2.6
and §12 require, Content-Length framing on a TCP stream (RFC 3261 §18.3), and ids (tags,
branches, Call-IDs, nonces).

``sipmessage`` was tried first and dropped: its URI grammar is RFC 3261's strict one, where a host
must be a name starting with a letter or an IP address, so it refuses GB/T 28181's
``sip:34020000002000000001@3402000000`` (an all-digit domain) in every Request-URI, From and To.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from aiosipua import SipMessage, SipRequest, SipResponse
from aiosipua.auth import SipDigestAuth, build_credentials
from aiosipua.headers import AuthChallenge, parse_address, parse_auth as _parse_auth, stringify_auth

Request = SipRequest
Response = SipResponse

REASONS = {100: "Trying", 200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
           404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout", 481: "Call/Transaction Does Not Exist",
           488: "Not Acceptable Here", 500: "Server Internal Error", 503: "Service Unavailable"}

MANSCDP = "Application/MANSCDP+xml"
USER_AGENT = "Watchpost GB28181"


def parse(data: bytes) -> Request | Response:
    """A SIP message from one datagram or one TCP frame; ValueError when it is not one."""
    return SipMessage.parse(data)


def need(msg: SipMessage, name: str) -> str:
    """A header that must be there (KeyError when it is not: the caller answers 400)."""
    value = msg.get_header(name)
    if value is None:
        raise KeyError(name)
    return value


def frame(buf: bytearray) -> bytes | None:
    """Take one whole message off the front of a TCP byte stream (Content-Length framing), or None
    when it has not all arrived. Blank lines between messages (CRLF keep-alives, RFC 5626) are dropped."""
    while buf[:2] == b"\r\n":
        del buf[:2]
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None
    length = 0
    for line in bytes(buf[:end]).split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() in (b"content-length", b"l"):
            length = int(value.strip() or 0)
    total = end + 4 + length
    if len(buf) < total:
        return None
    data = bytes(buf[:total])
    del buf[:total]
    return data


def new_tag() -> str:
    return secrets.token_hex(6)


def new_branch() -> str:
    return "z9hG4bK" + secrets.token_hex(8)  # the RFC 3261 magic cookie


def new_call_id(host: str) -> str:
    return f"{secrets.token_hex(10)}@{host}"


def new_nonce() -> str:
    return secrets.token_hex(16)


def uri_user(value: str) -> str:
    """The user part (the 20-digit GB28181 id) of a From/To/Contact header value."""
    return parse_address(value).uri.user or ""


def address_uri(value: str) -> str:
    """The URI of a Contact/From/To header value, as a string."""
    from aiosipua.headers import stringify_uri

    return stringify_uri(parse_address(value).uri)


def header_param(value: str, name: str) -> str | None:
    """A ``;name=value`` parameter of a header value (tag, expires, branch, rport)."""
    for part in value.split(";")[1:]:
        k, _, v = part.partition("=")
        if k.strip().lower() == name:
            return v.strip()
    return None


# -- digest (RFC 2617, as RFC 3261 §22.4 uses it; GB/T 28181-2016 §9.1.2.1) -----------------

def _md5(s: str) -> str:
    return hashlib.md5(s.encode("utf-8")).hexdigest()


def digest_response(username: str, realm: str, password: str, method: str, uri: str, nonce: str,
                    qop: str | None = None, nc: str | None = None, cnonce: str | None = None) -> str:
    ha1 = _md5(f"{username}:{realm}:{password}")
    ha2 = _md5(f"{method}:{uri}")
    if qop:
        return _md5(f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}")
    return _md5(f"{ha1}:{nonce}:{ha2}")


def parse_auth(value: str) -> dict[str, str]:
    """The parameters of a ``Digest`` Authorization or WWW-Authenticate header ({} when not Digest)."""
    try:
        parsed = _parse_auth(value, credentials="response=" in value)
    except ValueError:
        return {}
    if parsed.scheme.lower() != "digest":
        return {}
    return {k.lower(): v for k, v in parsed.params.items()}


def check_digest(auth: dict[str, str], method: str, password: str) -> bool:
    expected = digest_response(auth.get("username", ""), auth.get("realm", ""), password, method,
                               auth.get("uri", ""), auth.get("nonce", ""), auth.get("qop"), auth.get("nc"),
                               auth.get("cnonce"))
    return hmac.compare_digest(expected, auth.get("response", "").lower())


def authorization(challenge: dict[str, str], username: str, password: str, method: str, uri: str,
                  nc: int = 1) -> str:
    """The Authorization header answering ``challenge`` (what a device sends on its second REGISTER)."""
    cred = build_credentials(SipDigestAuth(username, password), AuthChallenge("Digest", dict(challenge)), method, uri,
                             nonce_count=nc)
    if cred is None:
        raise ValueError(f"cannot answer the challenge {challenge}")
    return stringify_auth(cred)


# -- building messages ------------------------------------------------------------------------

def response_to(req: Request, code: int, *, received: tuple[str, int] | None = None, to_tag: str | None = None,
                body: bytes = b"", content_type: str | None = None, extra: dict[str, str] | None = None) -> Response:
    """A response to ``req``: Via (with received/rport filled in, RFC 3581), From, To (a tag added),
    Call-ID and CSeq copied (RFC 3261 §8.2.6.2)."""
    resp = SipResponse(status_code=code, reason_phrase=REASONS.get(code, "Unknown"))
    vias = req.get_header_values("Via")
    if vias and received is not None:
        top = vias[0]
        host, port = received
        if ";rport" in top and header_param(top, "rport") in ("", None):
            top = top.replace(";rport", f";rport={port}", 1)
        if header_param(top, "received") is None:
            top += f";received={host}"
        vias = [top, *vias[1:]]
    for v in vias:
        resp.add_header("Via", v)
    resp.add_header("From", need(req, "From"))
    to = need(req, "To")
    if to_tag and header_param(to, "tag") is None:
        to += f";tag={to_tag}"
    resp.add_header("To", to)
    resp.add_header("Call-ID", need(req, "Call-ID"))
    resp.add_header("CSeq", need(req, "CSeq"))
    return _finish(resp, extra, body, content_type)


def _finish(msg, extra: dict[str, str] | None, body: bytes, content_type: str | None):  # noqa: ANN001, ANN202
    """The headers every message of ours ends with, and its body (Content-Length is set on serialising)."""
    for k, v in (extra or {}).items():
        msg.add_header(k, v)
    msg.add_header("User-Agent", USER_AGENT)
    if body:
        msg.add_header("Content-Type", content_type or MANSCDP)
    msg.body = body
    return msg


def request(method: str, uri: str, *, via_host: str, via_port: int, transport: str, from_uri: str, from_tag: str,
            to_uri: str, call_id: str, cseq: int, to_tag: str | None = None, contact: str | None = None,
            body: bytes = b"", content_type: str | None = None, extra: dict[str, str] | None = None,
            branch: str | None = None) -> Request:
    req = SipRequest(method=method, uri=uri)
    req.add_header("Via", f"SIP/2.0/{transport.upper()} {via_host}:{via_port};rport;branch={branch or new_branch()}")
    req.add_header("From", f"<{from_uri}>;tag={from_tag}")
    req.add_header("To", f"<{to_uri}>" + (f";tag={to_tag}" if to_tag else ""))
    req.add_header("Call-ID", call_id)
    req.add_header("CSeq", f"{cseq} {method}")
    req.add_header("Max-Forwards", "70")
    if contact:
        req.add_header("Contact", f"<{contact}>")
    return _finish(req, extra, body, content_type)


def gb_date(now: datetime | None = None) -> str:
    """The Date header of a 200 to REGISTER, from which devices set their clocks (GB/T 28181-2016
    §9.10: local time, ``YYYY-MM-DDThh:mm:ss.sss``, no zone)."""
    now = now or datetime.now()
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}"
