"""Watchpost: shared contracts (config, events, bus, clock, storage base) and the CLI."""

__version__ = "0.1.0"
