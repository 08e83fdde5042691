"""What changed between two versions of a plan (PLAN-7), pure: a list of changes by path.

Lists of items that carry an ``id`` (action cards, scenario cards) are matched by id, so a card
inserted in the middle reads as one added card, not as every later card changed; other lists are
compared position by position. ``source`` (the paragraph an item was drafted from) is provenance,
not content, and is left out."""

from __future__ import annotations

from typing import Any

IGNORED = frozenset({"source"})


def diff(old: Any, new: Any, path: str = "") -> list[dict]:
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[dict] = []
        for k in list(old) + [k for k in new if k not in old]:
            if k in IGNORED:
                continue
            out += diff(old.get(k), new.get(k), f"{path}.{k}" if path else str(k))
        return out
    if isinstance(old, list) and isinstance(new, list):
        if _keyed(old) and _keyed(new):
            before = {i["id"]: i for i in old}
            after = {i["id"]: i for i in new}
            out = []
            for key in list(before) + [k for k in after if k not in before]:
                out += diff(before.get(key), after.get(key), f"{path}[{key}]")
            return out
        if all(not isinstance(i, (dict, list)) for i in old + new):
            return [] if old == new else [_change(path, old, new)]
        out = []
        for i in range(max(len(old), len(new))):
            out += diff(old[i] if i < len(old) else None, new[i] if i < len(new) else None, f"{path}.{i}")
        return out
    if old == new:
        return []
    if isinstance(old, dict) and new is None:
        old = {k: v for k, v in old.items() if k not in IGNORED}
    if isinstance(new, dict) and old is None:
        new = {k: v for k, v in new.items() if k not in IGNORED}
    return [_change(path, old, new)]


def _keyed(items: list) -> bool:
    return bool(items) and all(isinstance(i, dict) and "id" in i for i in items)


def _change(path: str, old: Any, new: Any) -> dict:
    kind = "added" if old is None else "removed" if new is None else "changed"
    return {"path": path, "kind": kind, "before": old, "after": new}


def version_diff(old: dict, new: dict) -> list[dict]:
    """Two stored versions (title, body, structured, meta) compared; the body as one field."""
    a = {"title": old.get("title"), "meta": old.get("meta") or {}, "structured": old.get("structured") or {},
         "body": old.get("body") or ""}
    b = {"title": new.get("title"), "meta": new.get("meta") or {}, "structured": new.get("structured") or {},
         "body": new.get("body") or ""}
    changes = diff(a, b)
    for c in changes:  # a plan's text is long: say that it changed and by how much, not all of it
        if c["path"] == "body":
            c["before"], c["after"] = f"{len(a['body'])} chars", f"{len(b['body'])} chars"
    return changes
