"""Tables for push (filled in by its issue)."""
