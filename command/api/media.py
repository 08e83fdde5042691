"""Routes for media (filled in by its issue)."""

from fastapi import APIRouter

router = APIRouter(tags=["media"])
