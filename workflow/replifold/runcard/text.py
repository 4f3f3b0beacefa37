"""Runcards as text: safe YAML reading with located errors, canonical writing, and the hash.

Reading uses PyYAML's safe loader with two changes a physicist expects: ``1e-5`` is a float
(YAML 1.1 would make it a string) and a key given twice is an error instead of the last one
silently winning. Writing is canonical so that equal runcards have equal hashes.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import yaml

from replifold.errors import UserError

_FLOAT = re.compile(
    r"""^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$""",
)


class RuncardLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` plus exponent-only floats and a ban on duplicate keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                continue
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping", node.start_mark, f"key {key!r} is given twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


RuncardLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789"))


def parse_runcard(text: str, source: str) -> dict:
    """The top-level mapping of a runcard's text; YAML errors carry their line and column."""
    try:
        document = yaml.load(text, Loader=RuncardLoader)  # RuncardLoader is a SafeLoader
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        place = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        raise UserError(f"{source}: YAML syntax error at {place}: {error.problem or error.context}") from None
    except yaml.YAMLError as error:
        raise UserError(f"{source}: not valid YAML: {error}") from None
    if not isinstance(document, dict):
        found = "an empty file" if document is None else f"a {type(document).__name__}"
        raise UserError(f"{source}: a runcard must be a mapping of keys at the top level, found {found}")
    return document


def load_runcard(path: str | Path) -> dict:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"runcard not found: {path}") from None
    except IsADirectoryError:
        raise UserError(f"runcard {path} is a directory, expected a YAML file") from None
    except UnicodeDecodeError:
        raise UserError(f"runcard {path} is not UTF-8 text") from None
    return parse_runcard(text, str(path))


class _FlowList(list):
    pass


class _FlowDict(dict):
    pass


class _CanonicalDumper(yaml.SafeDumper):
    pass


_CanonicalDumper.add_representer(
    _FlowList, lambda dumper, data: dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)
)
_CanonicalDumper.add_representer(
    _FlowDict, lambda dumper, data: dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=True)
)


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, (dict, list))


def _styled(value: Any, in_list: bool = False) -> Any:
    """Short lists of scalars, and list entries made of scalars, in flow style; the rest in blocks."""
    if isinstance(value, dict):
        items = {key: _styled(item) for key, item in value.items()}
        flat = all(_is_scalar(item) or isinstance(item, _FlowList) for item in items.values())
        return _FlowDict(items) if in_list and flat else items
    if isinstance(value, list):
        items = [_styled(item, in_list=True) for item in value]
        return _FlowList(items) if all(_is_scalar(item) for item in items) else items
    return value


def dump_yaml(document: dict) -> str:
    """YAML text of ``document`` in its given key order; the same dict always gives the same bytes."""
    return yaml.dump(
        _styled(document), Dumper=_CanonicalDumper, sort_keys=False, width=100, allow_unicode=True
    )


def runcard_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
