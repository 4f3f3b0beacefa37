"""``train_replicas``: a batch of replicas from runcard and problem to trained model and results.

The library entry point shared by ``replifold fit`` and the hyperopt fold trainer (which
passes ``exclude_datasets`` to hold a fold's datasets out of training and validation).
Replica i's seeds, data replica and split come from its own number only, so the batch it
is trained in does not change it.

XLA drops a replica axis of size 1 and then compiles different kernels (other summation
orders) than for a real batch, which would make a replica trained alone differ from the same
replica stacked in the last bits and, through early stopping, visibly. A lone replica is
therefore trained as two identical copies and the first one is kept: with R >= 2 the
compiled arithmetic of a replica does not depend on R or on its neighbours.
"""

from __future__ import annotations

import platform
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from replifold import seeding
from replifold.backend import tf
from replifold.errors import UserError
from replifold.integrability import INTEGRABILITY_X
from replifold.model import ModelSpec, Observables, PositivityObservables, StackedPDF
from replifold.problem import Problem
from replifold.training.history import TrainingHistory
from replifold.training.losses import (
    experimental_chi2,
    fitted_indices,
    positivity_passes,
    positivity_set_losses,
    replica_chi2_layout,
    set_matrix,
)
from replifold.training.progress import Progress
from replifold.training.results import (
    POS_PASS,
    POS_VETO,
    BatchResult,
    ReplicaResult,
    ReplicaSeeds,
    TrainingTiming,
)
from replifold.training.settings import TrainingSettings
from replifold.training.trainer import ForwardOutputs, ReplicaTrainer

MIN_STACK = 2


@dataclass(frozen=True, eq=False)
class TrainedBatch:
    model: StackedPDF  # holding each replica's best weights
    result: BatchResult
    history: TrainingHistory  # per-epoch record, columns in the order of ``result.replicas``
    timing: TrainingTiming


def replica_rows(problem: Problem, replicas: Sequence[int]) -> list[int]:
    """Rows of the problem's replica arrays; unknown replicas are a user error."""
    missing = [r for r in replicas if r not in set(problem.replica_ids.tolist())]
    if missing:
        known = problem.replica_ids.tolist()
        raise UserError(
            f"replicas {missing} are not in the data (it has replicas {known[0]}-{known[-1]})"
        )
    if len(set(replicas)) != len(replicas):
        raise UserError(f"replicas repeated in {list(replicas)}")
    return [problem.replica_index(r) for r in replicas]


def build_model(
    runcard: Mapping[str, Any], problem: Problem, replicas: Sequence[int]
) -> StackedPDF:
    seeds = [seeding.nn_seed(int(runcard["nnseed"]), r) for r in replicas]
    return StackedPDF(
        ModelSpec.from_runcard(dict(runcard)),
        seeds,
        problem.xgrid,
        problem.integration_x,
        problem.integration_w,
    )


def compiled_xf(model: StackedPDF) -> np.ndarray:
    """``model()`` as (R, 8, nx), computed by XLA like the training step.

    Eager kernels round differently for different replica counts (a few float32 ulps);
    the compiled forward pass gives a replica the same bits alone or stacked, provided the
    replica axis is not of size 1 (module docstring): a lone replica is evaluated as
    ``MIN_STACK`` copies, as it is trained.
    """
    lone = model.replicas < MIN_STACK
    evaluated = model.copies(MIN_STACK) if lone else model
    xf = tf.function(lambda: evaluated(None), jit_compile=True, autograph=False)().numpy()
    return xf[:1] if lone else xf


def replica_xfs(model: StackedPDF) -> Iterator[np.ndarray]:
    """Replica by replica, ``compiled_xf(model.single_replica(i))[0]``, compiled once.

    Every replica's grid is that of its weights alone, wherever they are loaded; compiling one
    lone-replica evaluation per replica cost seconds each, as much as training the batch (25
    replicas of closure-multi: 2.7 s each). One probe of ``MIN_STACK`` copies takes each
    replica's weights in turn: every per-replica number, the fixed preprocessing exponents
    included, lives in a variable, so the probe computes what a freshly built model would.
    """
    probe = model.single_replica(0).copies(MIN_STACK)
    evaluate = tf.function(lambda: probe(None), jit_compile=True, autograph=False)
    for index in range(model.replicas):
        weights = model.replica_weights(index)
        for copy in range(MIN_STACK):
            probe.set_replica_weights(copy, weights)
        yield evaluate().numpy()[0]


def _replica_seeds(problem: Problem, replica: int, nn: int) -> ReplicaSeeds:
    if problem.sampling is None:
        return ReplicaSeeds(nn=nn, mc=None, trvl={})
    mc, trvl = problem.sampling.seeds(problem.datasets, replica)
    return ReplicaSeeds(nn=nn, mc=mc, trvl=trvl)


def integrability_columns(model: StackedPDF, settings: TrainingSettings) -> list[int]:
    """Positions, in the fit basis of ``model``, of each integrability set's combination."""
    basis = [entry.fl for entry in model.spec.basis]
    return [basis.index(s.combination) for s in settings.integrability]


def make_forward(
    model: StackedPDF,
    fitted: Observables,
    positivity: PositivityObservables,
    settings: TrainingSettings,
):
    """The training step's forward pass; the integrability points join the x-grid in one pass."""
    columns = integrability_columns(model, settings)
    if not columns:

        def forward() -> ForwardOutputs:
            xf = model(None)
            return ForwardOutputs(
                fitted(xf), positivity(xf), tf.zeros([tf.shape(xf)[0], 0], xf.dtype)
            )

        return forward

    def forward_with_integrability() -> ForwardOutputs:
        xf, fit_basis = model.grid_and_points(np.asarray(INTEGRABILITY_X))
        chosen = tf.gather(fit_basis, columns, axis=1)  # (R, sets, points)
        integ = tf.reshape(chosen, [tf.shape(xf)[0], -1])  # set-major
        return ForwardOutputs(fitted(xf), positivity(xf), integ)

    return forward_with_integrability


def train_replicas(
    runcard: Mapping[str, Any],
    problem: Problem,
    replicas: Sequence[int],
    *,
    exclude_datasets: Sequence[str] = (),
    progress: Progress | None = None,
    jit_compile: bool = True,
    min_stack: int = MIN_STACK,
) -> TrainedBatch:
    """Train ``replicas`` stacked in one model; the process state must already be seeded
    (``seeding.set_initial_state``).

    ``min_stack=1`` trains a lone replica as a bare one-replica model: faster, but not bitwise
    the replica of a stacked batch (see the module docstring); for timing a baseline only.
    """
    settings = TrainingSettings.from_runcard(runcard)
    replicas = [int(r) for r in replicas]
    replica_rows(problem, replicas)  # refuses unknown or repeated replicas
    stacked = replicas * min_stack if len(replicas) < min_stack else replicas
    indices = fitted_indices(problem, exclude_datasets)
    model = build_model(runcard, problem, stacked)
    fitted = Observables(
        problem, [d.name for d in problem.datasets if d.name not in exclude_datasets]
    )
    positivity = PositivityObservables(problem)
    layout = replica_chi2_layout(problem, [problem.replica_index(r) for r in stacked], indices)
    forward = make_forward(model, fitted, positivity, settings)
    trainer = ReplicaTrainer(
        forward,
        model.trainable_variables,
        layout,
        settings,
        positivity_sizes=positivity.sizes,
        integrability_points=len(INTEGRABILITY_X),
        jit_compile=jit_compile,
    )
    outcome = trainer.train(progress)

    everything = Observables(problem)
    sets = tf.constant(set_matrix(positivity.sizes), model.compute_dtype)
    kept_epoch = np.where(outcome.best_epoch >= 0, outcome.best_epoch, outcome.last_epoch)
    kept_lambda = tf.constant(
        [settings.positivity.at(int(e)) for e in kept_epoch], model.compute_dtype
    )

    def evaluate():
        xf = model(None)
        set_losses = positivity_set_losses(positivity(xf), sets, kept_lambda[:, None])
        return fitted(xf), set_losses, everything(xf)

    # Compiled like the training step, so the reported numbers are as batch-independent as the weights.
    fitted_predictions, positivity_losses, predictions = (
        t.numpy() for t in tf.function(evaluate, jit_compile=jit_compile)()
    )
    chi2_tr, chi2_vl = layout.chi2(fitted_predictions)
    passes = positivity_passes(positivity_losses, settings.positivity_threshold)
    history = outcome.history
    if len(stacked) != len(replicas):
        model = model.single_replica(0)
        history = history.select(range(len(replicas)))
    results = []
    for k, replica in enumerate(replicas):
        exp = experimental_chi2(problem, predictions[k])
        results.append(
            ReplicaResult(
                replica=int(replica),
                stop_reason=outcome.stop_reason[k],
                failed=outcome.stop_reason[k] == "nan",
                best_epoch=int(outcome.best_epoch[k]),
                last_epoch=int(outcome.last_epoch[k]),
                chi2_tr=float(chi2_tr[k]),
                n_tr=int(layout.n_training[k]),
                chi2_vl=float(chi2_vl[k]),
                n_vl=int(layout.n_validation[k]),
                chi2_exp={name: c.chi2 for name, c in exp.items()},
                ndata_exp={name: c.ndata for name, c in exp.items()},
                chi2_exp_total=float(sum(c.chi2 for c in exp.values())),
                ndata_exp_total=int(sum(c.ndata for c in exp.values())),
                positivity=POS_PASS if passes[k] else POS_VETO,
                seeds=_replica_seeds(problem, replica, model.replica_seeds[k]),
            )
        )
    batch = BatchResult(
        replicas=tuple(results),
        epochs=settings.epochs,
        patience=settings.patience,
        excluded_datasets=tuple(exclude_datasets),
    )
    threading = tf.config.threading
    steps_per_s = outcome.timed_epochs / outcome.timed_s if outcome.timed_s > 0 else float("nan")
    timing = TrainingTiming(
        wall_s=outcome.first_chunk_s + outcome.timed_s,
        first_chunk_s=outcome.first_chunk_s,
        epochs_run=outcome.epochs_run,
        replicas=len(replicas),
        steps_per_s=steps_per_s,
        replica_steps_per_s=steps_per_s * len(replicas),
        host=platform.node(),
        intra_op_threads=threading.get_intra_op_parallelism_threads(),
        inter_op_threads=threading.get_inter_op_parallelism_threads(),
    )
    return TrainedBatch(model=model, result=batch, history=history, timing=timing)
