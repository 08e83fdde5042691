"""Continuous recording in fixed-length segments, an index, and retention (VID-6, VID-7)."""
