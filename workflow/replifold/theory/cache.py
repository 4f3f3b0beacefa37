"""The theory cache: grids, operators and FK tables filed under a hash of what determines them.

Theory is expensive (an eko operator takes minutes) and the same for every fit that asks for the
same thing, so it is computed once into a cache shared by all fits. An entry's key is the
sha256 of a canonical JSON document holding its kind, its inputs (the theory card after
overrides, the kinematics after cuts, the x-grid, ...) and the versions of the packages that
compute it; any change of these gives a new key, and nothing else does. Entries are never
modified once written, so concurrent fits can share a cache, and a stale entry cannot exist:
at worst an unused one stays behind.

Beside the hashed document a key carries a *recipe*: what the code that computes the entry
needs, in the form it needs it (e.g. the theory card rather than eko's runcards made from it).
The recipe is not hashed; whoever computes the entry rebuilds the key from the recipe and
checks that the digest is the same, so a recipe cannot describe another entry than its own.

Layout::

    <cache>/<kind>/<digest>/key.json   {"digest", "document" (hashed), "recipe"}: what this entry is
    <cache>/<kind>/<digest>/<file>     the entry's files, e.g. grid.pineappl.lz4

Interface used by other parts of replifold (keep it stable):

* ``make_key(kind, inputs, packages, recipe=None) -> CacheKey``
* ``TheoryCache(root).path(key, filename)``, ``.dir(key)``, ``.write_record(key)``,
  ``.read_record(kind, digest)``, ``.require(key, filename, hint)``
* ``package_versions(names)``
"""

from __future__ import annotations

import hashlib
import importlib.metadata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from replifold.errors import UserError
from replifold.io import dumps_json, read_json, write_json

#: Bump when replifold changes how it computes or stores an entry for the same inputs and
#: package versions: every key changes with it, so old entries are never read by new code.
LAYOUT_VERSION = 1

DIGEST_LENGTH = (
    24  # hex characters kept of the sha256 (96 bits): short paths, no collisions in practice
)
RECORD_NAME = "key.json"


def package_versions(names: Sequence[str]) -> dict[str, str]:
    """Installed versions of ``names``; a missing package is a user error (it cannot compute anything)."""
    versions = {}
    for name in sorted(set(names)):
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            raise UserError(
                f"package {name!r} is not installed; the theory stack needs it (pip install -e .)"
            ) from None
    return versions


@dataclass(frozen=True)
class CacheKey:
    """An entry's kind, its digest, the document the digest was computed from, and its recipe."""

    kind: str
    digest: str
    document: Mapping[str, Any]
    recipe: Mapping[str, Any] | None = None

    def __str__(self) -> str:
        return f"{self.kind}/{self.digest}"

    def record(self) -> dict[str, Any]:
        return {"digest": self.digest, "document": self.document, "recipe": self.recipe}


def make_key(
    kind: str,
    inputs: Mapping[str, Any],
    packages: Sequence[str],
    recipe: Mapping[str, Any] | None = None,
) -> CacheKey:
    """The key of an entry of ``kind`` computed from ``inputs`` (JSON-able) by ``packages``;
    ``recipe`` (JSON-able, not hashed) is what computing the entry needs."""
    if not kind or "/" in kind:
        raise ValueError(f"invalid cache kind {kind!r}")
    document = {
        "kind": kind,
        "layout": LAYOUT_VERSION,
        "inputs": inputs,
        "packages": package_versions(packages),
    }
    text = dumps_json(document)  # canonical: sorted keys, fixed float repr
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:DIGEST_LENGTH]
    return CacheKey(kind, digest, document, recipe)


@dataclass(frozen=True)
class TheoryCache:
    """A cache folder (created on first write)."""

    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    def dir(self, key: CacheKey) -> Path:
        return self.root / key.kind / key.digest

    def path(self, key: CacheKey, filename: str) -> Path:
        return self.dir(key) / filename

    def entry_path(self, kind: str, digest: str, filename: str) -> Path:
        """Where an entry's file is, knowing only its kind and digest."""
        return self.root / kind / digest / filename

    def record_path(self, key: CacheKey) -> Path:
        return self.path(key, RECORD_NAME)

    def write_record(self, key: CacheKey) -> Path:
        """Write ``key.json`` beside the entry's files (atomically; the same bytes every time), unless
        it is there already: its content is fixed by the digest, and leaving it untouched keeps
        its modification time, which workflow managers compare."""
        path = self.record_path(key)
        if not path.is_file():
            write_json(path, key.record())
        return path

    def read_record(self, kind: str, digest: str) -> dict[str, Any]:
        """The ``key.json`` of an entry, or a ``UserError`` saying how entries are planned."""
        path = self.entry_path(kind, digest, RECORD_NAME)
        if not path.is_file():
            raise UserError(
                f"theory cache {self.root} has no {kind} entry {digest} ({path} is missing); "
                "plan the runcard's theory first with 'replifold theory-plan RUNCARD --theory-cache DIR'"
            )
        return read_json(path)

    def has(self, key: CacheKey, filename: str) -> bool:
        return self.path(key, filename).is_file()

    def require(self, key: CacheKey, filename: str, hint: str) -> Path:
        """The entry's file, or a ``UserError`` saying what builds it."""
        path = self.path(key, filename)
        if not path.is_file():
            raise UserError(
                f"theory cache {self.root} has no {key.kind} {key.digest} ({path} is missing); {hint}"
            )
        return path
