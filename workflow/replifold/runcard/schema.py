"""The runcard JSON schema: where it lives, how it validates, and how its defaults are filled in.

The schema file is the single statement of the contract; this module only interprets it, so a
new key with a default needs no code here.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

import yaml
from jsonschema import Draft202012Validator, validators

from replifold.errors import UserError

# Package data, so that an installed replifold (not only a source checkout) validates runcards;
# config/schemas/ in the checkout links here.
SCHEMA_PATH = resources.files("replifold") / "schemas" / "runcard.schema.yaml"

JSON_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "number": (int, float),
    "null": (type(None),),
}


def _is_integer(_checker: object, instance: object) -> bool:
    """Integers only: ``3.0`` is not a valid replica count or seed, whatever JSON Schema allows."""
    return isinstance(instance, int) and not isinstance(instance, bool)


RuncardValidator = validators.extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer),
)


@cache
def load_schema() -> dict:
    if not SCHEMA_PATH.is_file():
        raise UserError(
            f"runcard schema not found at {SCHEMA_PATH}: this replifold installation is incomplete; reinstall it"
        )
    return yaml.safe_load(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def validator() -> Draft202012Validator:
    return RuncardValidator(load_schema())


def resolve(schema: Mapping[str, Any] | bool) -> dict:
    """``schema`` with a local ``$ref`` replaced by its target (sibling keywords win)."""
    if isinstance(schema, bool):
        return {} if schema else {"not": {}}
    schema = dict(schema)
    ref = schema.pop("$ref", None)
    if ref is None:
        return schema
    target: Any = load_schema()
    for part in ref.removeprefix("#/").split("/"):
        target = target[part]
    return {**resolve(target), **schema}


def types_of(schema: Mapping[str, Any]) -> set[str]:
    """The JSON types a (sub)schema admits, read from ``type`` or from the values of ``enum``."""
    schema = resolve(schema)
    declared = schema.get("type")
    if declared is not None:
        return {declared} if isinstance(declared, str) else set(declared)
    if "enum" in schema:
        return {name for value in schema["enum"] for name in JSON_TYPES if matches(value, name)}
    return set(JSON_TYPES)


def matches(instance: object, json_type: str) -> bool:
    if isinstance(instance, bool):
        return json_type == "boolean"
    return isinstance(instance, JSON_TYPES[json_type])


def branch_for(schema: Mapping[str, Any], instance: object) -> dict | None:
    """The one ``oneOf``/``anyOf`` alternative whose type fits ``instance``, if exactly one does."""
    alternatives = schema.get("oneOf") or schema.get("anyOf") or []
    fitting = [alt for alt in alternatives if any(matches(instance, t) for t in types_of(alt))]
    return resolve(fitting[0]) if len(fitting) == 1 else None


def properties_for(schema: Mapping[str, Any], instance: Mapping) -> dict[str, Any]:
    """Every property schema that applies to ``instance``, including those of matching ``if/then``."""
    found = dict(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        if "if" in part and RuncardValidator(part["if"]).is_valid(instance):
            found.update(properties_for(resolve(part["then"]), instance))
    return found


def _specialise(schema: Mapping[str, Any], instance: object) -> dict:
    schema = resolve(schema)
    if "oneOf" in schema or "anyOf" in schema:
        return branch_for(schema, instance) or schema
    return schema


def with_defaults(instance: Any, schema: Mapping[str, Any]) -> Any:
    """A copy of a schema-valid ``instance`` with every missing defaulted key filled in, keys in schema order."""
    schema = _specialise(schema, instance)
    if isinstance(instance, dict):
        props = properties_for(schema, instance)
        out = {}
        for key, sub in props.items():
            sub_resolved = resolve(sub)
            if key in instance:
                out[key] = with_defaults(instance[key], sub)
            elif "default" in sub_resolved:
                out[key] = with_defaults(copy.deepcopy(sub_resolved["default"]), sub)
        out.update({key: copy.deepcopy(value) for key, value in instance.items() if key not in out})
        return out
    if isinstance(instance, list) and "items" in schema:
        return [with_defaults(item, schema["items"]) for item in instance]
    return copy.deepcopy(instance)
