"""SIP pieces GB/T 28181 needs, on top of ``sipmessage`` (parsing and serialising messages and headers).

What is here by hand, because no library does it for a registrar: the HTTP-digest (MD5) check
and answer (RFC 2617 / RFC 3261 §22), building requests and responses with the headers RFC 3261
§8.2.6 and §12 require, Content-Length framing on TCP (RFC 3261 §18.3), and ids (tags, branches,
Call-IDs, nonces).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from sipmessage import URI, Address
from sipmessage.message import Message, Request, Response

REASONS = {100: "Trying", 200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
           404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout", 481: "Call/Transaction Does Not Exist",
           488: "Not Acceptable Here", 500: "Server Internal Error", 503: "Service Unavailable"}

MANSCDP = "Application/MANSCDP+xml"
USER_AGENT = "Watchpost GB28181"


def parse(data: bytes) -> Request | Response:
    """A SIP message from one datagram or one TCP frame; ValueError when it is not one."""
    msg = Message.parse(data)
    n = msg.content_length
    if n is not None and len(msg.body) > n:  # trailing bytes after the declared body (CRLF keep-alives)
        msg.body = msg.body[:n]
    return msg


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
    return Address.parse(value).uri.user or ""


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
    from sipmessage.auth import AuthChallenge, AuthCredentials

    try:
        if "response=" in value:
            cred = AuthCredentials.parse(value)
            params = cred.parameters
            scheme = cred.scheme
        else:
            chal = AuthChallenge.parse(value)
            params, scheme = chal.parameters, chal.scheme
    except ValueError:
        return {}
    if scheme.lower() != "digest" or params is None:
        return {}
    return {k.lower(): v for k, v in params.items()}


def check_digest(auth: dict[str, str], method: str, password: str) -> bool:
    expected = digest_response(auth.get("username", ""), auth.get("realm", ""), password, method,
                               auth.get("uri", ""), auth.get("nonce", ""), auth.get("qop"), auth.get("nc"),
                               auth.get("cnonce"))
    return hmac.compare_digest(expected, auth.get("response", "").lower())


def authorization(challenge: dict[str, str], username: str, password: str, method: str, uri: str,
                  nc: int = 1) -> str:
    """The Authorization header answering ``challenge`` (what a device sends on its second REGISTER)."""
    realm, nonce = challenge.get("realm", ""), challenge.get("nonce", "")
    qop = "auth" if "auth" in [q.strip() for q in challenge.get("qop", "").split(",")] else None
    cnonce = secrets.token_hex(8) if qop else None
    ncs = f"{nc:08x}" if qop else None
    resp = digest_response(username, realm, password, method, uri, nonce, qop, ncs, cnonce)
    out = (f'Digest username="{username}", realm="{realm}", nonce="{nonce}", uri="{uri}", '
           f'response="{resp}", algorithm=MD5')
    if qop:
        out += f', qop={qop}, nc={ncs}, cnonce="{cnonce}"'
    if "opaque" in challenge:
        out += f', opaque="{challenge["opaque"]}"'
    return out


# -- building messages ------------------------------------------------------------------------

def response_to(req: Request, code: int, *, received: tuple[str, int] | None = None, to_tag: str | None = None,
                body: bytes = b"", content_type: str | None = None, extra: dict[str, str] | None = None) -> Response:
    """A response to ``req``: Via (with received/rport filled in, RFC 3581), From, To (a tag added),
    Call-ID and CSeq copied (RFC 3261 §8.2.6.2)."""
    resp = Response(code, REASONS.get(code, "Unknown"))
    vias = req.headers.getlist("Via")
    if vias and received is not None:
        top = vias[0]
        host, port = received
        if ";rport" in top and header_param(top, "rport") in ("", None):
            top = top.replace(";rport", f";rport={port}", 1)
        if header_param(top, "received") is None:
            top += f";received={host}"
        vias = [top, *vias[1:]]
    for v in vias:
        resp.headers.add("Via", v)
    resp.headers.add("From", req.headers["From"])
    to = req.headers["To"]
    if to_tag and header_param(to, "tag") is None:
        to += f";tag={to_tag}"
    resp.headers.add("To", to)
    resp.headers.add("Call-ID", req.headers["Call-ID"])
    resp.headers.add("CSeq", req.headers["CSeq"])
    for k, v in (extra or {}).items():
        resp.headers.add(k, v)
    resp.headers.add("User-Agent", USER_AGENT)
    if body:
        resp.headers.add("Content-Type", content_type or MANSCDP)
    resp.headers.add("Content-Length", str(len(body)))
    resp.body = body
    return resp


def request(method: str, uri: str, *, via_host: str, via_port: int, transport: str, from_uri: str, from_tag: str,
            to_uri: str, call_id: str, cseq: int, to_tag: str | None = None, contact: str | None = None,
            body: bytes = b"", content_type: str | None = None, extra: dict[str, str] | None = None,
            branch: str | None = None) -> Request:
    req = Request(method, URI.parse(uri))
    req.headers.add("Via", f"SIP/2.0/{transport.upper()} {via_host}:{via_port};rport;branch={branch or new_branch()}")
    req.headers.add("From", f"<{from_uri}>;tag={from_tag}")
    req.headers.add("To", f"<{to_uri}>" + (f";tag={to_tag}" if to_tag else ""))
    req.headers.add("Call-ID", call_id)
    req.headers.add("CSeq", f"{cseq} {method}")
    req.headers.add("Max-Forwards", "70")
    if contact:
        req.headers.add("Contact", f"<{contact}>")
    for k, v in (extra or {}).items():
        req.headers.add(k, v)
    req.headers.add("User-Agent", USER_AGENT)
    if body:
        req.headers.add("Content-Type", content_type or MANSCDP)
    req.headers.add("Content-Length", str(len(body)))
    req.body = body
    return req


def gb_date(now: datetime | None = None) -> str:
    """The Date header of a 200 to REGISTER, from which devices set their clocks (GB/T 28181-2016
    §9.10: local time, ``YYYY-MM-DDThh:mm:ss.sss``, no zone)."""
    now = now or datetime.now()
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}"
