"""A simulated ONVIF camera (device, media and PTZ services over SOAP 1.2) for the tests and for
trying PTZ without a camera: ``FakeOnvif().start()`` listens on 127.0.0.1 and keeps every
command it receives in ``calls``. With a username it checks the WS-Security UsernameToken
digest as a camera does, and answers a SOAP fault to a wrong password.

It answers what ``command.live.ptz.OnvifPtz`` asks: GetCapabilities, GetProfiles,
ContinuousMove, Stop, GotoPreset and GetPresets; anything else is a fault ("not supported").
"""

from __future__ import annotations

import base64
import hashlib
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SOAP = "http://www.w3.org/2003/05/soap-envelope"
NS = {"s": SOAP, "tt": "http://www.onvif.org/ver10/schema", "tds": "http://www.onvif.org/ver10/device/wsdl",
      "trt": "http://www.onvif.org/ver10/media/wsdl", "tptz": "http://www.onvif.org/ver20/ptz/wsdl",
      "wsse": "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd",
      "wsu": "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"}


@dataclass
class PtzCall:
    op: str
    profile: str = ""
    pan: float | None = None
    tilt: float | None = None
    zoom: float | None = None
    preset: str = ""
    user: str = ""


@dataclass
class FakeOnvif:
    username: str = ""
    password: str = ""
    profile: str = "profile_main"
    presets: dict[str, str] = field(default_factory=lambda: {"1": "gate", "2": "tank T-101"})
    calls: list[PtzCall] = field(default_factory=list)
    port: int = 0
    _server: Any = None

    @property
    def host(self) -> str:
        return "127.0.0.1"

    def start(self) -> "FakeOnvif":
        sim = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, xml = sim.answer(body)
                data = xml.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/soap+xml; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # -- SOAP ------------------------------------------------------------------------------------
    def answer(self, raw: bytes) -> tuple[int, str]:
        try:
            env = ET.fromstring(raw)
        except ET.ParseError as exc:
            return 400, _fault("s:Sender", f"not XML: {exc}")
        body = env.find("s:Body", NS)
        if body is None or not len(body):
            return 400, _fault("s:Sender", "no SOAP body")
        req = body[0]
        op = req.tag.split("}")[-1]
        user = self._auth(env)
        if user is None:
            return 400, _fault("s:Sender", "ter:NotAuthorized: the user name or password is wrong")
        base = f"http://{self.host}:{self.port}/onvif"
        if op == "GetCapabilities":
            return 200, _ok(f'<tds:GetCapabilitiesResponse><tds:Capabilities>'
                            f'<tt:Device><tt:XAddr>{base}/device_service</tt:XAddr></tt:Device>'
                            f'<tt:Media><tt:XAddr>{base}/media</tt:XAddr><tt:StreamingCapabilities>'
                            f'<tt:RTPMulticast>false</tt:RTPMulticast><tt:RTP_TCP>true</tt:RTP_TCP>'
                            f'<tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media>'
                            f'<tt:PTZ><tt:XAddr>{base}/ptz</tt:XAddr></tt:PTZ>'
                            f'</tds:Capabilities></tds:GetCapabilitiesResponse>')
        if op == "GetProfiles":
            return 200, _ok(f'<trt:GetProfilesResponse><trt:Profiles token="{self.profile}" fixed="true">'
                            f'<tt:Name>main</tt:Name></trt:Profiles></trt:GetProfilesResponse>')
        if op in ("ContinuousMove", "Stop", "GotoPreset", "GetPresets"):
            profile = req.findtext("tptz:ProfileToken", "", NS)
            if profile != self.profile:
                return 400, _fault("s:Sender", f"ter:NoProfile: no profile {profile!r}")
            call = PtzCall(op, profile, user=user)
            if op == "ContinuousMove":
                pt = req.find("tptz:Velocity/tt:PanTilt", NS)
                zm = req.find("tptz:Velocity/tt:Zoom", NS)
                call.pan = float(pt.get("x")) if pt is not None else None
                call.tilt = float(pt.get("y")) if pt is not None else None
                call.zoom = float(zm.get("x")) if zm is not None else None
            if op == "GotoPreset":
                call.preset = req.findtext("tptz:PresetToken", "", NS)
                if call.preset not in self.presets:
                    return 400, _fault("s:Sender", f"ter:NoToken: no preset {call.preset!r}")
            self.calls.append(call)
            if op == "GetPresets":
                items = "".join(f'<tptz:Preset token="{t}"><tt:Name>{n}</tt:Name></tptz:Preset>' for t, n in self.presets.items())
                return 200, _ok(f"<tptz:GetPresetsResponse>{items}</tptz:GetPresetsResponse>")
            return 200, _ok(f"<tptz:{op}Response/>")
        return 400, _fault("s:Receiver", f"ter:ActionNotSupported: {op}")

    def _auth(self, env: ET.Element) -> str | None:
        """The user a request comes from ("" when the camera needs none); None when refused."""
        if not self.username:
            return ""
        tok = env.find("s:Header/wsse:Security/wsse:UsernameToken", NS)
        if tok is None:
            return None
        name = tok.findtext("wsse:Username", "", NS)
        digest = tok.findtext("wsse:Password", "", NS)
        nonce = base64.b64decode(tok.findtext("wsse:Nonce", "", NS) or "")
        created = tok.findtext("wsu:Created", "", NS)
        want = base64.b64encode(hashlib.sha1(nonce + created.encode() + self.password.encode()).digest()).decode()
        return name if name == self.username and digest == want else None


def _ok(inner: str) -> str:
    ns = " ".join(f'xmlns:{k}="{v}"' for k, v in NS.items() if k in ("s", "tt", "tds", "trt", "tptz"))
    return f'<?xml version="1.0" encoding="UTF-8"?><s:Envelope {ns}><s:Body>{inner}</s:Body></s:Envelope>'


def _fault(code: str, reason: str) -> str:
    return _ok(f'<s:Fault><s:Code><s:Value>{code}</s:Value></s:Code><s:Reason><s:Text xml:lang="en">'
               f"{reason}</s:Text></s:Reason></s:Fault>")
