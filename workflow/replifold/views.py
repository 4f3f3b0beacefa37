"""Per-stage views of the expanded runcard, so that an edit reruns only the stages it touches.

Snakemake reruns a job when one of its inputs is newer than its outputs. If every rule read
the whole runcard, any edit (a postfit threshold, one more round, more replicas) would rerun
the whole campaign. Instead each stage reads a *view*: the part of the runcard it depends on,
written to ``views/<stage>.json`` only when its bytes change. Snakemake's own rerun logic then
does the rest: a postfit key changes only ``views/postfit.json``, so only postfit and what
follows it rerun; more rounds or more replicas change no view (the rules' inputs, the trial
and batch numbering, add the new jobs); a data key changes ``views/data.json`` and so all.

A view is the runcard minus the keys known not to matter to its stage, never a list of the
keys that do: a key added to the runcard later is then in every view, which costs reruns
but can never leave a stage on stale inputs. The keys left out:

* every view: ``description`` (the report's only), ``evolution`` (the LHAPDF export's only:
  evolve reads the whole runcard) and ``closure.level1_draws`` (a multi-closure test's draws
  are fit folders of their own, set up from the whole runcard; draw 0, the fit, does not
  depend on how many there are);
* ``data``: the network, its training and the scan (parameters, hyperopt, hyperscan_config,
  parallelism, double_precision, debug, nnseed), the number of replicas and their batching
  (replicas are drawn from their own seeds when a job loads the data), postfit, the training
  history's stride;
* ``search`` (suggest, train_fold, reduce_trial, collect, the mongo engine): the final fit's
  replicas and batching, postfit, and the scan's length and workers (``hyperopt.rounds``,
  ``hyperopt.workers``, ``hyperopt.db``): round r depends on the earlier rounds only; the
  training history's stride (the folds keep no history, and recording never changes the training);
* ``fit`` (fit_batch): the final fit's replica count and batching (a batch's replicas are its
  job's parameters, so only batches whose replicas change rerun), postfit, the scan's length
  and workers (the best trial reaches the fit through best.json);
* ``postfit``: those of every view and the training history's stride;
* ``evolve`` (the LHAPDF export): only ``description``, ``closure.level1_draws``, postfit's
  settings (the selection is evolve's input) and the history's stride: it keeps ``evolution``.

An imnn runcard (replifold.imnn) has its own: its data view (setup and ``simulate``) also
leaves out the network and its training (``imnn.network``, ``optimizer``, ``epochs``, ...),
but keeps whether there is a scan, since each hyperopt fold is a simulation set of its own
(``hyperopt`` becomes ``{}``: its rounds and seeds do not change the simulations); its postfit
keys (``imnn.postfit``) are left out of the search and fit views.

The report and the archive read the whole expanded runcard (``runcard.yml``).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from replifold.io import atomic_write_bytes, dumps_json
from replifold.layout import FitLayout

# key paths (tuples) left out of each view
_EVERY = (("description",), ("evolution",), ("closure", "level1_draws"))
_SCAN_LENGTH = (("hyperopt", "rounds"), ("hyperopt", "workers"), ("hyperopt", "db"))
LEFT_OUT: dict[str, tuple[tuple[str, ...], ...]] = {
    "data": (
        *_EVERY,
        ("parameters",),
        ("hyperopt",),
        ("hyperscan_config",),
        ("parallelism",),
        ("double_precision",),
        ("debug",),
        ("nnseed",),
        ("replicas",),
        ("replicas_per_job",),
        ("postfit",),
        ("history",),
    ),
    "search": (
        *_EVERY,
        ("replicas",),
        ("replicas_per_job",),
        ("postfit",),
        ("history",),
        *_SCAN_LENGTH,
    ),
    "fit": (*_EVERY, ("replicas",), ("replicas_per_job",), ("postfit",), *_SCAN_LENGTH),
    "postfit": (*_EVERY, ("history",)),
    # evolve reads the selected replicas' weights and models (inputs of their own) and, from the
    # runcard, the evolution section, the theory, the precision and threads: not the report's text,
    # postfit's settings (the selection is its input), the history stride or the draws
    "evolve": (("description",), ("closure", "level1_draws"), ("postfit",), ("history",)),
}
STAGES = tuple(LEFT_OUT)
_IMNN_POSTFIT = (("imnn", "postfit"),)
_IMNN_TRAINING = tuple(
    ("imnn", key)
    for key in (
        "network",
        "optimizer",
        "epochs",
        "patience",
        "min_epochs",
        "regularisation",
        "n_summaries",
        "n_per_device",
    )
)
IMNN_LEFT_OUT: dict[str, tuple[tuple[str, ...], ...]] = {
    "data": tuple(p for p in LEFT_OUT["data"] if p != ("hyperopt",))
    + _IMNN_TRAINING
    + _IMNN_POSTFIT,
    "search": LEFT_OUT["search"] + _IMNN_POSTFIT,
    "fit": LEFT_OUT["fit"] + _IMNN_POSTFIT,
    "postfit": LEFT_OUT["postfit"],
    "evolve": LEFT_OUT[
        "evolve"
    ],  # imnn fits are not evolved; kept so that every fit has every view
}


def _without(document: Mapping[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    out = dict(document)
    head, *rest = path
    if head not in out:
        return out
    if rest:
        if isinstance(out[head], Mapping):
            out[head] = _without(out[head], tuple(rest))
    else:
        del out[head]
    return out


def stage_view(expanded: Mapping[str, Any], stage: str) -> dict[str, Any]:
    view = copy.deepcopy(dict(expanded))
    imnn = view.get("problem") == "imnn"
    for path in (IMNN_LEFT_OUT if imnn else LEFT_OUT)[stage]:
        view = _without(view, path)
    if imnn and stage == "data" and "hyperopt" in view:
        view[
            "hyperopt"
        ] = {}  # a scan adds fold simulation sets; its length and seeds do not matter
    return view


def stage_views(expanded: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {stage: stage_view(expanded, stage) for stage in STAGES}


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` only if ``path`` does not already hold exactly it (keeping its mtime)."""
    if path.is_file() and path.read_bytes() == data:
        return False
    atomic_write_bytes(path, data)
    return True


def write_views(expanded: Mapping[str, Any], layout: FitLayout) -> list[str]:
    """Write every stage's view that changed; the stages whose view was (re)written."""
    return [
        stage
        for stage, view in stage_views(expanded).items()
        if write_if_changed(layout.view(stage), dumps_json(view).encode("utf-8"))
    ]


def changed_paths(old: Any, new: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """The key paths where two runcards differ (a list that differs is one path)."""
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for key in list(old) + [k for k in new if k not in old]:
            if key not in old or key not in new:
                yield (*prefix, key)
            else:
                yield from changed_paths(old[key], new[key], (*prefix, key))
    elif old != new:
        yield prefix
