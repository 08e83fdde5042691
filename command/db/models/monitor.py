"""The vision workers' latest heartbeats (issue #26, NFR-10): one row per worker, replaced by each
heartbeat, so whichever service process holds the background loops sees what any replica received."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from watchpost.db import Base


class WorkerHeartbeatRow(Base):
    __tablename__ = "worker_heartbeats"

    worker_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    at: Mapped[datetime] = mapped_column()  # when the service received it (the service's clock)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)  # watchpost.events.WorkerHeartbeat
