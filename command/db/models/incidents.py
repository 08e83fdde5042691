"""Tables for incidents (filled in by its issue)."""
