"""Routes for duty (filled in by its issue)."""

from fastapi import APIRouter

router = APIRouter(tags=["duty"])
