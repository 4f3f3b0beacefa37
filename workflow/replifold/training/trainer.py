"""The compiled training loop of a batch of stacked replicas.

One step is one full-batch epoch: a single forward pass gives every replica's training loss
(chi2 + positivity loss + integrability loss) and its validation chi2, the gradient of the
summed losses is each replica's own gradient (no replica's loss depends on another's
weights), it is clipped replica by replica, applied, and replicas that have stopped are put
back to their pre-step values. Early stopping, best-epoch tracking, the best weights and the
per-epoch history live in variables updated with ``tf.where`` along the replica axis, so no
decision is ever shared between replicas and a whole chunk of epochs runs in one compiled
``tf.while_loop`` without Python in between.

Stopping follows ``n3fit.stopping.Stopping.monitor_chi2``, replica by replica. Epoch e is
judged with the weights after e updates (n3fit judges the weights after e + 1). It becomes the
best epoch when

* its validation loss (validation chi2 + positivity loss; for a replica without validation
  points, n3fit's fallback: the whole training loss) is below the best one so far,
* every positivity set's loss, ``multiplier * sum elu(-observable)``, is below
  ``positivity.threshold`` (n3fit's ``Positivity``), and
* once, to start counting: its validation chi2 per point is below ``threshold_chi2``.

After a first best epoch every epoch without a new best counts; a replica stops when the
count exceeds ``patience = int(stopping_patience * epochs)`` (``>``, as n3fit). A replica that
never gets a best epoch trains to the last epoch and keeps its last weights (best epoch -1);
a non-finite loss stops the replica as failed (n3fit stops the whole fit).

The history (``TrainingHistory``) is written inside the loop every ``history_stride`` epochs:
per replica the training and validation chi2 per point, the positivity and integrability
losses, and the multipliers in force; stopped replicas get NaN.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from replifold.backend import keras, tf
from replifold.integrability import UPDATE_FREQ
from replifold.training.history import QUANTITIES, TrainingHistory
from replifold.training.losses import (
    ReplicaChi2Layout,
    integrability_loss,
    positivity_passes,
    positivity_set_losses,
    set_matrix,
    whitened_chi2,
)
from replifold.training.optimizers import clip_per_replica, make_optimizer
from replifold.training.progress import Progress
from replifold.training.settings import TrainingSettings

RUNNING, PATIENCE, MAX_EPOCHS, NAN = 0, 1, 2, 3
STOP_NAMES = {PATIENCE: "patience", MAX_EPOCHS: "max_epochs", NAN: "nan"}
CHUNK_EPOCHS = 100


class ForwardOutputs(NamedTuple):
    """What one forward pass gives the loop, each with a leading replica axis."""

    predictions: tf.Tensor  # (R, n) fitted data points, in the layout's order
    positivity: tf.Tensor  # (R, npos) positivity observables, sets concatenated
    integrability: tf.Tensor  # (R, nint) x f at the integrability points, sets concatenated


Forward = Callable[[], ForwardOutputs]


@dataclass(frozen=True)
class TrainingOutcome:
    """Per replica, after the best weights were restored."""

    stop_reason: tuple[str, ...]
    best_epoch: np.ndarray  # epoch of the kept weights (-1: no epoch met the conditions, last kept)
    last_epoch: np.ndarray  # last epoch evaluated
    epochs_run: int
    history: TrainingHistory
    first_chunk_s: float  # includes tracing and compilation
    timed_epochs: int  # epochs after the first chunk ...
    timed_s: float  # ... and the time they took


def _replica_mask(mask: tf.Tensor, rank: int) -> tf.Tensor:
    return tf.reshape(mask, [-1] + [1] * (rank - 1))


class ReplicaTrainer:
    """Trains ``variables`` (each with a leading replica axis) through ``forward``.

    ``positivity_sizes`` are the sizes of the positivity sets concatenated in the forward
    outputs; the integrability observables hold ``integrability_points`` points per set of
    ``settings.integrability``.
    """

    def __init__(
        self,
        forward: Forward,
        variables: Sequence[keras.Variable],
        layout: ReplicaChi2Layout,
        settings: TrainingSettings,
        *,
        positivity_sizes: Sequence[int] = (),
        integrability_points: int = 0,
        jit_compile: bool = True,
        chunk_epochs: int = CHUNK_EPOCHS,
    ):
        self.forward = forward
        self.variables = list(variables)
        self.settings = settings
        self.replicas = int(layout.data.shape[0])
        wrong = [v.path for v in self.variables if v.shape[0] != self.replicas]
        if wrong:
            raise ValueError(
                f"variables without a leading replica axis of size {self.replicas}: {wrong}"
            )
        self.dtype = self.variables[0].dtype
        self.chunk_epochs = int(chunk_epochs)
        self._whiten = tf.constant(layout.whiten, self.dtype)
        self._data = tf.constant(layout.data, self.dtype)
        self._training_rows = tf.constant(layout.training_rows, self.dtype)
        self._validation_rows = tf.constant(layout.validation_rows, self.dtype)
        self._has_validation = tf.constant(layout.n_validation > 0)
        self.n_stopping = np.where(layout.n_validation > 0, layout.n_validation, layout.n_training)
        self._n_training = tf.constant(np.maximum(layout.n_training, 1), self.dtype)
        self._n_validation = tf.constant(
            np.where(layout.n_validation > 0, layout.n_validation, np.nan), self.dtype
        )
        self._n_stopping = tf.constant(np.maximum(self.n_stopping, 1), self.dtype)
        self._positivity_sets = tf.constant(set_matrix(positivity_sizes), self.dtype)
        schedules = [s.schedule for s in settings.integrability]
        self._integ_initial = tf.constant([s.initial for s in schedules], self.dtype)
        self._integ_factor = tf.constant([s.multiplier for s in schedules], self.dtype)
        self._integ_spread = tf.constant(
            np.repeat(np.eye(len(schedules)), integrability_points, axis=1), self.dtype
        )

        self.optimizer = make_optimizer(settings.optimizer_name, settings.learning_rate)
        self.optimizer.build(self.variables)
        R = self.replicas
        self.epoch = tf.Variable(0, dtype=tf.int32, trainable=False)
        self.active = tf.Variable(tf.ones([R], tf.bool), trainable=False)
        self.stop_code = tf.Variable(tf.zeros([R], tf.int32), trainable=False)
        self.best_loss = tf.Variable(tf.fill([R], tf.constant(np.inf, self.dtype)), trainable=False)
        self.best_epoch = tf.Variable(tf.fill([R], -1), trainable=False)
        self.last_epoch = tf.Variable(tf.fill([R], -1), trainable=False)
        self.since_best = tf.Variable(tf.zeros([R], tf.int32), trainable=False)
        self.best_weights = [
            tf.Variable(tf.convert_to_tensor(v), trainable=False) for v in self.variables
        ]
        rows = settings.history_rows
        nan = tf.constant(np.nan, self.dtype)
        self.history_values = tf.Variable(tf.fill([rows, len(QUANTITIES), R], nan), trainable=False)
        self.history_multipliers = tf.Variable(
            tf.fill([rows, 1 + len(schedules)], nan), trainable=False
        )
        self._run_chunk = tf.function(self._chunk, jit_compile=jit_compile)

    def multipliers(self, epoch: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """The positivity multiplier and the integrability multipliers (nsets,) in force at ``epoch``."""
        positivity = self.settings.positivity
        updates = tf.cast(epoch // positivity.update_freq, self.dtype)
        positivity_lambda = positivity.initial * tf.pow(
            tf.constant(positivity.multiplier, self.dtype), updates
        )
        integ_updates = tf.cast(epoch // UPDATE_FREQ, self.dtype)
        return positivity_lambda, self._integ_initial * tf.pow(self._integ_factor, integ_updates)

    def _record(self, epoch, active, values, positivity_lambda, integ_lambdas) -> None:
        stride = self.settings.history_stride

        def write():
            row = epoch // stride
            recorded = tf.where(active[None, :], tf.stack(values), tf.constant(np.nan, self.dtype))
            self.history_values.scatter_nd_update([[row]], recorded[None])
            self.history_multipliers.scatter_nd_update(
                [[row]], tf.concat([[positivity_lambda], integ_lambdas], 0)[None]
            )
            return tf.constant(0)

        tf.cond(epoch % stride == 0, write, lambda: tf.constant(0))

    def _step(self) -> None:
        settings = self.settings
        epoch = self.epoch.read_value()
        before = [tf.convert_to_tensor(v) for v in self.variables]
        positivity_lambda, integ_lambdas = self.multipliers(epoch)
        with tf.GradientTape() as tape:
            out = self.forward()
            chi2_tr, chi2_vl = whitened_chi2(
                self._whiten,
                self._data,
                self._training_rows,
                self._validation_rows,
                out.predictions,
            )
            positivity_sets = positivity_set_losses(
                out.positivity, self._positivity_sets, positivity_lambda
            )
            positivity_loss = tf.reduce_sum(positivity_sets, axis=-1)
            integ_loss = integrability_loss(
                out.integrability, tf.linalg.matvec(self._integ_spread, integ_lambdas, True)
            )
            loss = chi2_tr + positivity_loss + integ_loss
            total = tf.reduce_sum(loss)
        gradients = tape.gradient(total, self.variables)
        gradients = clip_per_replica(gradients, settings.clipnorm)
        self.optimizer.apply(gradients, self.variables)

        active = self.active.read_value()
        stopping_loss = tf.where(self._has_validation, chi2_vl + positivity_loss, loss)
        stopping_chi2 = tf.where(self._has_validation, chi2_vl, chi2_tr) / self._n_stopping
        counting = self.best_epoch >= 0
        finite = tf.math.is_finite(loss) & tf.math.is_finite(stopping_loss)
        improved = (
            active & finite & positivity_passes(positivity_sets, settings.positivity_threshold)
        )
        improved &= counting | (stopping_chi2 < settings.threshold_chi2)
        improved &= stopping_loss < self.best_loss
        self.best_loss.assign(tf.where(improved, stopping_loss, self.best_loss))
        self.best_epoch.assign(tf.where(improved, epoch, self.best_epoch))
        for best, value in zip(self.best_weights, before):
            best.assign(tf.where(_replica_mask(improved, value.shape.rank), value, best))
        since_best = tf.where(improved, 0, self.since_best + tf.cast(counting, tf.int32))
        self.since_best.assign(tf.where(active, since_best, self.since_best))
        self.last_epoch.assign(tf.where(active, epoch, self.last_epoch))
        self._record(
            epoch,
            active,
            [chi2_tr / self._n_training, chi2_vl / self._n_validation, positivity_loss, integ_loss],
            positivity_lambda,
            integ_lambdas,
        )

        code = tf.where(~finite, NAN, tf.where(since_best > settings.patience, PATIENCE, RUNNING))
        code = tf.where((code == RUNNING) & (epoch + 1 >= settings.epochs), MAX_EPOCHS, code)
        still_active = active & (code == RUNNING)
        self.stop_code.assign(tf.where(active, code, self.stop_code))
        self.active.assign(still_active)
        for variable, value in zip(self.variables, before):
            variable.assign(
                tf.where(_replica_mask(still_active, value.shape.rank), variable, value)
            )
        self.epoch.assign_add(1)

    def _chunk(self, epochs: tf.Tensor) -> None:
        def keep_going(i):
            return (i < epochs) & tf.reduce_any(self.active)

        def body(i):
            self._step()
            return (i + 1,)

        tf.while_loop(keep_going, body, (tf.constant(0),))

    def train(self, progress: Progress | None = None) -> TrainingOutcome:
        """Run until every replica stopped, then restore each replica's best weights.

        The first chunk pays for tracing and compiling, so speed is timed on the later ones.
        """
        first_chunk_s = 0.0
        timed_epochs, timed_s = 0, 0.0
        while bool(tf.reduce_any(self.active)):
            start_epoch, start = int(self.epoch.numpy()), time.perf_counter()
            self._run_chunk(tf.constant(self.chunk_epochs))
            end_epoch, elapsed = int(self.epoch.numpy()), time.perf_counter() - start
            if start_epoch == 0:
                first_chunk_s = elapsed
            else:
                timed_epochs, timed_s = timed_epochs + end_epoch - start_epoch, timed_s + elapsed
            if progress is not None:
                per_point = self.best_loss.numpy() / np.maximum(self.n_stopping, 1)
                progress.update(end_epoch, int(self.active.numpy().sum()), self.replicas, per_point)
        if progress is not None:
            progress.close()
        has_best = self.best_epoch.numpy() >= 0
        for variable, best in zip(self.variables, self.best_weights):
            variable.assign(
                tf.where(_replica_mask(tf.constant(has_best), best.shape.rank), best, variable)
            )
        epochs_run = int(self.epoch.numpy())
        return TrainingOutcome(
            stop_reason=tuple(STOP_NAMES[int(c)] for c in self.stop_code.numpy()),
            best_epoch=self.best_epoch.numpy().copy(),
            last_epoch=self.last_epoch.numpy().copy(),
            epochs_run=epochs_run,
            history=TrainingHistory.from_buffers(
                self.settings.history_stride,
                epochs_run,
                self.history_values.numpy(),
                self.history_multipliers.numpy(),
                tuple(s.name for s in self.settings.integrability),
            ),
            first_chunk_s=first_chunk_s,
            timed_epochs=timed_epochs,
            timed_s=timed_s,
        )
