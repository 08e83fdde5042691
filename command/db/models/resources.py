"""Emergency resources (RES-1..4): one table for experts, teams, materials, vehicles, shelters and
medical points (kind-specific fields in ``attrs``), reservations and expert evaluations."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from watchpost.db import Base, TimestampMixin


class Resource(TimestampMixin, Base):
    __tablename__ = "resources"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    code: Mapped[str | None] = mapped_column(String(100), unique=True, default=None)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(100), default="", index=True)  # material type / specialty / capability
    site: Mapped[str] = mapped_column(String(100), default="", index=True)
    location_name: Mapped[str] = mapped_column(String(200), default="")
    lon: Mapped[float | None] = mapped_column(Float, default=None)
    lat: Mapped[float | None] = mapped_column(Float, default=None)
    quantity: Mapped[float] = mapped_column(Float, default=1)
    required_quantity: Mapped[float | None] = mapped_column(Float, default=None)  # stocking norm → completeness
    unit: Mapped[str] = mapped_column(String(20), default="")
    status: Mapped[str] = mapped_column(String(20), default="available", index=True)
    contact: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    members: Mapped[list] = mapped_column(JSON, default=list)
    expires_on: Mapped[date | None] = mapped_column(Date, default=None, index=True)
    inspection_due_on: Mapped[date | None] = mapped_column(Date, default=None)
    attrs: Mapped[dict] = mapped_column(JSON, default=dict)


class Reservation(Base):
    __tablename__ = "resource_reservations"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"), index=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    activation_id: Mapped[int | None] = mapped_column(ForeignKey("plan_activations.id", ondelete="SET NULL"), default=None)
    quantity: Mapped[float] = mapped_column(Float, default=1)
    status: Mapped[str] = mapped_column(String(20), default="active", index=True)  # active | released
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(Text, default="")


class ExpertEvaluation(Base):
    """A score given to an expert after an incident; the expert's rating is their running mean."""

    __tablename__ = "expert_evaluations"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"), index=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="SET NULL"), default=None)
    score: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
