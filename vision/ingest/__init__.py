"""Camera ingest: one reader thread (own decoder) per camera, reconnect with backoff, health."""
