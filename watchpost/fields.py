"""Field types whose JSON Schema says what the store can hold.

Request models, query and path parameters, and the contracts between processes use these
instead of a bare ``int``, ``str``, ``float`` or ``datetime``. The OpenAPI schema then tells
callers (and the fuzz test, tests/core/test_api_fuzz.py) the real limits, and a value the
database could not store is refused with 422 naming the field before any code runs:

- integers fit a signed 64-bit column (SQLite INTEGER, PostgreSQL BIGINT); ids start at 1;
- text has no NUL or other C0 control character but tab and newlines (PostgreSQL refuses NUL)
  and no lone surrogate (it has no UTF-8 form; pydantic refuses one when it checks a pattern);
- instants lie in [1970, 2200), a naive one is read as UTC, and all are kept in UTC;
- floats are finite (a NaN would be stored, then break every JSON answer that shows it);
- free-form JSON objects (``JsonObject``) hold only such text, keys included, and finite numbers,
  nested at most ``JSON_DEPTH`` deep (PostgreSQL's jsonb refuses NUL and lone surrogates too).
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timezone
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, Field, StringConstraints, create_model

DB_INT_MAX = 2**63 - 1
QUANTITY_MAX = 1e12  # stock, dispatched amounts: far above any park's, far below float trouble
TEXT_PATTERN = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F]*$"
EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2200, 1, 1, tzinfo=timezone.utc)

Id = Annotated[int, Field(ge=1, le=DB_INT_MAX)]
Count = Annotated[int, Field(ge=0, le=DB_INT_MAX)]
Text = Annotated[str, StringConstraints(pattern=TEXT_PATTERN)]
Real = Annotated[float, Field(allow_inf_nan=False)]


def _instant(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    try:
        inside = EARLIEST <= value < LATEST
    except OverflowError:  # an offset that pushes year 1 or 9999 out of datetime's range
        inside = False
    if not inside:
        raise ValueError(f"must lie between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d} (UTC)")
    return value.astimezone(timezone.utc)


def _day(value: date) -> date:
    if not EARLIEST.date() <= value < LATEST.date():
        raise ValueError(f"must lie between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}")
    return value


Instant = Annotated[datetime, AfterValidator(_instant)]
LonLat = tuple[Annotated[float, Field(ge=-180, le=180)], Annotated[float, Field(ge=-90, le=90)]]
Ring = Annotated[list[LonLat], Field(min_length=3, max_length=1000, description="[lon, lat] points of a polygon")]
# For times people type (a roster, a plan's dates): a missing offset is refused, not guessed.
AwareInstant = Annotated[AwareDatetime, AfterValidator(_instant)]
Day = Annotated[date, AfterValidator(_day)]


JSON_DEPTH = 16
_UNSTORABLE = re.compile(r"[\x00-\x08\x0B\x0C\x0E-\x1F\ud800-\udfff]")


def _storable(value: Any, path: str, depth: int) -> None:
    if depth > JSON_DEPTH:
        raise ValueError(f"{path}: nested deeper than {JSON_DEPTH} levels")
    if isinstance(value, str):
        if _UNSTORABLE.search(value):
            raise ValueError(f"{path}: text holds a control character or a lone surrogate")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{path}: numbers must be finite")
    elif isinstance(value, int) and not isinstance(value, bool):
        if abs(value) > DB_INT_MAX:
            raise ValueError(f"{path}: integer out of the 64-bit range")
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}[{key!r:.40}]"
            _storable(key, where, depth + 1)
            _storable(item, where, depth + 1)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _storable(item, f"{path}[{i}]", depth + 1)


def _json_object(value: dict[str, Any]) -> dict[str, Any]:
    _storable(value, "$", 0)
    return value


JsonObject = Annotated[dict[str, Any], AfterValidator(_json_object)]


def patch_model(model: type[BaseModel], name: str) -> type[BaseModel]:
    """A PATCH body for ``model``: the same fields, types and limits, each optional. A field left
    out stays as it is; null is accepted only where ``model`` itself allows it."""
    fields: dict[str, Any] = {}
    for field_name, info in model.model_fields.items():
        optional = info._copy()  # keeps the constraints (max_length, pattern, ge, ...)
        optional.default, optional.default_factory = None, None
        fields[field_name] = (info.annotation, optional)
    return create_model(name, __config__=model.model_config, __doc__=f"Changes to a {model.__name__}; "
                        "fields left out stay as they are.", **fields)
