"""Every body a service accepts is strict and bounded, read from the OpenAPI it publishes: objects
refuse unknown fields, texts have a maximum length (or are an enum, a date or a pattern), lists a
maximum size, numbers bounds. A new write schema that forgets one fails here, naming the field."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from services.billing.bootstrap import DEFINITION as BILLING
from services.billing.config import BillingSettings
from services.members.bootstrap import DEFINITION as MEMBERS
from services.members.config import MembersSettings
from services.orders.bootstrap import DEFINITION as ORDERS
from services.orders.config import OrdersSettings
from shared.messaging.inprocess import InProcessBroker
from shared.service import ServiceDefinition, composite_app
from shared.settings import ServiceSettings
from tests.apps import authenticator_for_tests

BOUNDED_FORMATS = {"date", "date-time", "uuid", "email", "time", "binary"}
# An anchored pattern whose every repetition has an upper bound (no +, *, {n,}) bounds the length.
UNBOUNDED_REPETITION = re.compile(r"(?<!\\)[+*]|\{\d+,\}")


def bounded_pattern(pattern: str | None) -> bool:
    return bool(
        pattern
        and pattern.startswith("^")
        and pattern.endswith("$")
        and not UNBOUNDED_REPETITION.search(pattern)
    )


SETTINGS: dict[str, type[ServiceSettings]] = {
    "members": MembersSettings,
    "orders": OrdersSettings,
    "billing": BillingSettings,
}


def openapi_of(definition: ServiceDefinition, tmp: Path) -> dict[str, Any]:
    broker = InProcessBroker()
    settings = SETTINGS[definition.name](database_url=f"sqlite+aiosqlite:///{tmp}/openapi.db")
    runtime = definition.runtime(settings, broker)
    app = composite_app([definition], [runtime], broker, title="t", authenticator=authenticator_for_tests())
    return app.openapi()


def resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return schema


def unbounded(schema: dict[str, Any], spec: dict[str, Any], where: str, seen: set[str]) -> list[str]:
    """Every place under `schema` that accepts unknown fields or unbounded values."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        seen = seen | {name}
    schema = resolve(schema, spec)
    found: list[str] = []
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, []):
            found += unbounded(option, spec, where, seen)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if schema.get("additionalProperties", True) is not False and "properties" in schema:
            found.append(f"{where}: accepts unknown fields")
        for name, prop in schema.get("properties", {}).items():
            found += unbounded(prop, spec, f"{where}.{name}", seen)
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            if "maxProperties" not in schema:
                found.append(f"{where}: a free-form map without maxProperties")
            found += unbounded(extra, spec, f"{where}.*", seen)
    elif kind == "string":
        if not (
            "maxLength" in schema
            or "enum" in schema
            or "const" in schema
            or schema.get("format") in BOUNDED_FORMATS
            or bounded_pattern(schema.get("pattern"))
        ):
            found.append(f"{where}: text without maxLength")
    elif kind == "array":
        if "maxItems" not in schema:
            found.append(f"{where}: list without maxItems")
        found += unbounded(schema.get("items", {}), spec, f"{where}[]", seen)
    elif kind in ("integer", "number") and not ({"maximum", "exclusiveMaximum"} & set(schema)):
        found.append(f"{where}: number without a maximum")
    return found


@pytest.mark.parametrize("definition", [MEMBERS, ORDERS, BILLING], ids=lambda d: d.name)
def test_every_request_body_is_strict_and_bounded(definition: ServiceDefinition, tmp_path: Path) -> None:
    spec = openapi_of(definition, tmp_path)
    problems: list[str] = []
    bodies = 0
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            json_body = content.get("application/json")
            if json_body is None:
                continue
            bodies += 1
            problems += unbounded(json_body["schema"], spec, f"{method.upper()} {path} body", set())
    assert bodies >= 3
    assert not problems, "\n".join(sorted(set(problems)))
