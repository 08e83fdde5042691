"""Alarm rules (pure): detections over time in, rule events out. No video, no I/O."""
