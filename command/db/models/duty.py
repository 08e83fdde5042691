"""Tables for duty (filled in by its issue)."""
