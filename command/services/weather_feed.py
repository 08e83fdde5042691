"""The park's weather station (DSS-2): its latest reading, for the models' wind inputs.

Two ways in, chosen by ``dss.weather.kind``:

* ``http``: the station's JSON endpoint is polled (``url``, every ``poll_s``). ``WeatherLoop`` polls
  in the background (register it with the service's loops: ``build(state)``); a process without the
  loop (a non-leader worker, a test) asks the station itself when its reading is older than
  ``poll_s``, so every process answers with a fresh reading.
* ``bus``: each message on ``topic`` of the service's bus (MQTT when scaled out) is a reading.

Readings are parsed by ``parse`` (pure) through the configured field mapping. A reading older than
``max_age_s`` is refused for a model run, with the reason (``Stale``): give the weather by hand."""

from __future__ import annotations

import logging
import threading
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any

import httpx

from command.errors import Conflict, NotFound, Unavailable
from watchpost.config import WeatherStation
from watchpost.loops import PeriodicLoop

log = logging.getLogger(__name__)

_SPEED = {"m/s": 1.0, "km/h": 1 / 3.6, "kn": 1852 / 3600}


@dataclass(frozen=True)
class Reading:
    station: str
    wind_speed_m_s: float
    wind_from_deg: float
    temperature_c: float | None
    cloud_oktas: float | None
    observed_at: datetime
    received_at: datetime

    def age_s(self, now: datetime) -> float:
        return (now - self.observed_at).total_seconds()

    def to_json(self, now: datetime | None = None, max_age_s: float | None = None) -> dict:
        out = asdict(self) | {"observed_at": self.observed_at.isoformat(), "received_at": self.received_at.isoformat()}
        if now is not None:
            age = self.age_s(now)
            out["age_s"] = round(age, 1)
            if max_age_s is not None:
                out["stale"] = age > max_age_s
        return out


class Stale(Conflict):
    """The latest reading is too old to use (409)."""


def _at(payload: Any, path: str) -> Any:
    node = payload
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _number(payload: Any, path: str, what: str, low: float, high: float, required: bool) -> float | None:
    if not path:
        return None
    raw = _at(payload, path)
    if raw is None:
        if required:
            raise ValueError(f"{what}: no value at {path!r}")
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ValueError(f"{what}: {raw!r} at {path!r} is not a number") from None
    if not low <= value <= high:
        raise ValueError(f"{what}: {value:g} at {path!r} is outside [{low:g}, {high:g}]")
    return value


def _instant(raw: Any, path: str) -> datetime:
    if isinstance(raw, bool):
        raise ValueError(f"observed_at: {raw!r} at {path!r} is not a time")
    if isinstance(raw, (int, float)):
        seconds = raw / 1000.0 if raw > 1e11 else float(raw)  # milliseconds from stations that send them
        return datetime.fromtimestamp(seconds, tz=timezone.utc)
    if isinstance(raw, str):
        try:
            value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"observed_at: {raw!r} at {path!r} is not ISO 8601") from None
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
    raise ValueError(f"observed_at: {raw!r} at {path!r} is not a time")


def parse(payload: Any, cfg: WeatherStation, received_at: datetime) -> Reading:
    """One station message → a ``Reading``; ValueError naming the field when it cannot be read."""
    if not isinstance(payload, dict):
        raise ValueError("the station's answer is not a JSON object")
    f = cfg.fields
    speed = _number(payload, f.wind_speed_m_s, "wind_speed_m_s", 0.0, 150.0, True)
    direction = _number(payload, f.wind_from_deg, "wind_from_deg", 0.0, 360.0, True)
    temperature = _number(payload, f.temperature_c, "temperature_c", -80.0, 70.0, False)
    oktas = _number(payload, f.cloud_oktas, "cloud_oktas", 0.0, 8.0, False)
    observed = received_at
    if f.observed_at:
        raw = _at(payload, f.observed_at)
        if raw is None:
            raise ValueError(f"observed_at: no value at {f.observed_at!r}")
        observed = _instant(raw, f.observed_at)
    station = cfg.name or "station"
    if f.station and _at(payload, f.station) is not None:
        station = str(_at(payload, f.station))[:100]
    assert speed is not None and direction is not None
    return Reading(station=station, wind_speed_m_s=round(speed * _SPEED[cfg.wind_speed_unit], 6),
                   wind_from_deg=direction % 360.0, temperature_c=temperature, cloud_oktas=oktas,
                   observed_at=observed, received_at=received_at)


class WeatherFeed:
    """The latest reading of the configured station, kept per process."""

    def __init__(self, cfg: WeatherStation, clock: Any, bus: Any = None):
        self.cfg = cfg
        self.clock = clock
        self.latest: Reading | None = None
        self.error: str | None = None
        self.polled_at: datetime | None = None
        self.looping = False  # a WeatherLoop keeps it fresh
        self._lock = threading.Lock()
        if cfg.kind == "bus" and bus is not None:
            bus.subscribe(cfg.topic, self.on_message)

    def _keep(self, reading: Reading) -> None:
        # A late or replayed message never replaces a newer observation.
        if self.latest is None or reading.observed_at >= self.latest.observed_at:
            self.latest = reading
        self.error = None

    def on_message(self, _topic: str, message: dict) -> None:
        try:
            self._keep(parse(message, self.cfg, self.clock.now()))
        except ValueError as e:
            self.error = f"unreadable message: {e}"
            log.warning("weather station %s: %s", self.cfg.name or self.cfg.topic, self.error)

    def poll_once(self) -> Reading | None:
        """Ask the station now (http); keeps and returns the reading, or records why not."""
        if self.cfg.kind != "http":
            return self.latest
        with self._lock:
            self.polled_at = self.clock.now()
            try:
                r = httpx.get(self.cfg.url, timeout=self.cfg.timeout_s, follow_redirects=False)
                r.raise_for_status()
                self._keep(parse(r.json(), self.cfg, self.clock.now()))
            except (httpx.HTTPError, ValueError) as e:
                self.error = f"{type(e).__name__}: {e}"[:500]
                log.warning("weather station %s: %s", self.cfg.url, self.error)
            return self.latest

    def refresh(self) -> Reading | None:
        """The reading, asking the station first when no loop keeps it fresh and it is due."""
        if self.cfg.kind == "http" and not self.looping:
            now = self.clock.now()
            if self.polled_at is None or (now - self.polled_at).total_seconds() >= self.cfg.poll_s:
                self.poll_once()
        return self.latest

    def current(self) -> Reading:
        """The reading to use for a model run; ``Unavailable`` when there is none, ``Stale`` when too old."""
        reading = self.refresh()
        where = self.cfg.name or (self.cfg.url if self.cfg.kind == "http" else f"bus topic {self.cfg.topic}")
        if reading is None:
            why = f": {self.error}" if self.error else ""
            raise Unavailable(f"weather station {where}: no reading yet{why}; give the weather by hand (source manual)")
        age = reading.age_s(self.clock.now())
        if age > self.cfg.max_age_s:
            raise Stale(f"weather station {where}: the latest reading (observed {reading.observed_at.isoformat()}) "
                        f"is {age:.0f} s old, older than dss.weather.max_age_s = {self.cfg.max_age_s:g} s; "
                        "give the weather by hand (source manual)")
        return reading


_ATTR = "_weather_feed"
_CREATE = threading.Lock()


def feed(state: Any) -> WeatherFeed | None:
    """This process's feed for ``state`` (created on first use); None when no station is configured."""
    cfg = state.config.dss.weather
    if cfg.kind == "none":
        return None
    f = getattr(state, _ATTR, None)
    if f is None:
        with _CREATE:
            f = getattr(state, _ATTR, None)
            if f is None:
                f = WeatherFeed(cfg, state.clock, state.bus)
                setattr(state, _ATTR, f)
    return f


def now_json(state: Any) -> dict:
    """GET /api/weather/now: the latest reading with its age, or 404 without a station."""
    f = feed(state)
    if f is None:
        raise NotFound("no weather station configured (dss.weather.kind is none)")
    reading = f.refresh()
    if reading is None:
        raise Unavailable(f"weather station {f.cfg.name or f.cfg.url or f.cfg.topic}: no reading yet"
                          + (f": {f.error}" if f.error else ""))
    return reading.to_json(state.clock.now(), f.cfg.max_age_s) | {"error": f.error}


class WeatherLoop(PeriodicLoop):
    """Polls an http station every ``poll_s`` so requests find a fresh reading."""

    name = "weather-feed"

    def __init__(self, f: WeatherFeed):
        super().__init__(f.cfg.poll_s)
        self.feed = f

    def start(self) -> None:
        self.feed.looping = True
        super().start()

    def stop(self) -> None:
        super().stop()
        self.feed.looping = False

    def round(self) -> float | None:
        self.feed.poll_once()
        return None


class _Idle:
    def start(self) -> None: ...

    def stop(self) -> None: ...


def build(state: Any) -> WeatherLoop | _Idle:
    """The background loop for ``command/services/background.py`` (idle without an http station)."""
    f = feed(state)
    return WeatherLoop(f) if f is not None and f.cfg.kind == "http" else _Idle()
