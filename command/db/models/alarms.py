"""Tables for alarms (filled in by its issue)."""
