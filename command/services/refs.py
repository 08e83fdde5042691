"""References a request names in its body: refused with 422 naming the field when the row is
not there, before a foreign key would fail on the flush (which would leave the caller a 409 that
names no field)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from command.errors import Invalid


def must_exist(db: Session, model: type, row_id: int | None, field: str) -> None:
    """``row_id`` (when given) names a row of ``model``; otherwise 422 "field: <table> N not found"."""
    if row_id is not None and db.get(model, row_id) is None:
        what = getattr(model, "__tablename__", model.__name__).rstrip("s").replace("_", " ")
        raise Invalid(f"{field}: {what} {row_id} not found")
