"""Tables for resources (filled in by its issue)."""
