"""One router per domain, registered in this order."""

from command.api import (
    alarms,
    assignment,
    audit,
    auth,
    comms,
    console,
    dispatch,
    drills,
    device_records,
    dss,
    duty,
    incidents,
    live,
    map,
    media,
    plans,
    push,
    resources,
    response_drafts,
    system,
    users,
    video_devices,
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
    response_drafts.router,
    drills.router,
    dss.router,
    workers.router,
    device_records.router,  # a GB/T 28181 device's own recordings, through its worker (VID-5)
    video_devices.router,  # GB/T 28181 device events for the audit log (issue #26)
    assignment.router,  # cameras shared out over the vision workers (issue #26)
    system.router,  # /metrics, worker heartbeats, system health (issue #26)
    console.router,  # last: it serves the console's pages and static files
]
