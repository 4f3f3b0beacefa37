"""The IMNN training loop of a batch of stacked replicas, with per-replica early stopping.

One epoch is one gradient step on the whole training set. At epoch e (weights after e
steps) the training loss and statistics and the validation statistics are evaluated; a
replica's epoch becomes its best when its validation det F is finite and larger than its best
so far, and then its weights are remembered. ``patience`` counts epochs without a new best,
only once ``min_epochs`` have passed; a replica stops when it runs out of patience, at
``epochs``, or when its loss or validation det F stops being finite ("nan": diverged). A
stopped replica's weights no longer change, so what it ends with never depends on the
replicas beside it. At the end each replica gets its best weights back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from replifold.backend import tf
from replifold.imnn.aggregate import Aggregator
from replifold.imnn.pipeline import SetStreams
from replifold.imnn.settings import ImnnSettings
from replifold.training.optimizers import clip_per_replica, make_optimizer

STOP_REASONS = ("patience", "max_epochs", "nan")
# Per epoch and replica: what the history records (ln det F and Lambda2 of both sets, r and loss of training).
HISTORY_KEYS = (
    "lndetF_training",
    "lndetF_validation",
    "Lambda2_training",
    "Lambda2_validation",
    "r_training",
    "loss_training",
)


@dataclass(frozen=True)
class TrainingOutcome:
    stop_reason: tuple[str, ...]
    best_epoch: np.ndarray  # (R,) -1: no finite validation det F ever, last weights kept
    last_epoch: np.ndarray  # (R,)
    epochs_run: int
    history: dict[str, np.ndarray]  # key -> (epochs_run, R)
    first_epoch_s: float  # includes tracing and compilation
    timed_epochs: int
    timed_s: float


def _mask(mask, rank: int):
    return tf.reshape(mask, [-1] + [1] * (rank - 1))


class ImnnTrainer:
    def __init__(self, aggregator: Aggregator, settings: ImnnSettings, *, jit_compile: bool = True):
        self.aggregator = aggregator
        self.settings = settings
        self.variables = aggregator.variables
        self.replicas = int(self.variables[0].shape[0])
        optimizer = settings.optimizer
        self.optimizer = make_optimizer(optimizer.name, optimizer.learning_rate)
        self.optimizer.build(self.variables)
        self.best_weights = [
            tf.Variable(tf.convert_to_tensor(v), trainable=False) for v in self.variables
        ]
        self._apply = tf.function(self._apply_fn, jit_compile=jit_compile, autograph=False)
        self._remember = tf.function(self._remember_fn, jit_compile=jit_compile, autograph=False)

    def _apply_fn(self, gradients, active):
        before = [tf.convert_to_tensor(v) for v in self.variables]
        gradients = clip_per_replica(gradients, self.settings.optimizer.clipnorm)
        self.optimizer.apply(gradients, self.variables)
        for variable, value in zip(self.variables, before):
            variable.assign(tf.where(_mask(active, value.shape.rank), variable, value))

    def _remember_fn(self, improved):
        for best, variable in zip(self.best_weights, self.variables):
            best.assign(tf.where(_mask(improved, best.shape.rank), variable, best))

    def train(
        self,
        training: SetStreams,
        validation: SetStreams,
        progress: Callable[[int, np.ndarray, np.ndarray], None] | None = None,
    ) -> TrainingOutcome:
        settings, R = self.settings, self.replicas
        active = np.ones(R, dtype=bool)
        stop = np.array([""] * R, dtype=object)
        best = np.full(R, -np.inf)
        best_epoch = np.full(R, -1)
        last_epoch = np.full(R, -1)
        since_best = np.zeros(R, dtype=int)
        history: dict[str, list[np.ndarray]] = {key: [] for key in HISTORY_KEYS}
        first_epoch_s, timed_s = 0.0, 0.0
        epoch = 0
        while active.any():
            started = time.perf_counter()
            statistics, cotangents = self.aggregator.loss_and_cotangents(training)
            checked = self.aggregator.statistics(validation)
            values = {
                "lndetF_training": statistics["lndetF"],
                "lndetF_validation": checked["lndetF"],
                "Lambda2_training": statistics["Lambda2"],
                "Lambda2_validation": checked["Lambda2"],
                "r_training": statistics["r"],
                "loss_training": statistics["loss"],
            }
            for key in HISTORY_KEYS:
                history[key].append(np.asarray(values[key], dtype=np.float64))
            loss, score = history["loss_training"][-1], history["lndetF_validation"][-1]
            finite = np.isfinite(loss) & np.isfinite(score)
            improved = active & finite & (score > best)
            if improved.any():
                self._remember(tf.constant(improved))
            best = np.where(improved, score, best)
            best_epoch = np.where(improved, epoch, best_epoch)
            counting = active & ~improved & (epoch >= settings.min_epochs)
            since_best = np.where(improved, 0, since_best + counting)
            last_epoch = np.where(active, epoch, last_epoch)
            reason = np.where(
                ~finite,
                "nan",
                np.where(
                    since_best >= settings.patience,
                    "patience",
                    np.where(epoch + 1 >= settings.epochs, "max_epochs", ""),
                ),
            )
            stopping = active & (reason != "")
            stop = np.where(stopping, reason, stop)
            active &= ~stopping
            if active.any():
                self._apply(self.aggregator.gradients(training, cotangents), tf.constant(active))
            epoch += 1
            elapsed = time.perf_counter() - started
            if epoch == 1:
                first_epoch_s = elapsed
            else:
                timed_s += elapsed
            if progress is not None:
                progress(epoch, active, best)
        has_best = best_epoch >= 0
        for variable, kept in zip(self.variables, self.best_weights):
            variable.assign(tf.where(_mask(tf.constant(has_best), kept.shape.rank), kept, variable))
        return TrainingOutcome(
            stop_reason=tuple(str(s) for s in stop),
            best_epoch=best_epoch,
            last_epoch=last_epoch,
            epochs_run=epoch,
            history={key: np.stack(values) for key, values in history.items()},
            first_epoch_s=first_epoch_s,
            timed_epochs=epoch - 1,
            timed_s=timed_s,
        )
