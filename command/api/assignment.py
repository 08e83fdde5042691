"""Cameras shared out over the vision workers (issue #26, NFR-5; docs/scaling.md): a worker in assigned
mode claims its share every ``vision.assignment.claim_s``; anyone who reads the operational picture may
see the whole split."""

from __future__ import annotations

from fastapi import Depends
from sqlalchemy.orm import Session

from command.api.deps import get_db, get_state, require
from command.api.routing import api_router
from command.db.models.users import User
from command.domain.roles import READERS, Role
from command.services import assignment
from command.state import ServiceState
from watchpost.events import WorkerAssignment, WorkerClaim

router = api_router(prefix="/api/workers/assignment", tags=["workers"])


@router.post("", response_model=WorkerAssignment)
def claim(body: WorkerClaim, db: Session = Depends(get_db), state: ServiceState = Depends(get_state),
          _: User = Depends(require(Role.service, Role.admin))) -> WorkerAssignment:
    """Record that the worker is alive (and what it runs) and answer with the cameras it should run now.
    409 when another process has since taken its worker id over: that process runs them, this one stops."""
    return assignment.claim(db, state.config, body, state.clock.now())


@router.get("")
def overview(db: Session = Depends(get_db), state: ServiceState = Depends(get_state),
             _: User = Depends(require(*READERS, Role.service))) -> dict:
    """Each worker that has claimed (live or not, its share, what it runs) and the cameras no live worker may run."""
    return assignment.overview(db, state.config, state.clock.now())
