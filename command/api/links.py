"""OpenAPI links: which operations take the id an answer returns (create → read → update).

They document the API's flow for integrators, and the fuzz test's stateful phase follows them
(tests/core/test_api_fuzz.py), so a created alarm, incident or plan is read and changed with
generated data instead of every call guessing ids that do not exist.
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
