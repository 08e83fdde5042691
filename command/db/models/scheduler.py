"""Tables for scheduler (filled in by its issue)."""
