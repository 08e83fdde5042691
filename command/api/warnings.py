"""Routes for warnings (filled in by its issue)."""

from fastapi import APIRouter

router = APIRouter(tags=["warnings"])
