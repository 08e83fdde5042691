"""On-duty schedules: "HH:MM-HH:MM" windows on given weekdays, a window may wrap midnight."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from watchpost.config import DutySchedule


def _parse(hhmm: str) -> time | None:
    h, m = (int(x) for x in hhmm.split(":"))
    return None if h == 24 else time(h, m)


def on_duty(schedule: DutySchedule, at: datetime, tz: str = "Asia/Shanghai") -> bool:
    local = at.astimezone(ZoneInfo(tz))
    for window in schedule.windows:
        start_s, end_s = window.split("-")
        start, end = _parse(start_s), _parse(end_s)
        start = start or time(0, 0)
        now_t = local.time()
        if end is None or start < end:  # same-day window ("24:00" = end of day)
            if local.weekday() in schedule.weekdays and start <= now_t and (end is None or now_t < end):
                return True
        else:  # wraps midnight: the part after midnight belongs to the previous day's shift
            if local.weekday() in schedule.weekdays and now_t >= start:
                return True
            if (local - timedelta(days=1)).weekday() in schedule.weekdays and now_t < end:
                return True
    return False
