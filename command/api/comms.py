"""Routes for comms (filled in by its issue)."""

from fastapi import APIRouter

router = APIRouter(tags=["comms"])
