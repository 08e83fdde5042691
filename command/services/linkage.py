"""Sensor → camera linkage on the service side (VID-9): a parameter alarm whose location is a
key of ``vision.linkage`` asks every vision worker (through the worker-command queue) to pin that
window and take snapshots; the worker that runs the linked cameras attaches them to the alarm
(``vision/linkage.py``)."""

from __future__ import annotations

from watchpost.config import Config
from watchpost.events import WorkerCommand


def linkage_command(config: Config, source: str, source_event_id: str, keys: list[str | None]) -> WorkerCommand | None:
    """The command for an alarm from ``source`` located by ``keys`` (sensor name, site...), if linked."""
    if source != "sensor":
        return None
    linked = config.vision.linkage
    key = next((k for k in keys if k and k in linked), None)
    if key is None:
        return None
    return WorkerCommand(command="pin_recording", linkage_key=key, alarm_source="sensor",
                         source_event_id=source_event_id, reason=f"sensor alarm at {key}")
