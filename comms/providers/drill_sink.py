"""Where exercise traffic goes instead of real phones and speakers (drill safety).

Each message is appended to a JSON-lines file (the drill report reads it) and a broadcast is still
rendered to a WAV, so the drill shows what would have been heard — but nothing is played.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from pathlib import Path

from comms.providers.base import Outgoing, SendResult

_LOCK = threading.Lock()


class DrillSink:
    name = "drill"

    def __init__(self, path: str | Path, tts: object | None = None):
        self.path = Path(path)
        self.tts = tts  # a TtsBroadcast; only its render() is used, never its sink

    def send(self, msg: Outgoing) -> SendResult:
        audio = None
        if msg.channel == "broadcast" and self.tts is not None:
            audio = str(self.tts.render(msg))  # type: ignore[attr-defined]
        line = {"at": datetime.now(timezone.utc).isoformat(), "id": msg.id, "client_ref": msg.client_ref,
                "channel": msg.channel, "recipient": msg.recipient, "body": msg.body, "exercise": msg.exercise,
                "audio_path": audio}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _LOCK, self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")
        return SendResult(status="delivered", provider_id=f"drill:{msg.client_ref}",
                          detail=f"drill sink {self.path.name}; not sent to a real {msg.channel} target",
                          audio_path=audio)

    def lookup(self, msg: Outgoing) -> SendResult | None:
        if not self.path.exists():
            return None
        with self.path.open(encoding="utf-8") as f:
            for raw in f:
                if f'"{msg.client_ref}"' in raw:
                    return SendResult(status="delivered", provider_id=f"drill:{msg.client_ref}",
                                      detail="found in drill sink")
        return None


class ConsoleProvider:
    """Channel "console": the message is shown to signed-in users through the push feed; the
    outbox record itself is what the console displays, so delivery is immediate."""

    name = "console"

    def send(self, msg: Outgoing) -> SendResult:
        return SendResult(status="delivered", provider_id=f"console:{msg.client_ref}", detail="shown on consoles")

    def lookup(self, msg: Outgoing) -> SendResult | None:
        return None
