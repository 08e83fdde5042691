"""Detectors behind one plugin interface (VID-13): ultralytics YOLO by default, others by entry point."""
