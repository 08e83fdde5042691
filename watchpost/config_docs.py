"""Render the config tree as a Markdown reference (docs/configuration.md is generated from it)."""

from __future__ import annotations

import json
from typing import Any, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from watchpost.config import Config


def _type_name(annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin is None:
        return getattr(annotation, "__name__", str(annotation))
    args = ", ".join(_type_name(a) for a in get_args(annotation))
    return f"{getattr(origin, '__name__', str(origin))}[{args}]"


def _submodel(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _submodel(arg)
        if found is not None:
            return found
    return None


def _default(field: Any) -> str:
    if field.default is not PydanticUndefined:
        value = field.default
    elif field.default_factory is not None:
        value = field.default_factory()
    else:
        return "(required)"
    if isinstance(value, BaseModel):
        return "(section)"
    try:
        return "`" + json.dumps(value if not isinstance(value, dict) else {k: (v.model_dump() if isinstance(v, BaseModel) else v) for k, v in value.items()}, ensure_ascii=False) + "`"
    except TypeError:
        return f"`{value}`"


def render(model: type[BaseModel] = Config, prefix: str = "", seen: set | None = None) -> list[str]:
    seen = seen or set()
    rows: list[str] = []
    nested: list[tuple[str, type[BaseModel]]] = []
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        sub = _submodel(field.annotation)
        desc = (field.description or "").replace("|", "\\|")
        rows.append(f"| `{path}` | {_type_name(field.annotation)} | {_default(field)} | {desc} |")
        if sub is not None and sub not in seen:
            nested.append((path, sub))
    for path, sub in nested:
        seen.add(sub)
        suffix = "[]." if "list[" in str(model.model_fields[path.split('.')[-1]].annotation) else "."
        rows.extend(render(sub, path + suffix, seen))
    return rows


def markdown() -> str:
    head = [
        "# Configuration reference",
        "",
        "Generated from `watchpost/config.py` by `python -m watchpost.config_docs > docs/configuration.md`.",
        "One YAML file (`watchpost -c FILE ...` or `$WATCHPOST_CONFIG`); every field has a default and unknown",
        "keys are errors. Any field can be overridden from the environment: `WATCHPOST__STORAGE__URL=...` sets",
        "`storage.url` (double underscores separate levels; values are parsed as YAML). Check a file with",
        "`watchpost config check FILE`; print the effective tree with `watchpost config show`.",
        "",
        "| field | type | default | meaning |",
        "|---|---|---|---|",
    ]
    return "\n".join(head + render()) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(markdown(), end="")
