"""Checks that span several runcard keys, which JSON Schema cannot express.

They run on the expanded runcard, in a fixed order, and stop at the first problem so that the
reported error does not depend on anything but the runcard.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from replifold.closure.catalogue import dataset_names, positivity_names
from replifold.errors import RuncardError, UserError, format_key_path, nearest
from replifold.imnn.checks import check_imnn
from replifold.integrability import INTEGRABILITY_SETS

MAX_HISTORY_ROWS = 100_000  # rows of the per-epoch history a replica holds in memory while training
EVOL_FLAVOURS: tuple[str, ...] = ("sng", "g", "v", "v3", "v8", "t3", "t8", "t15")

_MIN_MAX_PAIRS: tuple[tuple[str, str, str], ...] = (
    ("stopping", "min_epochs", "max_epochs"),
    ("stopping", "min_patience", "max_patience"),
    ("architecture", "min_units", "max_units"),
    ("positivity", "min_multiplier", "max_multiplier"),
    ("positivity", "min_initial", "max_initial"),
)


def check_consistency(runcard: dict[str, Any], source: str | None = None) -> None:
    """Raise a ``RuncardError`` for the first cross-key problem of an expanded, schema-valid runcard."""
    if runcard.get("problem") == "imnn":
        for check in (_problem_sections, _replicas, _hyperscan, check_imnn):
            check(runcard, source)
        return
    for check in (
        _problem_sections,
        _xgrid,
        _datasets,
        _theory,
        _positivity,
        _integrability,
        _basis,
        _network,
        _replicas,
        _kfold,
        _hyperscan,
        _hyperopt,
        _loss_type,
        _history,
    ):
        check(runcard, source)


def _fail(
    path: Sequence[str | int], problem: str, source: str | None, **details: Any
) -> RuncardError:
    return RuncardError(path, problem, source=source, **details)


#: Sections that belong to one problem only (the schema accepts them all so it can describe them).
_PROBLEM_SECTIONS: dict[str, str] = {
    "closure": "closure",
    "theory": "dis",
    "datacuts": "dis",
    "closuretest": "dis",
    "imnn": "imnn",
}
_DIS_ONLY_DATASET_KEYS = ("variant", "cfac")


def _problem_sections(runcard: dict, source: str | None) -> None:
    problem = runcard["problem"]
    for section, owner in _PROBLEM_SECTIONS.items():
        if section in runcard and owner != problem:
            raise _fail(
                [section],
                f"section {section!r} belongs to problem: {owner}, but this runcard has problem: {problem}",
                source,
                allowed=f"remove the section, or set problem: {owner}",
            )
    if problem != "dis":
        for i, entry in enumerate(runcard.get("dataset_inputs") or []):
            for key in _DIS_ONLY_DATASET_KEYS:
                if key in entry:
                    raise _fail(
                        ["dataset_inputs", i, key],
                        f"{key!r} selects NNPDF commondata, which only problem: dis reads",
                        source,
                        allowed="remove it, or set problem: dis",
                    )


def _with_source(error: RuncardError, source: str | None) -> RuncardError:
    return RuncardError(
        error.path,
        error.problem,
        found=error.found,
        allowed=error.allowed,
        suggestion=error.suggestion,
        source=source,
    )


def _xgrid(runcard: dict, source: str | None) -> None:
    if runcard["problem"] != "closure":
        return
    grid = runcard["closure"]["xgrid"]
    if grid["x_min"] >= grid["x_switch"]:
        raise _fail(
            ["closure", "xgrid", "x_switch"],
            "the switch from log to linear spacing must lie above x_min",
            source,
            found=grid["x_switch"],
            allowed=f"a number > x_min = {grid['x_min']} and < 1",
        )


def _known_names(
    entries: Iterable[tuple[list[str | int], str]],
    known: Sequence[str],
    what: str,
    source: str | None,
) -> None:
    """Every name must be in ``known`` and appear once."""
    seen: dict[str, list[str | int]] = {}
    for path, name in entries:
        if name not in known:
            raise _fail(
                path,
                f"unknown {what}",
                source,
                found=name,
                allowed="one of: " + ", ".join(known),
                suggestion=nearest(name, known),
            )
        if name in seen:
            raise _fail(
                path,
                f"{what} {name!r} is listed twice (also at {format_key_path(seen[name])})",
                source,
            )
        seen[name] = path


def _datasets(runcard: dict, source: str | None) -> None:
    if runcard["problem"] == "dis":
        from replifold.dis.commondata import load_metadata
        from replifold.dis.request import dataset_inputs

        try:
            for entry in dataset_inputs(runcard["dataset_inputs"]):
                load_metadata(entry.name, entry.variant, entry.key_path)
        except RuncardError as error:
            raise _with_source(error, source) from None
        return
    if "dataset_inputs" not in runcard:
        return
    entries = [
        (["dataset_inputs", i, "dataset"], entry["dataset"])
        for i, entry in enumerate(runcard["dataset_inputs"])
    ]
    _known_names(entries, dataset_names(), "dataset", source)


def _theory(runcard: dict, source: str | None) -> None:
    """The theory card exists, its overrides are card keys, and yadism computes its scheme."""
    if runcard["problem"] != "dis":
        return
    from replifold.theory.cards import check_dis_scheme, theory_card_from_runcard

    try:
        card = theory_card_from_runcard(runcard["theory"])
    except RuncardError as error:
        raise _with_source(error, source) from None
    try:
        check_dis_scheme(card)
    except UserError as error:
        raise _fail(["theory", "FNS"], str(error), source, found=card["FNS"]) from None


def _positivity(runcard: dict, source: str | None) -> None:
    posdatasets = runcard["positivity"]["posdatasets"]
    entries = [
        (["positivity", "posdatasets", i, "dataset"], entry["dataset"])
        for i, entry in enumerate(posdatasets)
    ]
    _known_names(entries, positivity_names(), "positivity set", source)


def _integrability(runcard: dict, source: str | None) -> None:
    sets = runcard["integrability"]["integdatasets"]
    entries = [
        (["integrability", "integdatasets", i, "dataset"], entry["dataset"])
        for i, entry in enumerate(sets)
    ]
    _known_names(entries, list(INTEGRABILITY_SETS), "integrability set", source)


def _check_range(path: list[str | int], pair: Sequence[float], source: str | None) -> None:
    low, high = pair
    if low > high:
        raise _fail(
            path, "range is reversed", source, found=list(pair), allowed="[lo, hi] with lo <= hi"
        )


def _basis(runcard: dict, source: str | None) -> None:
    basis = runcard["fitting"]["basis"]
    seen: set[str] = set()
    for i, entry in enumerate(basis):
        if entry["fl"] in seen:
            raise _fail(
                ["fitting", "basis", i, "fl"],
                f"flavour {entry['fl']!r} appears twice in the basis",
                source,
            )
        seen.add(entry["fl"])
        for key in ("smallx", "largex"):
            _check_range(["fitting", "basis", i, key], entry[key], source)
    missing = [flavour for flavour in EVOL_FLAVOURS if flavour not in seen]
    if missing:
        raise _fail(
            ["fitting", "basis"],
            "the EVOL basis needs every flavour exactly once; missing: " + ", ".join(missing),
            source,
            allowed="one entry each for " + ", ".join(EVOL_FLAVOURS),
        )


def _network(runcard: dict, source: str | None) -> None:
    parameters = runcard["parameters"]
    nodes, activations = parameters["nodes_per_layer"], parameters["activation_per_layer"]
    if len(nodes) != len(activations):
        raise _fail(
            ["parameters", "activation_per_layer"],
            f"{len(activations)} activations for {len(nodes)} layers",
            source,
            found=activations,
            allowed=f"one activation per entry of nodes_per_layer {nodes}",
        )
    if nodes[-1] != len(EVOL_FLAVOURS):
        raise _fail(
            ["parameters", "nodes_per_layer", len(nodes) - 1],
            "the last layer gives one output per basis flavour",
            source,
            found=nodes[-1],
            allowed=str(len(EVOL_FLAVOURS)),
        )


def _replicas(runcard: dict, source: str | None) -> None:
    if runcard["replicas_per_job"] > runcard["replicas"]:
        raise _fail(
            ["replicas_per_job"],
            "more replicas per job than replicas in the fit",
            source,
            found=runcard["replicas_per_job"],
            allowed=f"an integer >= 1 and <= replicas = {runcard['replicas']}",
        )


def _kfold(runcard: dict, source: str | None) -> None:
    kfold = runcard.get("kfold")
    if kfold is None:
        return
    names = [penalty["name"] for penalty in kfold["penalties"]]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise _fail(["kfold", "penalties", i], f"penalty {name!r} is listed twice", source)
    fitted = [entry["dataset"] for entry in runcard["dataset_inputs"]]
    owner: dict[str, int] = {}
    for k, partition in enumerate(kfold["partitions"]):
        for j, name in enumerate(partition["datasets"]):
            path = ["kfold", "partitions", k, "datasets", j]
            if name not in fitted:
                from replifold.dis.observables import supported_names

                known = name in dataset_names() or name in supported_names()
                raise _fail(
                    path,
                    "dataset is not among dataset_inputs" if known else "unknown dataset",
                    source,
                    found=name,
                    allowed="one of the fitted datasets: " + ", ".join(fitted),
                    suggestion=nearest(name, fitted),
                )
            if name in owner:
                where = "this partition" if owner[name] == k else f"partition {owner[name]}"
                raise _fail(path, f"dataset {name!r} is already in {where}", source)
            owner[name] = k
        if set(partition["datasets"]) == set(fitted):
            raise _fail(
                ["kfold", "partitions", k, "datasets"],
                "the partition holds every fitted dataset, leaving nothing to train its fold on",
                source,
            )


def _hyperscan(runcard: dict, source: str | None) -> None:
    scan = runcard.get("hyperscan_config")
    if scan is None:
        return
    for section, low_key, high_key in _MIN_MAX_PAIRS:
        values = scan.get(section)
        if values is not None and values[low_key] > values[high_key]:
            raise _fail(
                ["hyperscan_config", section, low_key],
                f"{low_key} is above {high_key} = {values[high_key]}",
                source,
                found=values[low_key],
                allowed=f"a value <= {high_key}",
            )
    for i, option in enumerate(scan.get("optimizer", [])):
        for key in ("learning_rate", "clipnorm"):
            if key in option:
                _check_range(["hyperscan_config", "optimizer", i, key], option[key], source)


def _hyperopt(runcard: dict, source: str | None) -> None:
    if "hyperopt" not in runcard:
        return
    if runcard["hyperopt"]["engine"] == "mongo":
        from replifold.hyperopt.engines.mongo.settings import MongoSettings

        MongoSettings.from_runcard(runcard)  # the database address, checked without echoing it
    for section in ("kfold", "hyperscan_config"):
        if section not in runcard:
            raise _fail(
                [section],
                "missing section: a hyperopt scan needs its k-fold hyper-loss and its search space",
                source,
                allowed="add the section, or remove 'hyperopt' to fit with the runcard's parameters",
            )


def _loss_type(runcard: dict, source: str | None) -> None:
    """phi2 measures the spread of the replicas: with fewer than two it is 0 and its reciprocal infinite."""
    kfold, hyperopt = runcard.get("kfold"), runcard.get("hyperopt")
    if kfold is None or hyperopt is None or kfold["loss_type"] != "phi2":
        return
    replicas = hyperopt["replicas"]
    proportion = kfold.get("reduce_proportion")
    kept = replicas if proportion is None else math.ceil(proportion * replicas)
    if kept < 2:
        raise _fail(
            ["hyperopt", "replicas"],
            "loss_type phi2 measures the spread of the replicas and needs at least 2 of them"
            + (
                ""
                if proportion is None
                else f" after kfold.reduce_proportion = {proportion} keeps {kept}"
            ),
            source,
            found=replicas,
            allowed="hyperopt.replicas >= 2"
            + ("" if proportion is None else " with ceil(reduce_proportion * replicas) >= 2"),
        )
    if kfold["penalties_in_loss"]:
        raise _fail(
            ["kfold", "penalties_in_loss"],
            "cannot add penalties to phi2: n3fit adds them to phi before taking the reciprocal, "
            "which rewards the penalised trials",
            source,
            found=True,
            allowed="false with loss_type phi2, or another loss_type",
        )


def _history(runcard: dict, source: str | None) -> None:
    """The history buffer lives in memory for the whole training: refuse a stride that would make it huge."""
    stopping = (runcard.get("hyperscan_config") or {}).get("stopping") or {}
    epochs = max(runcard["parameters"]["epochs"], stopping.get("max_epochs", 0))
    stride = runcard["history"]["stride"]
    if -(-epochs // stride) > MAX_HISTORY_ROWS:
        raise _fail(
            ["history", "stride"],
            f"up to {epochs} epochs at this stride would record more than {MAX_HISTORY_ROWS} rows per replica",
            source,
            found=stride,
            allowed=f"a stride of at least {-(-epochs // MAX_HISTORY_ROWS)}",
        )
