"""Routes for resources (filled in by its issue)."""

from fastapi import APIRouter

router = APIRouter(tags=["resources"])
