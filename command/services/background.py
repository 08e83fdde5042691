"""The loops the service runs beside the API. Each part adds its own here."""

from __future__ import annotations

from command.state import Background, ServiceState


def build_background(state: ServiceState) -> list[Background]:
    loops: list[Background] = []
    return loops
