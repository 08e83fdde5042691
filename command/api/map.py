"""Routes for map (filled in by its issue)."""

from fastapi import APIRouter

router = APIRouter(tags=["map"])
