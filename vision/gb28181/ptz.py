"""PTZCmd of GB/T 28181-2016 Annex A.3: the 8-byte front-end control instruction a DeviceControl
MESSAGE carries as 16 hex digits (``<PTZCmd>A50F010800FA00B7</PTZCmd>``). Pure: encode and decode.

Byte 1 is ``A5``; byte 2 the version (high nibble, 0) and a check nibble, (the nibbles of byte 1 and
the version) mod 16, so ``0F``; byte 3 the low 8 bits of the address; byte 4 the instruction; bytes 5
and 6 data 1 and 2; byte 7 data 3 (high nibble) and the address's high 4 bits; byte 8 the sum of
bytes 1-7 mod 256. Devices are addressed by the MESSAGE's ``DeviceID``, not by these bits (A.3.1),
so the address is ``01`` here, as WVP-GB28181-pro and most devices use.

Instruction byte (A.3.2-A.3.4):

- PTZ, ``00xxxxxx``: bit 5 zoom out, 4 zoom in, 3 up, 2 down, 1 left, 0 right; data 1 the pan
  speed, data 2 the tilt speed (0-255), data 3 the zoom speed (0-15). ``00`` stops.
- FI, ``0100xxxx``: bit 3 iris close, 2 iris open, 1 focus near, 0 focus far; data 1 the focus
  speed, data 2 the iris speed. ``40`` stops.
- presets: ``81`` set, ``82`` call, ``83`` delete; data 2 the preset number (1-255).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

HEAD = 0xA5
VERSION_CHECK = ((HEAD >> 4) + (HEAD & 0x0F) + 0) % 16  # version 0: the check nibble is F
ADDRESS = 0x01

PAN = {"left": 0x02, "right": 0x01}
TILT = {"up": 0x08, "down": 0x04}
ZOOM = {"in": 0x10, "out": 0x20}
FOCUS = {"near": 0x02, "far": 0x01}
IRIS = {"open": 0x04, "close": 0x08}
PRESET = {"set": 0x81, "call": 0x82, "delete": 0x83}

Pan = Literal["left", "right"] | None
Tilt = Literal["up", "down"] | None
Zoom = Literal["in", "out"] | None


@dataclass(frozen=True)
class Move:
    """Pan, tilt and zoom at once (any of them None: that axis stands still); all None stops."""

    pan: Pan = None
    tilt: Tilt = None
    zoom: Zoom = None
    pan_speed: int = 0x80
    tilt_speed: int = 0x80
    zoom_speed: int = 0x08


@dataclass(frozen=True)
class Lens:
    """Focus and iris (FI); both None stops them."""

    focus: Literal["near", "far"] | None = None
    iris: Literal["open", "close"] | None = None
    focus_speed: int = 0x80
    iris_speed: int = 0x80


@dataclass(frozen=True)
class Preset:
    action: Literal["set", "call", "delete"]
    number: int


Command = Move | Lens | Preset


def _byte(name: str, value: int, top: int = 0xFF) -> int:
    if not 0 <= value <= top:
        raise ValueError(f"{name} must be 0-{top}, not {value}")
    return value


def _pack(instruction: int, data1: int, data2: int, data3: int) -> str:
    body = [HEAD, VERSION_CHECK, ADDRESS & 0xFF, instruction, data1, data2, (data3 << 4) | ((ADDRESS >> 8) & 0x0F)]
    return bytes(body + [sum(body) % 256]).hex().upper()


def encode(cmd: Command) -> str:
    """The 16 hex digits of ``cmd``; ValueError on a speed or preset number out of range."""
    if isinstance(cmd, Move):
        code = (PAN.get(cmd.pan or "", 0) | TILT.get(cmd.tilt or "", 0) | ZOOM.get(cmd.zoom or "", 0))
        return _pack(code, _byte("pan_speed", cmd.pan_speed) if cmd.pan else 0,
                     _byte("tilt_speed", cmd.tilt_speed) if cmd.tilt else 0,
                     _byte("zoom_speed", cmd.zoom_speed, 0x0F) if cmd.zoom else 0)
    if isinstance(cmd, Lens):
        code = 0x40 | FOCUS.get(cmd.focus or "", 0) | IRIS.get(cmd.iris or "", 0)
        return _pack(code, _byte("focus_speed", cmd.focus_speed) if cmd.focus else 0,
                     _byte("iris_speed", cmd.iris_speed) if cmd.iris else 0, 0)
    if not 1 <= cmd.number <= 255:
        raise ValueError(f"preset number must be 1-255, not {cmd.number}")
    return _pack(PRESET[cmd.action], 0, cmd.number, 0)


def decode(hex_cmd: str) -> Command:
    """What a PTZCmd asks (the device side); ValueError when it is not a well-formed one."""
    try:
        raw = bytes.fromhex(hex_cmd.strip())
    except ValueError:
        raise ValueError(f"PTZCmd {hex_cmd!r} is not hex") from None
    if len(raw) != 8 or raw[0] != HEAD:
        raise ValueError(f"PTZCmd {hex_cmd!r} is not 8 bytes starting A5")
    if raw[1] & 0x0F != ((raw[0] >> 4) + (raw[0] & 0x0F) + (raw[1] >> 4)) % 16:
        raise ValueError(f"PTZCmd {hex_cmd!r}: bad check nibble in byte 2")
    if sum(raw[:7]) % 256 != raw[7]:
        raise ValueError(f"PTZCmd {hex_cmd!r}: bad checksum")
    code, d1, d2, d3 = raw[3], raw[4], raw[5], raw[6] >> 4
    if code & 0xC0 == 0:
        pan = next((k for k, v in PAN.items() if code & v), None)
        tilt = next((k for k, v in TILT.items() if code & v), None)
        zoom = next((k for k, v in ZOOM.items() if code & v), None)
        still = Move()  # the speed of an axis that stands still is not carried: it reads as the default
        return Move(pan, tilt, zoom, d1 if pan else still.pan_speed, d2 if tilt else still.tilt_speed,
                    d3 if zoom else still.zoom_speed)
    if code & 0xF0 == 0x40:
        focus = next((k for k, v in FOCUS.items() if code & v), None)
        iris = next((k for k, v in IRIS.items() if code & v), None)
        still = Lens()
        return Lens(focus, iris, d1 if focus else still.focus_speed, d2 if iris else still.iris_speed)
    action = next((k for k, v in PRESET.items() if v == code), None)
    if action is None:
        raise ValueError(f"PTZCmd {hex_cmd!r}: instruction {code:02X} is not PTZ, FI or a preset")
    return Preset(action, d2)  # type: ignore[arg-type]


def from_console(action: str, pan: float = 0, tilt: float = 0, zoom: float = 0, preset: int | None = None) -> Command:
    """The console's request (each axis a speed in [-1, 1], the sign its direction; stop; a preset number) as a
    command: speeds scaled to the full 0-255 (zoom 0-15), a moving axis at least 1."""
    if action == "stop":
        return Move()
    if action == "preset":
        if preset is None:
            raise ValueError("a GB/T 28181 preset is its number, 1-255")
        return Preset("call", preset)
    if action != "move":
        raise ValueError(f"unknown PTZ action {action!r}")

    def speed(v: float, top: int) -> int:
        return max(1, min(top, round(abs(v) * top)))

    return Move(pan=("right" if pan > 0 else "left") if pan else None,
                tilt=("up" if tilt > 0 else "down") if tilt else None,
                zoom=("in" if zoom > 0 else "out") if zoom else None,
                pan_speed=speed(pan, 255) if pan else Move.pan_speed,
                tilt_speed=speed(tilt, 255) if tilt else Move.tilt_speed,
                zoom_speed=speed(zoom, 15) if zoom else Move.zoom_speed)
