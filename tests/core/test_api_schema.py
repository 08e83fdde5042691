"""The OpenAPI schema tells the truth about what the service accepts (NFR-9, issue #19).

Every input a caller can send — path, query and body, at any depth — is bounded in the schema:
integers to what a 64-bit column holds, text by length and by a pattern that keeps out what the
database cannot store, lists by size; closed sets are enums. A route added without such types
fails here, naming the operation and the field. The field types themselves are checked below.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from pydantic import TypeAdapter, ValidationError

from command.app import create_app
from watchpost.fields import DB_INT_MAX, AwareInstant, Day, Id, Instant, JsonObject, Real, Ring, Text

FORMATS = {"date-time", "date", "binary"}


def _openapi(make_config, tmp_path) -> dict:
    app = create_app(make_config(f"sqlite:///{tmp_path / 'wp.sqlite'}"), run_background=False)
    return app.openapi()


def _unbounded(schema: dict, where: str, components: dict, out: list[str]) -> None:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key, []):
            _unbounded(sub, where, components, out)
    kind = schema.get("type")
    closed = "enum" in schema or "const" in schema
    if kind == "integer" and not closed and ("minimum" not in schema or "maximum" not in schema):
        out.append(f"{where}: integer without minimum/maximum")
    elif kind == "string":
        closed = closed or schema.get("format") in FORMATS or "contentMediaType" in schema
        if not closed and not ("maxLength" in schema and "pattern" in schema):
            out.append(f"{where}: string without maxLength and pattern")
    elif kind == "array":
        if "maxItems" not in schema and "prefixItems" not in schema:
            out.append(f"{where}: array without maxItems")
        if "items" in schema:
            _unbounded(schema["items"], f"{where}[]", components, out)
        for i, item in enumerate(schema.get("prefixItems", [])):
            _unbounded(item, f"{where}[{i}]", components, out)
    for name, prop in schema.get("properties", {}).items():
        _unbounded(prop, f"{where}.{name}", components, out)


def test_every_input_is_bounded_in_the_schema(make_config, tmp_path):
    api = _openapi(make_config, tmp_path)
    components = api.get("components", {}).get("schemas", {})
    problems: list[str] = []
    for path, ops in api["paths"].items():
        for method, op in ops.items():
            for p in op.get("parameters", []):
                _unbounded(p["schema"], f"{method.upper()} {path} {p['in']} {p['name']}", components, problems)
            for media, content in op.get("requestBody", {}).get("content", {}).items():
                if media.startswith(("application/json", "application/x-www-form", "multipart/")):
                    _unbounded(content["schema"], f"{method.upper()} {path} body", components, problems)
    assert not problems, "\n".join(problems)


def test_ids_are_bounded_in_paths_and_every_create_links_to_its_reads(make_config, tmp_path):
    api = _openapi(make_config, tmp_path)
    alarm = next(p for p in api["paths"]["/api/alarms/{alarm_id}"]["get"]["parameters"] if p["name"] == "alarm_id")
    assert alarm["schema"]["minimum"] == 1 and alarm["schema"]["maximum"] == DB_INT_MAX
    for create in ("/api/alarms", "/api/incidents", "/api/plans", "/api/resources", "/api/users", "/api/duty/shifts"):
        links = api["paths"][create]["post"]["responses"]["201"]["links"]
        for link in links.values():
            ref = link["operationRef"].removeprefix("#/paths/").replace("~1", "/").replace("~0", "~")
            target, method = ref.rsplit("/", 1)
            assert method in api["paths"][target], link


# -- the field types ------------------------------------------------------------------------------------
def _ok(kind, value):  # noqa: ANN001
    return TypeAdapter(kind).validate_python(value)


def _refused(kind, value) -> str:  # noqa: ANN001
    with pytest.raises(ValidationError) as err:
        TypeAdapter(kind).validate_python(value)
    return str(err.value)


def test_ids_fit_a_64_bit_column():
    assert _ok(Id, DB_INT_MAX) == DB_INT_MAX
    _refused(Id, DB_INT_MAX + 1)
    _refused(Id, 0)


def test_text_refuses_what_databases_cannot_store():
    assert _ok(Text, "罐区 3 号\t北侧\r\n") == "罐区 3 号\t北侧\r\n"
    for bad in ("nul\x00", "bell\x07", "lone \ud800 surrogate"):
        _refused(Text, bad)


def test_instants_are_bounded_utc_and_offsets_are_applied():
    assert _ok(Instant, "2026-03-01T16:00:00+08:00") == datetime(2026, 3, 1, 8, tzinfo=timezone.utc)
    assert _ok(Instant, "2026-03-01T08:00:00") == datetime(2026, 3, 1, 8, tzinfo=timezone.utc)  # naive = UTC
    for bad in ("1349-01-01T00:00:00+07:08", "0001-01-01T00:00:00+07:08", "9999-12-31T23:59:59-07:00"):
        assert "must lie between 1970-01-01 and 2200-01-01" in _refused(Instant, bad)
    assert "timezone" in _refused(AwareInstant, "2026-03-01T08:00:00").lower()
    assert _ok(Day, "2030-01-31") == date(2030, 1, 31)
    _refused(Day, "1900-01-01")


def test_free_form_json_holds_only_storable_values():
    assert _ok(JsonObject, {"a": [1, 2.5, {"b": "文本"}], "ok": True}) == {"a": [1, 2.5, {"b": "文本"}], "ok": True}
    assert "['a'][0]" in _refused(JsonObject, {"a": ["\x00"]})
    _refused(JsonObject, {"\ud800": 1})
    _refused(JsonObject, {"n": float("inf")})
    _refused(JsonObject, {"n": 2**64})
    deep: dict = {}
    node = deep
    for _ in range(20):
        node["x"] = {}
        node = node["x"]
    assert "nested deeper" in _refused(JsonObject, deep)


def test_reals_are_finite_and_rings_are_polygons():
    _refused(Real, float("nan"))
    _refused(Real, float("inf"))
    assert _ok(Ring, [[121.1, 30.1], [121.2, 30.1], [121.2, 30.2]])
    _refused(Ring, [[121.1, 30.1], [121.2, 30.1]])
    _refused(Ring, [[181, 30], [0, 0], [1, 1]])
