"""One record built from another by field names: an API answer from a domain view, a view from a
database row. What differs (a renamed field, a time in another zone) is given by name."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import MISSING
from typing import Any, TypeVar

import msgspec
from msgspec import NODEFAULT

T = TypeVar("T")


@functools.cache
def _fields(kind: type) -> tuple[tuple[str, bool], ...]:
    """The fields a msgspec struct or a dataclass is built with, in order, and whether each has a
    default."""
    if dataclasses.is_dataclass(kind):
        return tuple(
            (f.name, f.default is not MISSING or f.default_factory is not MISSING)
            for f in dataclasses.fields(kind)
            if f.init
        )
    return tuple(
        (f.name, f.default is not NODEFAULT or f.default_factory is not NODEFAULT)
        for f in msgspec.structs.fields(kind)
    )


def copy_fields(kind: type[T], source: object, /, **given: Any) -> T:
    """A `kind` (a msgspec struct or a dataclass) whose fields are `source`'s fields of the same
    name (its keys, for a mapping such as a database row), except those `given`.

    A field without a default must be in `source` or `given`, and every name given must be a field
    of `kind`: a field renamed on one side fails here, at once, rather than going missing from an
    answer. A field with a default that `source` does not have keeps its default.
    """
    fields = _fields(kind)
    unknown = given.keys() - {name for name, _ in fields}
    if unknown:
        raise TypeError(f"{kind.__name__} has no field {', '.join(sorted(unknown))}")
    if isinstance(source, Mapping):
        has, read = source.__contains__, source.__getitem__
    else:
        has, read = (lambda name: hasattr(source, name)), (lambda name: getattr(source, name))
    values = {}
    for name, has_default in fields:
        if name in given:
            values[name] = given[name]
        elif not has_default or has(name):
            values[name] = read(name)
    return kind(**values)
