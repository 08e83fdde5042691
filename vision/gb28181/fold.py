"""At most one audit entry per device a minute (pure): a device that fails its password a hundred times,
or flaps between addresses, must not flood the service's audit log, and the count must not be lost.

The first event of a device that has been quiet for ``window_s`` goes out at once. What follows within
the window is held: counted by kind, the last one's address and detail kept. When the window ends the
held events go out as one, and a new window starts. ``max_devices`` bounds the devices tracked at once:
refused registrations can claim any device id, so beyond it events of new ids fold under ``OTHERS``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

OTHERS = "*"


@dataclass
class Folded:
    device_id: str
    kind: str  # the last event's
    addr: str
    detail: str
    first_at: float
    last_at: float
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(self.counts.values())


class Fold:
    def __init__(self, window_s: float = 60.0, max_devices: int = 200):
        self.window_s = window_s
        self.max_devices = max_devices
        self._sent_at: dict[str, float] = {}  # device -> when its last entry went out
        self._held: dict[str, Folded] = {}

    def offer(self, device_id: str, kind: str, addr: str, detail: str, at: float) -> Folded | None:
        """An event at ``at``: the entry to send now, or None when it is held for the window's end."""
        key = device_id
        if key not in self._sent_at and len(self._sent_at) >= self.max_devices:
            key, detail = OTHERS, f"device {device_id}: {detail}" if detail else f"device {device_id}"
        sent = self._sent_at.get(key)
        if sent is None or (at - sent >= self.window_s and key not in self._held):
            self._sent_at[key] = at
            return Folded(key, kind, addr, detail, at, at, {kind: 1})
        held = self._held.get(key)
        if held is None:
            self._held[key] = Folded(key, kind, addr, detail, at, at, {kind: 1})
        else:
            held.kind, held.addr, held.detail, held.last_at = kind, addr, detail, at
            held.counts[kind] = held.counts.get(kind, 0) + 1
        return None

    def due(self, now: float) -> list[Folded]:
        """The held entries whose window has ended by ``now``; devices quiet for a whole window are forgotten."""
        out = []
        for key, sent in list(self._sent_at.items()):
            if now - sent < self.window_s:
                continue
            held = self._held.pop(key, None)
            if held is None:
                del self._sent_at[key]
            else:
                self._sent_at[key] = now
                out.append(held)
        return out

    def drain(self) -> list[Folded]:
        """Everything held, window or not (the worker is stopping: a count is worth more than the limit)."""
        out = list(self._held.values())
        self._held.clear()
        return out
