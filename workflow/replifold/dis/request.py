"""What a real-data (``problem: dis``) runcard asks for, typed and checked.

The schema validates types; these checks guard what it cannot see: data set names and variants
against nnpdf_data and the DIS catalogue, repeated names, folds and positivity sets. A data
set's ``index`` in ``observables.CATALOGUE`` seeds its training/validation split, as the
catalogue index does in the closure test, so a split does not depend on the other data sets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from replifold.closure.request import fold_partitions, positivity_inputs, replica_numbers
from replifold.dis.commondata import dataset_entry
from replifold.dis.cuts import DisCuts
from replifold.dis.observables import CATALOGUE
from replifold.errors import RuncardError


@dataclass(frozen=True)
class DisDatasetInput:
    name: str
    variant: str | None
    frac: float
    cfac: tuple[str, ...]
    position: int  # in the runcard's dataset_inputs, for error messages

    @property
    def key_path(self) -> tuple[str | int, ...]:
        return ("dataset_inputs", self.position)

    @property
    def catalogue_index(self) -> int:
        return list(CATALOGUE).index(self.name)


@dataclass(frozen=True)
class ClosureTestSettings:
    """Fit pseudo-data made from replifold's built-in truth through the real FK tables."""

    filterseed: int
    fakenoise: bool


@dataclass(frozen=True)
class DisRequest:
    datasets: tuple[DisDatasetInput, ...]
    theory: Mapping[str, Any]  # the runcard's theory section: {id: ..., <card key>: <override>}
    cuts: DisCuts
    t0fit: Path | None
    closuretest: ClosureTestSettings | None
    positivity: tuple[str, ...]
    mcseed: int
    trvlseed: int
    genrep: bool
    replica_ids: tuple[int, ...]
    folds: tuple[tuple[str, ...], ...]

    @classmethod
    def from_runcard(cls, runcard: Mapping[str, Any]) -> DisRequest:
        datasets = dataset_inputs(runcard["dataset_inputs"])
        cuts = runcard["datacuts"]
        closure = runcard.get("closuretest")
        t0fit = cuts.get("t0fit")
        return cls(
            datasets=datasets,
            theory=dict(runcard["theory"]),
            cuts=DisCuts(float(cuts["q2min"]), float(cuts["w2min"])),
            t0fit=None if t0fit is None else Path(t0fit),
            closuretest=None
            if closure is None
            else ClosureTestSettings(int(closure["filterseed"]), bool(closure["fakenoise"])),
            positivity=positivity_inputs(runcard.get("positivity") or {}),
            mcseed=int(runcard["mcseed"]),
            trvlseed=int(runcard["trvlseed"]),
            genrep=bool(runcard["genrep"]),
            replica_ids=replica_numbers(runcard),
            folds=fold_partitions(runcard.get("kfold") or {}, [d.name for d in datasets]),
        )

    def dataset(self, name: str) -> DisDatasetInput:
        for entry in self.datasets:
            if entry.name == name:
                return entry
        raise RuncardError(
            ["dataset_inputs"],
            "data set not in this runcard",
            found=name,
            allowed=", ".join(d.name for d in self.datasets),
        )


def dataset_inputs(entries: list[Mapping[str, Any]]) -> tuple[DisDatasetInput, ...]:
    """The runcard's data sets: known to the DIS catalogue, each once."""
    seen: dict[str, int] = {}
    out = []
    for i, entry in enumerate(entries):
        name = str(entry["dataset"])
        dataset_entry(name, ["dataset_inputs", i, "dataset"])
        if name in seen:
            raise RuncardError(
                ["dataset_inputs", i, "dataset"],
                f"data set listed twice (also at dataset_inputs[{seen[name]}])",
                found=name,
            )
        seen[name] = i
        variant = entry.get("variant")
        out.append(
            DisDatasetInput(
                name,
                None if variant is None else str(variant),
                float(entry["frac"]),
                tuple(str(c) for c in entry.get("cfac") or ()),
                i,
            )
        )
    return tuple(out)
