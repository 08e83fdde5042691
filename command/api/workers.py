"""Commands for the vision workers, fetched by the workers themselves (a long poll)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request
from pydantic import BaseModel

from command.api.deps import require
from command.api.polling import poll
from command.api.routing import api_router
from command.db.models.users import User
from command.domain.roles import Role
from command.services import worker_commands
from watchpost.fields import Count, Text

router = api_router(prefix="/api/worker-commands", tags=["workers"])
POLL_EVERY_S = 0.25


class QueuedCommand(BaseModel):
    id: int
    command: dict


class CommandBatch(BaseModel):
    last_id: int
    commands: list[QueuedCommand]


@router.get("", response_model=CommandBatch)
async def fetch(request: Request, worker: Annotated[Text, Query(min_length=1, max_length=100)],
                after: Count | None = None, wait_s: float = Query(0, ge=0, le=25),
                _: User = Depends(require(Role.service, Role.admin))) -> CommandBatch:
    """Commands for ``worker`` (or for all workers) queued after ``after``, waiting up to
    ``wait_s`` (at most ``server.long_poll_max_s``) for one. Without ``after``: none, and the id
    to start from (a worker's first call)."""
    st = request.app.state.wp

    def read(after_id: int | None) -> CommandBatch:
        with st.sessions() as db:
            db.connection(execution_options={"readonly": True})
            if after_id is None:
                return CommandBatch(last_id=worker_commands.last_id(db), commands=[])
            rows = worker_commands.after(db, worker, after_id)
            return CommandBatch(last_id=rows[-1][0] if rows else after_id,
                                commands=[QueuedCommand(id=i, command=body) for i, body in rows])

    return await poll(lambda: read(after), lambda batch: bool(batch.commands) or after is None,
                      min(wait_s, st.config.server.long_poll_max_s), request, POLL_EVERY_S)
