"""Event bus between parts: in-process by default, MQTT (mosquitto) when scaled out.

Messages are JSON-able dicts on string topics. Delivery is at-most-once: anything that
must not be lost (alarms, outbox records) is persisted before it is published, and the
bus only wakes consumers up.
"""

from __future__ import annotations

import json
import logging
import threading
from abc import ABC, abstractmethod
from collections import defaultdict
from typing import Any, Callable

log = logging.getLogger(__name__)

Handler = Callable[[str, dict[str, Any]], None]


def topic_matches(pattern: str, topic: str) -> bool:
    """MQTT-style match: ``+`` one level, ``#`` the rest."""
    p_parts, t_parts = pattern.split("/"), topic.split("/")
    for i, p in enumerate(p_parts):
        if p == "#":
            return True
        if i >= len(t_parts) or (p != "+" and p != t_parts[i]):
            return False
    return len(p_parts) == len(t_parts)


class Bus(ABC):
    @abstractmethod
    def publish(self, topic: str, message: dict[str, Any]) -> None: ...

    @abstractmethod
    def subscribe(self, pattern: str, handler: Handler) -> None: ...

    def close(self) -> None:  # pragma: no cover - trivial default
        pass


class InProcessBus(Bus):
    def __init__(self) -> None:
        self._subs: dict[str, list[Handler]] = defaultdict(list)
        self._lock = threading.Lock()

    def publish(self, topic: str, message: dict[str, Any]) -> None:
        with self._lock:
            targets = [h for pat, hs in self._subs.items() if topic_matches(pat, topic) for h in hs]
        for handler in targets:
            try:
                handler(topic, message)
            except Exception:  # one bad consumer must not stop the others
                log.exception("bus handler failed for %s", topic)

    def subscribe(self, pattern: str, handler: Handler) -> None:
        with self._lock:
            self._subs[pattern].append(handler)


class MqttBus(Bus):
    """The same contract over an MQTT broker, for workers on other processes/machines."""

    def __init__(self, host: str, port: int, prefix: str = "watchpost", client_id: str | None = None):
        import paho.mqtt.client as mqtt

        self._prefix = prefix.rstrip("/")
        self._subs: list[tuple[str, Handler]] = []
        self._client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id or "")
        self._client.on_message = self._on_message
        self._client.on_connect = self._on_connect
        self._connected = threading.Event()
        self._client.connect(host, port, keepalive=30)
        self._client.loop_start()
        if not self._connected.wait(10):
            raise ConnectionError(f"MQTT broker {host}:{port} did not accept the connection")

    def _on_connect(self, client, userdata, flags, reason_code, properties=None):  # noqa: ANN001
        for pattern, _ in self._subs:
            client.subscribe(f"{self._prefix}/{pattern}", qos=1)
        self._connected.set()

    def _on_message(self, client, userdata, msg):  # noqa: ANN001
        topic = msg.topic[len(self._prefix) + 1:]
        try:
            payload = json.loads(msg.payload)
        except ValueError:
            log.warning("dropping non-JSON MQTT message on %s", msg.topic)
            return
        for pattern, handler in list(self._subs):
            if topic_matches(pattern, topic):
                try:
                    handler(topic, payload)
                except Exception:
                    log.exception("bus handler failed for %s", topic)

    def publish(self, topic: str, message: dict[str, Any]) -> None:
        # Queued for the client's network thread (QoS 1: resent until the broker acknowledges), not waited for.
        # Publishers call this after their commit, on the request's path: waiting for each PUBACK put several
        # broker round trips into every alarm POST (p50 70 ms against 23 with two service processes, issue #23),
        # and a broker that stops answering would have held each one for the timeout. Readers never depend on
        # it alone: push has its fallback poll, the read cache its age limit.
        info = self._client.publish(f"{self._prefix}/{topic}", json.dumps(message, default=str), qos=1)
        if info.rc != 0:  # not even queued (the client is shutting down, or its queue is full)
            log.warning("MQTT publish on %s failed (rc %s)", topic, info.rc)

    def subscribe(self, pattern: str, handler: Handler) -> None:
        self._subs.append((pattern, handler))
        self._client.subscribe(f"{self._prefix}/{pattern}", qos=1)

    def close(self) -> None:
        self._client.disconnect()  # while the network thread runs, so what is queued goes out before DISCONNECT
        self._client.loop_stop()


def make_bus(cfg: "Any") -> Bus:
    """Build the bus from ``Config.bus``."""
    if cfg.kind == "mqtt":
        return MqttBus(cfg.mqtt_host, cfg.mqtt_port, cfg.topic_prefix)
    return InProcessBus()
