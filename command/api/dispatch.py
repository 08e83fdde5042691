"""Routes for dispatch (filled in by its issue)."""

from fastapi import APIRouter

router = APIRouter(tags=["dispatch"])
