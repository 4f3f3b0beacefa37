"""Runcards as text: safe YAML reading with located errors, canonical writing, and the hash.

Reading uses PyYAML's safe loader with two changes a physicist expects: ``1e-5`` is a float
(YAML 1.1 would make it a string) and a key given twice is an error instead of the last one
silently winning. A runcard is also hostile input, so the reader refuses what no runcard
needs: anything but a regular file (a FIFO or /dev/zero would block or never end), files
over ``MAX_BYTES``, documents whose aliases expand beyond ``MAX_NODES`` nodes (a few kB of
nested aliases can stand for gigabytes), and non-finite numbers (``.nan`` compares false
against every bound, so no schema maximum or minimum could catch it). Writing is canonical so
that equal runcards have equal hashes.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from replifold.errors import RuncardError, UserError, short_repr

MAX_BYTES = 1 << 20  # the largest runcard is a few kB
MAX_NODES = 100_000  # YAML nodes after alias expansion

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
                    "while reading a mapping",
                    node.start_mark,
                    f"key {key!r} is given twice",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


RuncardLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789"))


def _expanded_size(node: yaml.Node, budget: int) -> int:
    """How many nodes ``node`` stands for once every alias is expanded (stops past ``budget``).

    Aliases are the same node object reached twice, so sizes are memoised per node: the
    count costs one visit per distinct node, however large the expansion.
    """
    sizes: dict[int, int] = {}

    def size(current: yaml.Node) -> int:
        key = id(current)
        if key not in sizes:
            sizes[key] = -1  # a node met again while being sized is a recursive alias
            children: list[yaml.Node] = []
            if isinstance(current, yaml.SequenceNode):
                children = list(current.value)
            elif isinstance(current, yaml.MappingNode):
                children = [part for pair in current.value for part in pair]
            total = 1
            for child in children:
                child_size = size(child)
                if child_size < 0:
                    raise yaml.YAMLError("a recursive alias (a node that contains itself)")
                total += child_size
                if total > budget:
                    break
            sizes[key] = total
        return sizes[key]

    return size(node)


def _non_finite(
    document: Any, path: tuple[str | int, ...] = ()
) -> tuple[tuple[str | int, ...], float] | None:
    """The first float that is NaN or infinite, with its key path."""
    if isinstance(document, float) and not math.isfinite(document):
        return path, document
    items: Sequence = ()
    if isinstance(document, dict):
        items = list(document.items())
    elif isinstance(document, list):
        items = list(enumerate(document))
    for key, value in items:
        found = _non_finite(value, (*path, key if isinstance(key, (str, int)) else str(key)))
        if found is not None:
            return found
    return None


def parse_runcard(text: str, source: str) -> dict:
    """The top-level mapping of a runcard's text; YAML errors carry their line and column."""
    try:
        loader = RuncardLoader(text)  # a SafeLoader
        try:
            node = loader.get_single_node()
            if node is not None and _expanded_size(node, MAX_NODES) > MAX_NODES:
                raise UserError(
                    f"{source}: the runcard's aliases expand to more than {MAX_NODES} YAML nodes; "
                    "write the repeated parts out or use fewer nested aliases"
                )
            document = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        place = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        raise UserError(
            f"{source}: YAML syntax error at {place}: {error.problem or error.context}"
        ) from None
    except yaml.YAMLError as error:
        raise UserError(f"{source}: not valid YAML: {error}") from None
    if not isinstance(document, dict):
        found = "an empty file" if document is None else f"a {type(document).__name__}"
        raise UserError(
            f"{source}: a runcard must be a mapping of keys at the top level, found {found}"
        )
    bad = _non_finite(document)
    if bad is not None:
        raise RuncardError(
            bad[0], "not a finite number", found=bad[1], allowed="a finite number", source=source
        )
    return document


def load_runcard(path: str | Path) -> dict:
    path = Path(path)
    shown = short_repr(str(path))
    try:
        status = path.stat()
        if stat.S_ISDIR(status.st_mode):
            raise UserError(f"runcard {shown} is a directory, expected a YAML file")
        if not stat.S_ISREG(status.st_mode):
            raise UserError(
                f"runcard {shown} is not a regular file (a device, FIFO or socket); give a YAML file"
            )
        if status.st_size > MAX_BYTES:
            raise UserError(
                f"runcard {shown} has {status.st_size} bytes, over the {MAX_BYTES} a runcard may have"
            )
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise UserError(f"runcard not found: {shown}") from None
    except OSError as error:
        raise UserError(f"runcard {shown} cannot be read: {error.strerror}") from None
    if len(data) > MAX_BYTES:
        raise UserError(f"runcard {shown} has over {MAX_BYTES} bytes, the most a runcard may have")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise UserError(f"runcard {shown} is not UTF-8 text") from None
    return parse_runcard(text, str(path))


class _FlowList(list):
    pass


class _FlowDict(dict):
    pass


class _CanonicalDumper(yaml.SafeDumper):
    pass


_CanonicalDumper.add_representer(
    _FlowList,
    lambda dumper, data: dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True),
)
_CanonicalDumper.add_representer(
    _FlowDict,
    lambda dumper, data: dumper.represent_mapping(
        "tag:yaml.org,2002:map", data.items(), flow_style=True
    ),
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
