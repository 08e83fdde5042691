"""The loops the service runs beside the API. Each part adds its own here."""

from __future__ import annotations

from command.state import Background, ServiceState


def build_background(state: ServiceState) -> list[Background]:
    loops: list[Background] = []
    from comms.dispatcher import build as build_comms_dispatcher  # comms outbox sender (issue #6)

    loops.append(build_comms_dispatcher(state))
    from command.push import PushRetention  # prunes old push events (issue #3 part B)

    loops.append(PushRetention(state))
    from command.services.worker_commands import CommandRetention  # the worker-command queue, a week kept

    loops.append(CommandRetention(state))
    from command.services.scheduler import build as build_scheduler  # persisted deadlines (issue #3 part A)

    loops.append(build_scheduler(state))
    from command.services.drills import DrillRunner  # drills on the live system (issue #20)

    loops.append(DrillRunner(state))
    from command.services.weather_feed import build as build_weather  # the weather station (issue #25)

    loops.append(build_weather(state))
    from command.services.self_monitor import SelfMonitor  # self-alarms (issue #26, NFR-10)

    loops.append(SelfMonitor(state))
    return loops
