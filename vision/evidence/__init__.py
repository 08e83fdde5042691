"""Alarm evidence: annotated snapshots and ring-buffer clips, each with its SHA-256 (VID-7, VID-8)."""
