"""Typed values as plain data and back: the one codec of what crosses a process or a file.

`to_wire(value)` turns a dataclass (and what it holds: lists, tuples, frozensets, dicts, nested
dataclasses, objects with their own `to_wire`, such as a `Credential`) into the plain data that
execnet (pytest-xdist) and JSON carry; `from_wire(cls, data)` turns such data back into `cls`,
checking every field against the type the class declares: a wrong type, a missing required
field or an unknown one is a `CodecError` (a TypeError), never a half-read value. The run's
configuration (to xdist workers), what a worker sends back, and results.json all go through it.

This module sits at the bottom of the layers and knows no class of its own.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal, TypeVar, get_args, get_origin

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")
# What the wire holds: what execnet and JSON can carry.
Wire = str | int | float | bool | None | list["Wire"] | dict[str, "Wire"]


class CodecError(TypeError):
    """The data does not hold what the class declares; the message says where."""


def to_wire(value: object) -> Wire:
    """`value` as plain data (a dataclass as a mapping of its fields, in their order)."""
    own = getattr(value, "to_wire", None)
    if callable(own) and not dataclasses.is_dataclass(value):
        encoded: Wire = own()
        return encoded
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_wire(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(key): to_wire(item) for key, item in value.items()}
    if isinstance(value, frozenset | set):
        return [to_wire(item) for item in sorted(value)]
    if isinstance(value, list | tuple):
        return [to_wire(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise CodecError(f"a {type(value).__name__} cannot travel as plain data")


def from_wire(cls: type[T], data: object, where: str = "") -> T:
    """The `cls` that `data` describes, every field checked against its declared type."""
    where = where or cls.__name__
    if not isinstance(data, Mapping):
        raise CodecError(f"{where}: a mapping was expected, not {type(data).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = [key for key in data if key not in fields]
    if unknown:
        raise CodecError(f"{where}: no field {unknown[0]!r}")
    hints = _hints(cls)
    values: dict[str, object] = {}
    for name, each in fields.items():
        if name in data:
            values[name] = decode(hints[name], data[name], f"{where}.{name}")
        elif each.default is dataclasses.MISSING and each.default_factory is dataclasses.MISSING:
            raise CodecError(f"{where}: {name} is missing")
    return cls(**values)


@functools.cache
def _hints(cls: type) -> dict[str, object]:
    return typing.get_type_hints(cls)


def decode(kind: object, data: object, where: str) -> object:
    """`data` as a value of the type `kind` (a type hint), or CodecError."""
    origin, args = get_origin(kind), get_args(kind)
    if kind is object:
        return data
    if origin in (typing.Union, types.UnionType):
        return _decode_union(args, data, where)
    if origin is Literal:
        if data not in args:
            raise CodecError(f"{where}: {data!r} is not one of {', '.join(map(repr, args))}")
        return data
    if origin in (list, tuple, frozenset, set):
        if not isinstance(data, list | tuple):
            raise CodecError(f"{where}: a list was expected, not {type(data).__name__}")
        items = [decode(args[0] if args else object, item, where) for item in data]
        return items if origin is list else origin(items)
    if origin is dict:
        if not isinstance(data, Mapping):
            raise CodecError(f"{where}: a mapping was expected, not {type(data).__name__}")
        value_kind = args[1] if args else object
        return {str(key): decode(value_kind, item, where) for key, item in data.items()}
    if isinstance(kind, type):
        return _decode_class(kind, data, where)
    return data


def _decode_union(args: tuple[object, ...], data: object, where: str) -> object:
    if data is None and type(None) in args:
        return None
    problems = []
    for each in (a for a in args if a is not type(None)):
        try:
            return decode(each, data, where)
        except CodecError as problem:
            problems.append(str(problem))
    raise CodecError(problems[0] if len(problems) == 1 else f"{where}: {data!r} fits no type")


def _decode_class(kind: type, data: object, where: str) -> object:
    if dataclasses.is_dataclass(kind):
        return from_wire(kind, data, where)
    own = getattr(kind, "from_wire", None)
    if callable(own):
        return own(data)
    if kind is float and isinstance(data, int | float) and not isinstance(data, bool):
        return float(data)
    if not isinstance(data, kind) or (kind is int and isinstance(data, bool)):
        raise CodecError(f"{where}: {kind.__name__} expected, not {type(data).__name__}")
    return data
