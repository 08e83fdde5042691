"""Commands for the vision workers (VID-9 linkage, drill clips), queued in SQL.

Workers fetch them over HTTP (``GET /api/worker-commands``, a long poll): that works in the
embedded set-up, where the service and the worker are separate processes with no broker, and a
command queued while a worker was restarting still reaches it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from command.db.models.push import EventId
from watchpost.db import Base


class WorkerCommandRow(Base):
    __tablename__ = "worker_commands"

    id: Mapped[int] = mapped_column(EventId, primary_key=True, autoincrement=True)
    target: Mapped[str] = mapped_column(String(100), index=True)  # a worker id, or "all"
    body: Mapped[dict[str, Any]] = mapped_column(JSON)  # watchpost.events.WorkerCommand
    created_at: Mapped[datetime] = mapped_column(index=True)


class WorkerCommandResultRow(Base):
    """A worker's answer to a command someone waits for (``gb_record_query``): written before the worker's
    POST is acknowledged, read by the API call that queued the command (which may run on another replica);
    kept a day (``command.services.worker_results``)."""

    __tablename__ = "worker_command_results"

    id: Mapped[int] = mapped_column(EventId, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(String(64), unique=True)
    worker_id: Mapped[str] = mapped_column(String(100))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)  # watchpost.events.WorkerCommandResult
    created_at: Mapped[datetime] = mapped_column(index=True)
