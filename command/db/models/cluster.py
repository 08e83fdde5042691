"""Who is alive in a scaled-out site (issue #26): the vision workers' camera leases and the service
processes' own heartbeats. Both are written by whichever replica a request reaches, and read by every
replica (assignment) or by the one holding the background loops (self-alarms)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from watchpost.db import Base


class WorkerLeaseRow(Base):
    """A vision worker in assigned mode: its last claim, and the epoch its current process holds."""

    __tablename__ = "worker_leases"

    worker_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    epoch: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column()  # the last claim, the service's clock
    leaving: Mapped[bool] = mapped_column(default=False)
    running: Mapped[list[Any]] = mapped_column(JSON)  # camera ids it said it runs
    # Its GB/T 28181 live relay (http://host:port) as its last claim stated it: the service reads a GB
    # camera's live view there, since the camera's device streams only to this worker.
    relay_url: Mapped[str | None] = mapped_column(String(300), default=None)


class ServiceReplicaRow(Base):
    """One ``watchpost serve`` process: rewritten every ``monitor.replica_beat_s``, deleted when it stops."""

    __tablename__ = "service_replicas"

    replica_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    address: Mapped[str] = mapped_column(String(300))  # host:port it serves on
    pid: Mapped[int] = mapped_column()
    started_at: Mapped[datetime] = mapped_column()
    at: Mapped[datetime] = mapped_column()  # its last heartbeat, the service's clock
    leader: Mapped[bool] = mapped_column(default=False)  # it runs the background loops
