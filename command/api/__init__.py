"""One router per domain, registered in this order."""

from command.api import (
    alarms,
    audit,
    auth,
    comms,
    console,
    dispatch,
    drills,
    duty,
    incidents,
    live,
    map,
    media,
    plans,
    push,
    resources,
    users,
    warnings,
    workers,
)

ROUTERS = [
    auth.router,
    users.router,
    audit.router,
    alarms.router,
    warnings.router,
    incidents.router,
    push.router,
    live.router,
    media.recordings,
    media.router,
    comms.router,
    plans.router,
    resources.router,
    duty.router,
    dispatch.router,
    map.router,
    drills.router,
    workers.router,
    console.router,  # last: it serves the console's pages and static files
]
