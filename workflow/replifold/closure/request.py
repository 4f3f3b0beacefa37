"""What the closure generator needs from an expanded runcard, checked against the catalogue.

The runcard schema already validates types; these checks guard the cross-references the
schema cannot see (names, partitions, grid ordering), so a hand-edited runcard still gets a
clear message rather than a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from replifold.closure.catalogue import dataset_names, positivity_names
from replifold.errors import RuncardError


@dataclass(frozen=True)
class XGridSettings:
    n_small: int
    n_large: int
    x_min: float
    x_switch: float


@dataclass(frozen=True)
class DatasetInput:
    name: str
    frac: float


@dataclass(frozen=True)
class ClosureRequest:
    filterseed: int
    fakenoise: bool
    xgrid: XGridSettings
    integration_points: int
    datasets: tuple[DatasetInput, ...]
    positivity: tuple[str, ...]
    mcseed: int
    trvlseed: int
    genrep: bool
    replica_ids: tuple[int, ...]
    folds: tuple[tuple[str, ...], ...]

    @classmethod
    def from_runcard(cls, runcard: Mapping[str, Any]) -> ClosureRequest:
        closure = runcard["closure"]
        grid = closure["xgrid"]
        xgrid = XGridSettings(
            int(grid["n_small"]),
            int(grid["n_large"]),
            float(grid["x_min"]),
            float(grid["x_switch"]),
        )
        _check_xgrid(xgrid)
        if int(closure["integration_points"]) < 16:
            raise RuncardError(
                ("closure", "integration_points"),
                "too few quadrature points for the sum rules",
                found=closure["integration_points"],
                allowed="an integer >= 16",
            )
        datasets = _dataset_inputs(runcard["dataset_inputs"])
        return cls(
            filterseed=int(closure["filterseed"]),
            fakenoise=bool(closure["fakenoise"]),
            xgrid=xgrid,
            integration_points=int(closure["integration_points"]),
            datasets=datasets,
            positivity=positivity_inputs(runcard.get("positivity") or {}),
            mcseed=int(runcard["mcseed"]),
            trvlseed=int(runcard["trvlseed"]),
            genrep=bool(runcard["genrep"]),
            replica_ids=replica_numbers(runcard),
            folds=fold_partitions(runcard.get("kfold") or {}, [d.name for d in datasets]),
        )


def replica_numbers(runcard: Mapping[str, Any]) -> tuple[int, ...]:
    """Replicas 1..N with data: the fit's, or more if the hyperopt scan trains more per trial."""
    replicas = int(runcard["replicas"])
    if runcard.get("hyperopt"):
        replicas = max(replicas, int(runcard["hyperopt"]["replicas"]))
    return tuple(range(1, replicas + 1))


def _check_xgrid(grid: XGridSettings) -> None:
    where = ("closure", "xgrid")
    if grid.n_small < 2 or grid.n_large < 2:
        raise RuncardError(
            where,
            "need at least 2 points in each part of the grid",
            found={"n_small": grid.n_small, "n_large": grid.n_large},
        )
    if not 0.0 < grid.x_min < grid.x_switch < 1.0:
        raise RuncardError(
            where,
            "need 0 < x_min < x_switch < 1",
            found={"x_min": grid.x_min, "x_switch": grid.x_switch},
        )


def _unknown_name(
    path: Sequence[str | int], kind: str, name: str, known: Sequence[str]
) -> RuncardError:
    return RuncardError.unknown(path, f"unknown {kind}", name, known)


def _dataset_inputs(entries: Sequence[Mapping[str, Any]]) -> tuple[DatasetInput, ...]:
    if not entries:
        raise RuncardError(
            ("dataset_inputs",),
            "at least one dataset is needed",
            allowed=", ".join(dataset_names()),
        )
    seen: set[str] = set()
    out = []
    for i, entry in enumerate(entries):
        name, frac = str(entry["dataset"]), float(entry["frac"])
        if name not in dataset_names():
            raise _unknown_name(("dataset_inputs", i, "dataset"), "dataset", name, dataset_names())
        if name in seen:
            raise RuncardError(("dataset_inputs", i, "dataset"), "dataset listed twice", found=name)
        if not 0.0 < frac <= 1.0:
            raise RuncardError(
                ("dataset_inputs", i, "frac"),
                "training fraction out of range",
                found=frac,
                allowed="0 < frac <= 1",
            )
        seen.add(name)
        out.append(DatasetInput(name, frac))
    return tuple(out)


def positivity_inputs(section: Mapping[str, Any]) -> tuple[str, ...]:
    """The runcard's positivity sets (built-in ones, shared by every problem), each once."""
    names = []
    for i, entry in enumerate(section.get("posdatasets") or []):
        name = str(entry["dataset"])
        if name not in positivity_names():
            raise _unknown_name(
                ("positivity", "posdatasets", i, "dataset"),
                "positivity set",
                name,
                positivity_names(),
            )
        if name in names:
            raise RuncardError(
                ("positivity", "posdatasets", i, "dataset"),
                "positivity set listed twice",
                found=name,
            )
        names.append(name)
    return tuple(names)


def fold_partitions(kfold: Mapping[str, Any], fitted: Sequence[str]) -> tuple[tuple[str, ...], ...]:
    """Partitions by dataset name; each name must be one of the runcard's ``dataset_inputs``."""
    folds = []
    for k, partition in enumerate(kfold.get("partitions") or []):
        names = [str(n) for n in partition["datasets"]]
        if not names:
            raise RuncardError(
                ("kfold", "partitions", k, "datasets"), "empty partition", allowed=", ".join(fitted)
            )
        for j, name in enumerate(names):
            if name not in fitted:
                raise _unknown_name(
                    ("kfold", "partitions", k, "datasets", j),
                    "dataset (not in dataset_inputs)",
                    name,
                    fitted,
                )
        folds.append(tuple(names))
    return tuple(folds)
