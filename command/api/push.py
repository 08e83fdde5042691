"""Routes for push (filled in by its issue)."""

from fastapi import APIRouter

router = APIRouter(tags=["push"])
