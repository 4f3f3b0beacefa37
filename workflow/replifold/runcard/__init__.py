"""The runcard contract: load, validate and expand a runcard, and write it back canonically.

``expand_runcard`` is the only way a runcard reaches the rest of replifold: it checks the
schema in ``config/schemas/runcard.schema.yaml``, fills every default, runs the cross-key
checks and returns a new dict whose key order follows the schema, so that ``dump_runcard``
of two equivalent runcards gives the same text and the same ``runcard_sha256``.
"""

from __future__ import annotations

import re
import reprlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from replifold.errors import UserError
from replifold.runcard.checks import EVOL_FLAVOURS, check_consistency
from replifold.runcard.messages import first_schema_error
from replifold.runcard.schema import SCHEMA_PATH, load_schema, with_defaults
from replifold.runcard.text import dump_yaml, load_runcard, parse_runcard, runcard_sha256

__all__ = [
    "EVOL_FLAVOURS",
    "SCHEMA_PATH",
    "Seeds",
    "dump_runcard",
    "expand_runcard",
    "filterseed",
    "fit_name",
    "load_fit_runcard",
    "load_runcard",
    "parse_runcard",
    "runcard_sha256",
]


def expand_runcard(raw: dict[str, Any], source: str | None = None) -> dict[str, Any]:
    """The validated runcard with every default filled in; raises the first ``RuncardError``."""
    problem = first_schema_error(raw, source)
    if problem is not None:
        raise problem
    expanded = with_defaults(_canonical_penalties(raw), load_schema())
    if "replicas_per_job" not in expanded:
        expanded = with_defaults(
            {**expanded, "replicas_per_job": expanded["replicas"]}, load_schema()
        )
    check_consistency(expanded, source)
    return expanded


def _canonical_penalties(raw: dict[str, Any]) -> dict[str, Any]:
    """Bare penalty names become ``{name: ...}`` so that their settings' defaults can be filled."""
    kfold = raw.get("kfold")
    if kfold is None or "penalties" not in kfold:
        return raw
    penalties = [{"name": p} if isinstance(p, str) else p for p in kfold["penalties"]]
    return {**raw, "kfold": {**kfold, "penalties": penalties}}


def dump_runcard(expanded: dict[str, Any]) -> str:
    """Canonical YAML text of an expanded runcard: keys in schema order, byte-stable."""
    return dump_yaml(with_defaults(expanded, load_schema()))


def load_fit_runcard(fit_dir: str | Path) -> dict[str, Any]:
    """The expanded runcard of a fit folder made by ``replifold setup``, validated again."""
    from replifold.layout import FitLayout

    path = FitLayout(fit_dir).runcard
    if not path.is_file():
        raise UserError(
            f"{fit_dir} is not a fit directory (no {path.name}); run 'replifold setup' first"
        )
    return expand_runcard(load_runcard(path), source=str(path))


FIT_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def fit_name(path: str | Path) -> str:
    """A fit is named after its runcard file, as in n3fit.

    The name becomes a folder, an archive member prefix, a database key and a shell argument,
    so only names that are safe in all of these are accepted: no leading dot (``..yml`` would
    name the fit ``.``), no spaces, slashes or shell characters.
    """
    name = Path(path).stem
    if len(name) > 100 or not FIT_NAME_PATTERN.fullmatch(name):
        shown = reprlib.repr(name)
        raise UserError(
            f"runcard {reprlib.repr(str(path))}: the fit is named after the file, and {shown} is not a valid fit name; "
            "rename the file to letters, digits, '.', '_' and '-' (starting with a letter or digit, at most 100 "
            "characters), e.g. closure-quick.yml"
        )
    return name


def filterseed(runcard: dict[str, Any]) -> int | None:
    """The seed of the level-1 noise: ``closure.filterseed``, ``closuretest.filterseed`` of a real-data
    closure test, or None (real data have no level-1 noise)."""
    for section in ("closure", "closuretest"):
        if runcard.get(section):
            return int(runcard[section]["filterseed"])
    return None


@dataclass(frozen=True)
class Seeds:
    """The runcard's base seeds, from which ``replifold.seeding`` derives every job's seeds."""

    filterseed: int | None
    mcseed: int
    trvlseed: int
    nnseed: int
    hyperopt_seed: int | None

    @classmethod
    def from_runcard(cls, runcard: dict[str, Any]) -> Seeds:
        hyperopt = runcard.get("hyperopt")
        return cls(
            filterseed=filterseed(runcard),
            mcseed=runcard["mcseed"],
            trvlseed=runcard["trvlseed"],
            nnseed=runcard["nnseed"],
            hyperopt_seed=None if hyperopt is None else hyperopt["seed"],
        )
