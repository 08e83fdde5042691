"""Answers serialised once, by orjson, with no second pass through FastAPI's encoders.

A list endpoint that returns plain dicts has them validated and encoded by FastAPI's generic machinery; for a
page of 100 alarms that was most of the request's CPU (issue #23). Routes on the hot path build their JSON-ready
dicts (datetimes already ISO strings, stored JSON passed through as ``orjson.Fragment``) and answer with this.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import Response


def json_response(content: Any, status_code: int = 200) -> Response:
    return Response(orjson.dumps(content), status_code=status_code, media_type="application/json")
