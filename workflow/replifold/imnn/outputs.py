"""A trained IMNN batch on disk, and its split into per-replica folders.

Batch folder (``replifold fit``, ``train-fold``): ``weights.h5`` (stacked), ``model.json``
(``problem: imnn``, the network's config, the replica numbers), ``result.json``,
``history.npz`` (per-epoch arrays ``(epochs, R)``), ``statistics.npz`` (``(R, ...)``) and the
machine-dependent ``fit.timing.json``. ``replica_<i>/`` (``replifold split``):
``weights.h5`` of a one-replica model, ``fit.json``, and the replica's rows of the two npz
files, its history cut at its last epoch (later rows only repeat frozen weights, and their
number depends on the replicas beside it).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from replifold.errors import UserError
from replifold.imnn.network import StackedSummaries
from replifold.imnn.replicas import TrainedImnn
from replifold.imnn.results import ImnnBatchResult
from replifold.io import read_json, read_npz, write_json, write_npz
from replifold.layout import TrainedModelDir, batch_dir, replica_dir
from replifold.training.weights import load_model, save_model, save_weights

PROBLEM = "imnn"


def is_imnn_batch(path: Path) -> bool:
    """Whether ``path`` holds an IMNN batch (its ``model.json`` says so)."""
    description = batch_dir(path).model
    return description.is_file() and read_json(description).get("problem") == PROBLEM


def save_batch(
    trained: TrainedImnn, out: TrainedModelDir, replicas: list[int], result: dict | None = None
) -> None:
    """The batch's files; ``result`` replaces the batch result in ``result.json`` (a hyperopt fold's record)."""
    save_model(trained.model, out, replicas, problem=PROBLEM)
    write_npz(out.history, trained.history)
    write_npz(out.statistics, trained.statistics)
    write_json(out.timing, trained.timing.to_json())
    write_json(out.result, trained.result.to_json() if result is None else result)


def split_batch(path: Path, outdir: Path) -> list[int]:
    """Write ``outdir/replica_<i>/`` for every replica of the batch; the replica numbers."""
    batch = batch_dir(path)
    if not batch.result.is_file():
        raise UserError(
            f"no batch result in {batch.path} (missing {batch.result.name}); run 'replifold fit' first"
        )
    result = ImnnBatchResult.from_json(read_json(batch.result))
    model, replicas = load_model(batch, StackedSummaries)
    if replicas != [r.replica for r in result.replicas]:
        raise UserError(
            f"{batch.path}: {batch.model.name} and {batch.result.name} list different replicas"
        )
    history = read_npz(batch.history)
    statistics = read_npz(batch.statistics)
    for index, replica in enumerate(replicas):
        target = replica_dir(outdir, replica)
        save_weights(model.single_replica(index), target.weights)
        last = result.replicas[index].last_epoch
        write_npz(
            target.history,
            {k: np.ascontiguousarray(v[: last + 1, index]) for k, v in history.items()},
        )
        write_npz(
            target.statistics, {k: np.ascontiguousarray(v[index]) for k, v in statistics.items()}
        )
        write_json(target.fit, result.replica_json(index))
    return replicas
