"""Decision support records (DSS-1, DSS-3, DRL-5): every consequence-model run with what went in
(inputs, the weather used and where it came from, model and table versions) and what came out, the
response plans drafted from a run, and the incident's consultation room."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from watchpost.db import Base


class Simulation(Base):
    """One run of a consequence model (DSS-3): re-running ``model`` on ``params`` with ``weather``
    reproduces ``result`` while ``versions`` are unchanged."""

    __tablename__ = "dss_simulations"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True,
                                                    default=None)
    model: Mapped[str] = mapped_column(String(50))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    # The weather values used, and their origin: {"source": "manual"|"station", "station": ..., "observed_at": ...}
    weather: Mapped[dict] = mapped_column(JSON, default=dict)
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    # What lies inside each zone (people, enterprises, residents' areas, cameras, sensors, resources).
    zones: Mapped[list] = mapped_column(JSON, default=list)
    versions: Mapped[dict] = mapped_column(JSON, default=dict)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    exercise: Mapped[bool] = mapped_column(Boolean, default=False)
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime]


class ResponseDraft(Base):
    """A drafted response plan (应急处置方案, DRL-5): zones, routes, resources, the matching plan's
    cards and targeted warnings. Nothing is sent before a commander approves it."""

    __tablename__ = "dss_response_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    simulation_id: Mapped[int | None] = mapped_column(ForeignKey("dss_simulations.id", ondelete="SET NULL"),
                                                      default=None)
    status: Mapped[str] = mapped_column(String(20), index=True)  # draft | approved | sent | discarded
    body: Mapped[dict] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    approved_by: Mapped[str | None] = mapped_column(String(100), default=None)
    approved_at: Mapped[datetime | None] = mapped_column(default=None)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    outbox_ids: Mapped[list] = mapped_column(JSON, default=list)


class ConsultMessage(Base):
    """A message in an incident's consultation room (线上会商, DSS-1), with an optional file."""

    __tablename__ = "consult_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    author: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(30))
    body: Mapped[str] = mapped_column(Text, default="")
    file_name: Mapped[str | None] = mapped_column(String(300), default=None)
    file_type: Mapped[str | None] = mapped_column(String(100), default=None)
    file_size: Mapped[int | None] = mapped_column(Integer, default=None)
    file_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    file_path: Mapped[str | None] = mapped_column(String(500), default=None)
