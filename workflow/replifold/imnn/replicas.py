"""``train_imnn_replicas``: a batch of IMNN replicas, from settings and written simulations to results.

The library entry point shared by the final fit (``replifold fit``) and the hyperopt folds.
A replica is a network initialisation: its seed is ``seeding.nn_seed(nnseed, replica)``,
whatever batch it is trained in, and every replica reads the same simulations. As for PDF
replicas, a lone replica is trained as two identical copies (XLA compiles a replica axis of
size 1 differently), so that it gives the same bits alone or stacked.
"""

from __future__ import annotations

import logging
import platform
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from replifold import seeding
from replifold.backend import tf
from replifold.imnn import records
from replifold.imnn.aggregate import Aggregator
from replifold.imnn.fisher import Compression, Regularisation
from replifold.imnn.network import StackedSummaries
from replifold.imnn.pipeline import set_streams
from replifold.imnn.results import ImnnBatchResult, ImnnReplicaResult
from replifold.imnn.sets import SimulationSet
from replifold.imnn.settings import ImnnSettings
from replifold.imnn.trainer import ImnnTrainer, TrainingOutcome
from replifold.io import read_npz, sha256_file
from replifold.training.replicas import MIN_STACK
from replifold.training.results import TrainingTiming

log = logging.getLogger(__name__)

STATISTICS_KEYS = ("mu", "C", "invC", "dmu", "F", "lndetF", "Lambda2")


@dataclass(frozen=True, eq=False)
class TrainedImnn:
    model: StackedSummaries  # holding each replica's best weights
    result: ImnnBatchResult
    history: dict[str, np.ndarray]  # key -> (epochs_run, R)
    statistics: dict[
        str, np.ndarray
    ]  # key -> (R, ...): validation statistics and held-out estimates
    timing: TrainingTiming
    test_lndetF: np.ndarray | None = None  # (R,) ln det F on the test set, when one was given


def build_model(settings: ImnnSettings, nnseed: int, replicas: Sequence[int]) -> StackedSummaries:
    network = settings.network
    return StackedSummaries(
        settings.simulator.input_size,
        network.nodes_per_layer,
        network.activation_per_layer,
        settings.n_summaries,
        network.initializer,
        [seeding.nn_seed(nnseed, r) for r in replicas],
    )


def aggregator_for(
    model: StackedSummaries, settings: ImnnSettings, *, jit_compile: bool = True
) -> Aggregator:
    return Aggregator(
        model,
        Regularisation(settings.coupling, settings.rate),
        settings.n_params,
        settings.dtheta if settings.numerical else None,
        jit_compile=jit_compile,
    )


class EpochLog:
    """A plain progress line in the log every ``every`` epochs (never in an output file)."""

    def __init__(self, label: str, epochs: int, every: int = 100):
        self.label, self.epochs, self.every = label, epochs, every

    def __call__(self, epoch: int, active: np.ndarray, best: np.ndarray) -> None:
        if epoch % self.every and active.any():
            return
        finite = best[np.isfinite(best)]
        detf = (
            f"best validation det F max {np.exp(finite.max()):.4g} median {np.exp(np.median(finite)):.4g}"
            if finite.size
            else "-"
        )
        log.info(
            f"{self.label}: epoch {epoch}/{self.epochs} | active {int(active.sum())}/{active.size} | {detf}"
        )


def _held_out(aggregator: Aggregator, root: Path) -> tuple[np.ndarray, np.ndarray]:
    """theta ``(points, p)`` and the summaries ``(R, points, sims, s)`` of the held-out simulations."""
    held_out = read_npz(root / records.HELD_OUT_NAME)
    summaries = [aggregator.summaries(data) for data in held_out["data"]]
    return held_out["theta"], np.stack(summaries, axis=1).astype(np.float64)


def train_imnn_replicas(
    settings: ImnnSettings,
    nnseed: int,
    replicas: Sequence[int],
    simulations: Path,
    training_set: SimulationSet,
    validation_set: SimulationSet,
    *,
    test_set: SimulationSet | None = None,
    label: str = "fit",
    jit_compile: bool = True,
    min_stack: int = MIN_STACK,
) -> TrainedImnn:
    """Train ``replicas`` stacked on ``training_set``, stopping on ``validation_set`` (and measure
    the kept weights on ``test_set``); the process state must already be seeded
    (``seeding.set_initial_state``)."""
    replicas = [int(r) for r in replicas]
    stacked = replicas * min_stack if len(replicas) < min_stack else replicas
    model = build_model(settings, nnseed, stacked)
    aggregator = aggregator_for(model, settings, jit_compile=jit_compile)
    training = set_streams(settings, training_set, simulations)
    validation = set_streams(settings, validation_set, simulations)
    trainer = ImnnTrainer(aggregator, settings, jit_compile=jit_compile)
    outcome = trainer.train(training, validation, EpochLog(label, settings.epochs))

    kept = {
        key: np.asarray(value, dtype=np.float64)
        for key, value in aggregator.statistics(validation).items()
    }
    trained_kept = {
        key: np.asarray(value, dtype=np.float64)
        for key, value in aggregator.statistics(training).items()
    }
    tested = None
    if test_set is not None:
        tested = np.asarray(
            aggregator.statistics(set_streams(settings, test_set, simulations))["lndetF"],
            dtype=np.float64,
        )
    theta, held_out = _held_out(aggregator, simulations)
    statistics = {key: kept[key] for key in STATISTICS_KEYS}
    estimates, errors = _estimates(settings, statistics, held_out)
    statistics.update(
        held_out_theta=np.broadcast_to(theta, (len(stacked), *theta.shape)).copy(),
        held_out_summaries=held_out,
        held_out_estimates=estimates,
        fisher_errors=errors,
    )

    count = len(replicas)
    if len(stacked) != count:
        model = model.single_replica(0)
    results = tuple(
        _replica_result(replica, k, outcome, kept, trained_kept, nnseed, settings)
        for k, replica in enumerate(replicas)
    )
    analytic = settings.simulator.fisher(settings.theta_fid)
    batch = ImnnBatchResult(
        replicas=results,
        epochs=settings.epochs,
        patience=settings.patience,
        min_epochs=settings.min_epochs,
        parameters=settings.simulator.parameters,
        theta_fid=tuple(float(t) for t in settings.theta_fid),
        fisher_analytic=None if analytic is None else analytic.tolist(),
        simulations_sha256=sha256_file(simulations / records.INDEX_NAME),
        training_set=training_set.name,
        validation_set=validation_set.name,
    )
    return TrainedImnn(
        model=model,
        result=batch,
        history={key: values[:, :count] for key, values in outcome.history.items()},
        statistics={key: values[:count] for key, values in statistics.items()},
        timing=_timing(outcome, count),
        test_lndetF=None if tested is None else tested[:count],
    )


def _estimates(settings: ImnnSettings, statistics: dict[str, np.ndarray], held_out: np.ndarray):
    estimates, errors = [], []
    for r in range(held_out.shape[0]):
        try:
            compression = Compression(
                settings.theta_fid,
                statistics["mu"][r],
                statistics["invC"][r],
                statistics["dmu"][r],
                statistics["F"][r],
            )
            estimates.append(compression.estimate(held_out[r]))
            errors.append(compression.errors)
        except np.linalg.LinAlgError:  # a diverged replica: no estimate
            estimates.append(np.full((*held_out.shape[1:3], settings.n_params), np.nan))
            errors.append(np.full(settings.n_params, np.nan))
    return np.stack(estimates), np.stack(errors)


def _replica_result(
    replica: int,
    k: int,
    outcome: TrainingOutcome,
    kept: dict,
    trained: dict,
    nnseed: int,
    settings: ImnnSettings,
) -> ImnnReplicaResult:
    return ImnnReplicaResult(
        replica=replica,
        stop_reason=outcome.stop_reason[k],
        failed=outcome.stop_reason[k] == "nan",
        best_epoch=int(outcome.best_epoch[k]),
        last_epoch=int(outcome.last_epoch[k]),
        det_fisher_training=float(np.exp(trained["lndetF"][k])),
        det_fisher_validation=float(np.exp(kept["lndetF"][k])),
        lambda2_validation=float(kept["Lambda2"][k]),
        fisher_validation=kept["F"][k].tolist(),
        seeds={"nn": seeding.nn_seed(nnseed, replica), "simseed": settings.simseed},
    )


def _timing(outcome: TrainingOutcome, replicas: int) -> TrainingTiming:
    threading = tf.config.threading
    steps_per_s = outcome.timed_epochs / outcome.timed_s if outcome.timed_s > 0 else float("nan")
    return TrainingTiming(
        wall_s=outcome.first_epoch_s + outcome.timed_s,
        first_chunk_s=outcome.first_epoch_s,
        epochs_run=outcome.epochs_run,
        replicas=replicas,
        steps_per_s=steps_per_s,
        replica_steps_per_s=steps_per_s * replicas,
        host=platform.node(),
        intra_op_threads=threading.get_intra_op_parallelism_threads(),
        inter_op_threads=threading.get_inter_op_parallelism_threads(),
    )
