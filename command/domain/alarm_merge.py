"""Which repeats fold into one alarm (ALM-4 merge), pure.

A repeat from the same source, the same place (camera, else site + location name) and the same
type within ``window_s`` of the alarm's last sighting is one alarm with more occurrences.
"""

from __future__ import annotations

from datetime import datetime

OPEN_STATUSES: tuple[str, ...] = ("new", "verified")


def merge_key(source: str, type_: str, camera_id: str | None, site: str | None, location_name: str) -> str:
    place = f"cam:{camera_id}" if camera_id else f"loc:{(site or '').strip().lower()}/{location_name.strip().lower()}"
    return f"{source}|{type_}|{place}"[:400]


def folds_into(window_s: float, alarm_status: str, alarm_last_seen: datetime, alarm_exercise: bool,
               event_at: datetime, event_exercise: bool) -> bool:
    """True when an event at ``event_at`` merges into an open alarm last seen at ``alarm_last_seen``."""
    if window_s <= 0 or alarm_status not in OPEN_STATUSES or alarm_exercise != event_exercise:
        return False
    return abs((event_at - alarm_last_seen).total_seconds()) <= window_s


def level_for(event_level: str | None, type_: str, default_by_type: dict[str, str]) -> str:
    return event_level or default_by_type.get(type_) or "yellow"
