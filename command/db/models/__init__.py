"""Every table of the service, imported here so Alembic and create_all see them all."""

from command.db.models import (  # noqa: F401
    alarms,
    audit,
    cluster,
    drills,
    dss,
    duty,
    incidents,
    monitor,
    plans,
    push,
    resources,
    scheduler,
    users,
    warnings,
    workers,
)
