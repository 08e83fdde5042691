"""Tables for warnings (filled in by its issue)."""
