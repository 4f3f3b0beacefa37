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
from replifold.imnn.results import HISTORY_NAME, STATISTICS_NAME, ImnnBatchResult
from replifold.io import read_json, read_npz, write_json, write_npz
from replifold.training.weights import MODEL_NAME, WEIGHTS_NAME, load_model, save_model, save_weights

RESULT_NAME = "result.json"
TIMING_NAME = "fit.timing.json"
PROBLEM = "imnn"


def is_imnn_batch(batch_dir: Path) -> bool:
    """Whether ``batch_dir`` holds an IMNN batch (its ``model.json`` says so)."""
    description = batch_dir / MODEL_NAME
    return description.is_file() and read_json(description).get("problem") == PROBLEM


def save_batch(trained: TrainedImnn, outdir: Path, replicas: list[int], timing_name: str = TIMING_NAME,
               result: dict | None = None) -> None:
    """The batch's files; ``result`` replaces the batch result in ``result.json`` (a hyperopt fold's record)."""
    save_model(trained.model, outdir, replicas, problem=PROBLEM)
    write_npz(outdir / HISTORY_NAME, trained.history)
    write_npz(outdir / STATISTICS_NAME, trained.statistics)
    write_json(outdir / timing_name, trained.timing.to_json())
    write_json(outdir / RESULT_NAME, trained.result.to_json() if result is None else result)


def split_batch(batch_dir: Path, outdir: Path) -> list[int]:
    """Write ``outdir/replica_<i>/`` for every replica of the batch; the replica numbers."""
    result_path = batch_dir / RESULT_NAME
    if not result_path.is_file():
        raise UserError(f"no batch result in {batch_dir} (missing {RESULT_NAME}); run 'replifold fit' first")
    result = ImnnBatchResult.from_json(read_json(result_path))
    model, replicas = load_model(batch_dir, StackedSummaries)
    if replicas != [r.replica for r in result.replicas]:
        raise UserError(f"{batch_dir}: {MODEL_NAME} and {RESULT_NAME} list different replicas")
    history = read_npz(batch_dir / HISTORY_NAME)
    statistics = read_npz(batch_dir / STATISTICS_NAME)
    for index, replica in enumerate(replicas):
        target = outdir / f"replica_{replica}"
        save_weights(model.single_replica(index), target / WEIGHTS_NAME)
        last = result.replicas[index].last_epoch
        write_npz(target / HISTORY_NAME, {k: np.ascontiguousarray(v[: last + 1, index]) for k, v in history.items()})
        write_npz(target / STATISTICS_NAME, {k: np.ascontiguousarray(v[index]) for k, v in statistics.items()})
        write_json(target / "fit.json", result.replica_json(index))
    return replicas
