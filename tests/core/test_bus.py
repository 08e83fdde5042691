"""The event bus: in-process by default, MQTT (a real mosquitto) between processes."""

from __future__ import annotations

import threading
import time

from watchpost.bus import InProcessBus, MqttBus, topic_matches


def test_topic_matching():
    assert topic_matches("alarm/#", "alarm/fire/cam1")
    assert topic_matches("worker/+/commands", "worker/v1/commands")
    assert not topic_matches("worker/+/commands", "worker/v1/health")
    assert not topic_matches("alarm", "alarm/fire")


def test_inprocess_bus_isolates_failing_handlers():
    bus = InProcessBus()
    got = []
    bus.subscribe("a/#", lambda t, m: 1 / 0)
    bus.subscribe("a/+", lambda t, m: got.append((t, m)))
    bus.publish("a/b", {"x": 1})
    assert got == [("a/b", {"x": 1})]


def test_mqtt_bus_between_two_clients(mosquitto):
    a = MqttBus("127.0.0.1", mosquitto, "wp-test", client_id="a")
    b = MqttBus("127.0.0.1", mosquitto, "wp-test", client_id="b")
    got: list = []
    done = threading.Event()

    def on(topic, msg):
        got.append((topic, msg))
        if len(got) == 3:
            done.set()

    b.subscribe("worker/+/commands", on)
    time.sleep(0.3)  # let the SUBACK land
    for i in range(3):
        a.publish(f"worker/v{i}/commands", {"command": "snapshot", "i": i})
    a.publish("other/topic", {"ignored": True})
    assert done.wait(5), got
    assert [m["i"] for _, m in got] == [0, 1, 2]
    assert got[0][0] == "worker/v0/commands"
    a.close()
    b.close()
