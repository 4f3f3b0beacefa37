"""JSON-schema violations rewritten as runcard messages a physicist can act on.

jsonschema reports in its own vocabulary and in no particular order; here each violation
becomes a ``RuncardError`` naming the key path, what was found, what is allowed and the likely
fix, and the reported one is chosen deterministically: the outermost place in the file order,
unknown keys before missing ones (a typo explains the missing key), then wrong types, then values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from jsonschema import ValidationError

from replifold.errors import RuncardError, nearest, short_repr
from replifold.runcard.schema import branch_for, resolve, validator

_TYPE_WORDS = {
    "integer": "an integer",
    "number": "a number",
    "string": "a string",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
    "null": "nothing",
}
_RANK = {"additionalProperties": 0, "required": 1, "type": 2}
_BOUNDS = (
    ("minimum", ">="),
    ("exclusiveMinimum", ">"),
    ("maximum", "<="),
    ("exclusiveMaximum", "<"),
)


def describe(schema: Mapping[str, Any]) -> str:
    """What a (sub)schema accepts, in words: ``a number > 0 and <= 1``, ``one of: tanh, ...``."""
    schema = resolve(schema)
    if "enum" in schema:
        return "one of: " + ", ".join(str(value) for value in schema["enum"])
    declared = schema.get("type")
    if isinstance(declared, list):
        return " or ".join(_TYPE_WORDS[name] for name in declared)
    if declared is None:
        alternatives = schema.get("oneOf") or schema.get("anyOf")
        return "; or ".join(describe(alt) for alt in alternatives) if alternatives else "any value"
    words = _TYPE_WORDS[declared]
    bounds = [f"{symbol} {schema[keyword]}" for keyword, symbol in _BOUNDS if keyword in schema]
    if bounds:
        words += " " + " and ".join(bounds)
    if declared == "array":
        low, high = schema.get("minItems"), schema.get("maxItems")
        if low is not None and low == high:
            words += f" of exactly {low} entries"
        elif low:
            words += f" of at least {low} {'entry' if low == 1 else 'entries'}"
        if "items" in schema:
            words += f", each {describe(schema['items'])}"
    if declared == "object" and "properties" in schema:
        words += " with keys: " + ", ".join(schema["properties"])
    return words


def _position(document: Any, path: Sequence[str | int]) -> tuple[int, ...]:
    """Where ``path`` sits in the file: the index of each key among its siblings."""
    position = []
    node = document
    for part in path:
        if isinstance(node, dict):
            keys = list(node)
            position.append(keys.index(part) if part in node else len(keys))
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            position.append(part)
            node = node[part]
        else:
            break
    return tuple(position)


def _translate(error: ValidationError, source: str | None) -> Iterable[tuple[tuple, RuncardError]]:
    """``(sort key, message)`` for every runcard problem ``error`` stands for."""
    where = list(error.absolute_path)
    kind = error.validator
    value = error.instance
    rank = _RANK.get(kind, 3)

    def make(
        path: Sequence[str | int], problem: str, order: int = 0, **details: Any
    ) -> tuple[tuple, RuncardError]:
        return (rank, order), RuncardError(path, problem, source=source, **details)

    if kind == "additionalProperties":
        known = list(error.schema.get("properties", {}))
        for order, key in enumerate(value):
            if key not in known:
                yield make(
                    [*where, key],
                    f"unknown key {short_repr(key)}",
                    order,
                    allowed="known keys: " + ", ".join(known),
                    suggestion=nearest(key, known),
                )
    elif kind == "required":
        props = error.schema.get("properties", {})
        for order, key in enumerate(error.validator_value):
            if key not in value:
                yield make(
                    [*where, key],
                    f"missing required key {key!r}",
                    order,
                    allowed=describe(props.get(key, {})) if key in props else None,
                )
    elif kind == "type":
        problem = "empty value" if value is None else f"wrong type ({type(value).__name__})"
        yield make(where, problem, found=value, allowed=describe(error.schema))
    elif kind == "enum":
        choices = [str(choice) for choice in error.validator_value]
        yield make(
            where,
            "unknown value",
            found=value,
            allowed="one of: " + ", ".join(choices),
            suggestion=nearest(value, choices) if isinstance(value, str) else None,
        )
    elif kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        yield make(where, "value out of range", found=value, allowed=describe(error.schema))
    elif kind in ("minItems", "maxItems"):
        problem = "empty list" if not value else f"wrong number of entries ({len(value)})"
        yield make(where, problem, found=value, allowed=describe(error.schema))
    elif kind in ("oneOf", "anyOf"):
        branch = branch_for(error.schema, value)
        if branch is None:
            yield make(
                where,
                f"wrong type ({type(value).__name__})",
                found=value,
                allowed=describe(error.schema),
            )
        else:
            for sub_error in validator().evolve(schema=branch).iter_errors(value):
                sub_error.path.extendleft(reversed(where))
                yield from _translate(sub_error, source)
    else:
        yield make(where, "invalid value", found=value, allowed=describe(error.schema))


def first_schema_error(document: Any, source: str | None = None) -> RuncardError | None:
    """The one schema violation to report for ``document`` (None if it satisfies the schema)."""
    candidates = []
    for error in validator().iter_errors(document):
        for (rank, order), message in _translate(error, source):
            location = _position(document, message.path if rank > 1 else message.path[:-1])
            candidates.append(((location, rank, order, message.render()), message))
    if not candidates:
        return None
    return min(candidates, key=lambda candidate: candidate[0])[1]
