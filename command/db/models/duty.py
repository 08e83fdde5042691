"""Duty roster, vehicle and resource dispatch records, personnel positions (CMD-1, CMD-3, CMD-7)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from watchpost.db import Base


class DutyShift(Base):
    __tablename__ = "duty_shifts"

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(100), index=True)  # plan organisation role, e.g. 现场指挥
    person: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(50), default="")
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime] = mapped_column(index=True)
    handover_note: Mapped[str] = mapped_column(Text, default="")
    handed_over_at: Mapped[datetime | None] = mapped_column(default=None)
    created_by: Mapped[str] = mapped_column(String(100), default="")


class VehicleDispatch(Base):
    __tablename__ = "vehicle_dispatches"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("resources.id", ondelete="SET NULL"), default=None)
    vehicle: Mapped[str] = mapped_column(String(100))
    driver: Mapped[str] = mapped_column(String(100))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="SET NULL"), default=None, index=True)
    origin: Mapped[str] = mapped_column(String(200))
    destination: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text, default="")
    departed_at: Mapped[datetime]
    arrived_at: Mapped[datetime | None] = mapped_column(default=None)
    returned_at: Mapped[datetime | None] = mapped_column(default=None)
    recorded_by: Mapped[str] = mapped_column(String(100))


class ResourceDispatch(Base):
    """A resource sent to an incident, with its status reported from the field."""

    __tablename__ = "resource_dispatches"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="SET NULL"), default=None)
    quantity: Mapped[float] = mapped_column(Float, default=1)
    status: Mapped[str] = mapped_column(String(20), default="ordered")
    note: Mapped[str] = mapped_column(Text, default="")
    history: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))


class PersonnelPosition(Base):
    """Latest position of one person from the park's location system (CMD-3)."""

    __tablename__ = "personnel_positions"

    person_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    floor: Mapped[str] = mapped_column(String(20), default="")
    at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(100), default="")
