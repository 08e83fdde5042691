"""Tables for plans (filled in by its issue)."""
