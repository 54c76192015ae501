"""Request body validation: types, required fields, enums, uuids, dates, date ranges.

Every problem is collected per field, so a 400 names all offending fields at once.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard
from urllib.parse import urlparse

from conformance.reference.config import ServerConfig
from conformance.reference.faults import declare_fault
from conformance.reference.rules.errors import field_errors
from conformance.spec.openapi import load_openapi

ENUM_ACCEPTS_ANYTHING = declare_fault(
    "enum-accepts-anything",
    ("RES-004", "STATUS-008", "SCHEMA-004"),
    "enumerated fields accept any string",
)
DATE_ORDER_UNCHECKED = declare_fault(
    "date-order-unchecked", ("RES-007",), "a start date after the end date is accepted"
)

REQUIRED = "This field is required."


@dataclass(frozen=True)
class FieldSpec:
    # str | int | number | bool | date | uuid | uuid_list | enum | timezone | object | json | url
    type: str
    required: bool = False
    nullable: bool = True
    choices: tuple[str | int, ...] = ()
    max_length: int | None = None
    ref: str | None = None  # kind the id(s) must name: member, state, label, work_item, ...


def is_uuid(value: object) -> TypeGuard[str]:
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@functools.cache
def documented_timezones() -> frozenset[str]:
    """The zone names the docs list for `timezone` (the spec's Timezone enumeration).

    Read on first use, so starting the server does not pay for parsing the spec.
    """
    schemas = load_openapi()["components"]["schemas"]
    return frozenset(schemas["Timezone"]["enum"])


def parse_date(value: str) -> dt.date | None:
    """A calendar date, accepted as YYYY-MM-DD or as an ISO date-time."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        pass
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _check(value: object, spec: FieldSpec, config: ServerConfig) -> str | None:
    """The message for one invalid value, or None."""
    kind = spec.type
    if kind in ("str", "url"):
        if not isinstance(value, str):
            return "Not a valid string."
        if spec.max_length and len(value) > spec.max_length:
            return f"Ensure this field has no more than {spec.max_length} characters."
        if kind == "url":
            parsed = urlparse(value)
            if parsed.scheme not in ("http", "https") or not parsed.netloc:
                return "Enter a valid URL."
        return None
    if kind == "int":
        return (
            None
            if isinstance(value, int) and not isinstance(value, bool)
            else "A valid integer is required."
        )
    if kind == "number":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return None if ok else "A valid number is required."
    if kind == "bool":
        return None if isinstance(value, bool) else "Must be a valid boolean."
    if kind == "date":
        ok = isinstance(value, str) and parse_date(value) is not None
        return None if ok else "Date has wrong format. Use YYYY-MM-DD."
    if kind == "uuid":
        return None if is_uuid(value) else "Must be a valid UUID."
    if kind == "uuid_list":
        if not isinstance(value, list):
            return "Expected a list of UUIDs."
        return None if all(is_uuid(item) for item in value) else "Every item must be a valid UUID."
    if kind == "enum":
        if config.has(ENUM_ACCEPTS_ANYTHING.name) and isinstance(value, str | int):
            return None
        if value in spec.choices and type(value) is type(spec.choices[0]):
            return None
        return f'"{value}" is not a valid choice ({", ".join(map(str, spec.choices))}).'
    if kind == "timezone":
        if config.has(ENUM_ACCEPTS_ANYTHING.name) and isinstance(value, str):
            return None
        ok = isinstance(value, str) and value in documented_timezones()
        return None if ok else f'"{value}" is not a valid choice (a documented time zone name).'
    if kind == "object":
        return None if isinstance(value, dict) else "Expected a JSON object."
    return None  # json: anything JSON can carry


def validate_body(
    body: object, specs: Mapping[str, FieldSpec], config: ServerConfig, *, partial: bool
) -> dict[str, Any]:
    """The accepted writable fields of body; raises 400 naming every bad field.

    Unknown keys and server-managed fields are ignored, as Plane's serializers do.
    """
    if not isinstance(body, dict):
        raise field_errors({"non_field_errors": ["Expected a JSON object."]})
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for name, spec in specs.items():
        if name not in body:
            if spec.required and not partial:
                errors[name] = [REQUIRED]
            continue
        value = body[name]
        if value is None:
            if spec.required or not spec.nullable:
                errors[name] = ["This field may not be null."]
            else:
                clean[name] = None
            continue
        if spec.required and spec.type == "str" and isinstance(value, str) and not value.strip():
            errors[name] = ["This field may not be blank."]
            continue
        message = _check(value, spec, config)
        if message:
            errors[name] = [message]
        else:
            clean[name] = value
    if errors:
        raise field_errors(errors)
    return clean


def check_date_order(
    doc: Mapping[str, object], start_field: str, end_field: str, config: ServerConfig
) -> None:
    """Start may not fall after the end (checked on the merged object, so PATCH is covered)."""
    start, end = doc.get(start_field), doc.get(end_field)
    if not isinstance(start, str) or not isinstance(end, str) or not start or not end:
        return
    if config.has(DATE_ORDER_UNCHECKED.name):
        return
    start_day, end_day = parse_date(start), parse_date(end)
    if start_day and end_day and start_day > end_day:
        raise field_errors({start_field: [f"{start_field} must not be after {end_field}."]})
