"""What the OpenAPI schema says beyond the types: links and answers that are not JSON.

Links say which operations take the id an answer returns (create → read → update). They document
the API's flow for integrators, and the fuzz test's stateful phase follows them
(tests/core/test_api_fuzz.py), so a created alarm, incident or plan is read and changed with
generated data instead of every call guessing ids that do not exist. ``file_answer`` documents
routes that answer a file (CSV, PDF, WAV...) so the schema names their real content types.
"""

from __future__ import annotations

from typing import Any


def _ref(method: str, path: str) -> str:
    return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method.lower()


def follow(status: int, param: str, *targets: str, pointer: str = "/id") -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route whose ``status`` answer carries at ``pointer`` the id each of
    ``targets`` ("METHOD /path/{param}") takes as ``param``."""
    links = {}
    for target in targets:
        method, path = target.split(" ", 1)
        name = f"{method.lower()}{path.replace('/api', '').replace('/', '_').replace('{', '').replace('}', '')}"
        links[name] = {"operationRef": _ref(method, path), "parameters": {param: f"$response.body#{pointer}"}}
    return {status: {"description": "Success; the linked operations take the id it returns", "links": links}}


def file_answer(*media_types: str, status: int = 200, description: str = "the file") -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route whose ``status`` answer is a file of one of ``media_types``."""
    return {status: {"description": description,
                     "content": {m: {"schema": {"type": "string", "format": "binary"}} for m in media_types}}}
