"""A console that stops reading cannot slow the others or grow the service's memory (issue #23, NFR-3).

Its queue is bounded: once it falls ``CLIENT_QUEUE`` events behind, nothing more is queued for it, and when it
reads again it is closed with 4429 so it reconnects with its last id and gets the rest from the replay."""

from __future__ import annotations

import base64
import os
import re
import socket
import threading
import time
from urllib.parse import urlparse

from websockets.sync.client import connect

from command.push import CLIENT_QUEUE
from command.throwaway import serve_in_thread
from watchpost.db import session_scope

EVENTS = CLIENT_QUEUE + 1500
CLOSE_4429 = re.compile(rb"\x88[\x02-\x7d]\x11\x4d")  # FIN + close opcode, a short length, code 4429
PAD = "x" * 8000  # 8 KB an event: the socket buffers on both ends (a few MB on loopback) fill after a few hundred


def _stalled_client(base: str, token: str) -> socket.socket:
    """A WebSocket handshake, then nothing read: a console on a frozen tab behind a slow link."""
    u = urlparse(base)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect((u.hostname, u.port))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET /ws?token={token} HTTP/1.1\r\nHost: {u.netloc}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1)
    assert head.startswith(b"HTTP/1.1 101"), head
    return s


def test_a_stalled_console_is_dropped_without_holding_up_the_others(sqlite_url, make_config):
    server = serve_in_thread(make_config(sqlite_url), {"duty": "duty_officer"})
    st = server.server.config.app.state.wp
    token = server.tokens["duty"]
    try:
        stalled = _stalled_client(server.url, token)
        got, ready = [], threading.Event()

        def normal() -> None:
            with connect(server.url.replace("http", "ws") + f"/ws?token={token}", max_size=None) as ws:
                while len(got) < EVENTS:
                    msg = ws.recv(timeout=30)
                    if '"type": "ready"' in msg or '"type":"ready"' in msg:
                        ready.set()
                    elif '"topic"' in msg:
                        got.append(msg)

        reader = threading.Thread(target=normal, daemon=True)
        reader.start()
        assert ready.wait(10)
        deadline = time.monotonic() + 10
        while len(st.push.clients) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        with session_scope(st.sessions) as db:
            for i in range(EVENTS):
                st.push.record(db, "alarm", "created", {"seq": i, "pad": PAD})
        t0 = time.monotonic()
        reader.join(60)
        assert len(got) == EVENTS, f"the reading console got {len(got)} of {EVENTS}"
        delivered_s = time.monotonic() - t0
        behind = [c for c in st.push.clients if c.overflowed]
        sizes = sorted(c.queue.qsize() for c in st.push.clients)
        assert len(behind) == 1, f"queue sizes {sizes}"
        assert behind[0].queue.qsize() <= 1  # nothing kept for it beyond the close marker
        assert delivered_s < 30

        # It reads again: what is buffered arrives, then the close that tells it to reconnect with its last id.
        stalled.settimeout(10)
        tail, closed = b"", None
        while closed is None:
            chunk = stalled.recv(1 << 16)
            if not chunk:
                break
            tail = (tail + chunk)[-64:]
            closed = CLOSE_4429.search(tail)
        assert closed is not None, "no close frame with code 4429"
        stalled.close()
    finally:
        server.stop()
