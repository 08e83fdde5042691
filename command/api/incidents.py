"""Routes for incidents (filled in by its issue)."""

from fastapi import APIRouter

router = APIRouter(tags=["incidents"])
