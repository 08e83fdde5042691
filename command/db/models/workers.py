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
