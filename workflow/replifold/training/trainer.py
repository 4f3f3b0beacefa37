"""The compiled training loop of a batch of stacked replicas.

One step is one full-batch epoch: a single forward pass gives every replica's training loss
(chi2 + positivity penalty) and its validation chi2, the gradient of the summed losses is
each replica's own gradient (no replica's loss depends on another's weights), it is clipped
replica by replica, applied, and replicas that have stopped are put back to their pre-step
values. Early stopping, best-epoch tracking and the best weights live in variables updated
with ``tf.where`` along the replica axis, so no decision is ever shared between replicas and
a whole chunk of epochs runs in one compiled ``tf.while_loop`` without Python in between.

Stopping follows n3fit's rule, replica by replica: an epoch becomes the best one when its
validation chi2 (training chi2 for a replica without validation points) improves on the
best so far, positivity passes, and, until a first best exists, the chi2 per point is below
``threshold_chi2``; patience only counts epochs after a first best, so a replica that never
gets there trains to the last epoch. A non-finite loss stops the replica as failed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from replifold.backend import keras, tf
from replifold.training.losses import (
    ReplicaChi2Layout,
    positivity_lambda,
    positivity_passes,
    positivity_penalty,
    whitened_chi2,
)
from replifold.training.optimizers import clip_per_replica, make_optimizer
from replifold.training.progress import Progress
from replifold.training.settings import TrainingSettings

RUNNING, PATIENCE, MAX_EPOCHS, NAN = 0, 1, 2, 3
STOP_NAMES = {PATIENCE: "patience", MAX_EPOCHS: "max_epochs", NAN: "nan"}
CHUNK_EPOCHS = 100

Forward = Callable[[], tuple[tf.Tensor, tf.Tensor]]


@dataclass(frozen=True)
class TrainingOutcome:
    """Per replica, after the best weights were restored."""

    stop_reason: tuple[str, ...]
    best_epoch: np.ndarray  # epoch of the kept weights (-1: none passed positivity, last kept)
    last_epoch: np.ndarray  # last epoch evaluated
    epochs_run: int
    first_chunk_s: float  # includes tracing and compilation
    timed_epochs: int  # epochs after the first chunk ...
    timed_s: float  # ... and the time they took


def _replica_mask(mask: tf.Tensor, rank: int) -> tf.Tensor:
    return tf.reshape(mask, [-1] + [1] * (rank - 1))


class ReplicaTrainer:
    """Trains ``variables`` (each with a leading replica axis) through ``forward``.

    ``forward()`` returns the fitted predictions (R, n) in ``layout``'s point order and the
    positivity observables (R, npos).
    """

    def __init__(
        self,
        forward: Forward,
        variables: Sequence[keras.Variable],
        layout: ReplicaChi2Layout,
        settings: TrainingSettings,
        *,
        jit_compile: bool = True,
        chunk_epochs: int = CHUNK_EPOCHS,
    ):
        self.forward = forward
        self.variables = list(variables)
        self.settings = settings
        self.replicas = int(layout.data.shape[0])
        wrong = [v.path for v in self.variables if v.shape[0] != self.replicas]
        if wrong:
            raise ValueError(f"variables without a leading replica axis of size {self.replicas}: {wrong}")
        self.dtype = self.variables[0].dtype
        self.chunk_epochs = int(chunk_epochs)
        self._whiten = tf.constant(layout.whiten, self.dtype)
        self._data = tf.constant(layout.data, self.dtype)
        self._training_rows = tf.constant(layout.training_rows, self.dtype)
        self._validation_rows = tf.constant(layout.validation_rows, self.dtype)
        self._has_validation = tf.constant(layout.n_validation > 0)
        self.n_stopping = np.where(layout.n_validation > 0, layout.n_validation, layout.n_training)
        self._threshold_chi2 = tf.constant(settings.threshold_chi2 * np.maximum(self.n_stopping, 1), self.dtype)

        self.optimizer = make_optimizer(settings.optimizer_name, settings.learning_rate)
        self.optimizer.build(self.variables)
        R = self.replicas
        self.epoch = tf.Variable(0, dtype=tf.int32, trainable=False)
        self.active = tf.Variable(tf.ones([R], tf.bool), trainable=False)
        self.stop_code = tf.Variable(tf.zeros([R], tf.int32), trainable=False)
        self.best_chi2 = tf.Variable(tf.fill([R], tf.constant(np.inf, self.dtype)), trainable=False)
        self.best_epoch = tf.Variable(tf.fill([R], -1), trainable=False)
        self.last_epoch = tf.Variable(tf.fill([R], -1), trainable=False)
        self.since_best = tf.Variable(tf.zeros([R], tf.int32), trainable=False)
        self.best_weights = [tf.Variable(tf.convert_to_tensor(v), trainable=False) for v in self.variables]
        self._run_chunk = tf.function(self._chunk, jit_compile=jit_compile)

    def _step(self) -> None:
        settings = self.settings
        epoch = self.epoch.read_value()
        before = [tf.convert_to_tensor(v) for v in self.variables]
        with tf.GradientTape() as tape:
            predictions, positivity = self.forward()
            chi2_tr, chi2_vl = whitened_chi2(
                self._whiten, self._data, self._training_rows, self._validation_rows, predictions
            )
            updates = tf.cast(epoch // settings.positivity_update_freq, self.dtype)
            multiplier = positivity_lambda(settings.positivity_initial, settings.positivity_multiplier, updates)
            loss = chi2_tr + positivity_penalty(positivity, multiplier)
            total = tf.reduce_sum(loss)
        gradients = tape.gradient(total, self.variables)
        gradients = clip_per_replica(gradients, settings.clipnorm)
        self.optimizer.apply(gradients, self.variables)

        active = self.active.read_value()
        stopping_chi2 = tf.where(self._has_validation, chi2_vl, chi2_tr)
        counting = self.best_epoch >= 0
        finite = tf.math.is_finite(loss) & tf.math.is_finite(stopping_chi2)
        improved = active & finite & positivity_passes(positivity, settings.positivity_threshold)
        improved &= counting | (stopping_chi2 < self._threshold_chi2)
        improved &= stopping_chi2 < self.best_chi2
        self.best_chi2.assign(tf.where(improved, stopping_chi2, self.best_chi2))
        self.best_epoch.assign(tf.where(improved, epoch, self.best_epoch))
        for best, value in zip(self.best_weights, before):
            best.assign(tf.where(_replica_mask(improved, value.shape.rank), value, best))
        since_best = tf.where(improved, 0, self.since_best + tf.cast(counting, tf.int32))
        self.since_best.assign(tf.where(active, since_best, self.since_best))
        self.last_epoch.assign(tf.where(active, epoch, self.last_epoch))

        code = tf.where(~finite, NAN, tf.where(since_best >= settings.patience, PATIENCE, RUNNING))
        code = tf.where((code == RUNNING) & (epoch + 1 >= settings.epochs), MAX_EPOCHS, code)
        still_active = active & (code == RUNNING)
        self.stop_code.assign(tf.where(active, code, self.stop_code))
        self.active.assign(still_active)
        for variable, value in zip(self.variables, before):
            variable.assign(tf.where(_replica_mask(still_active, value.shape.rank), variable, value))
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
                per_point = self.best_chi2.numpy() / np.maximum(self.n_stopping, 1)
                progress.update(end_epoch, int(self.active.numpy().sum()), self.replicas, per_point)
        if progress is not None:
            progress.close()
        has_best = self.best_epoch.numpy() >= 0
        for variable, best in zip(self.variables, self.best_weights):
            variable.assign(tf.where(_replica_mask(tf.constant(has_best), best.shape.rank), best, variable))
        return TrainingOutcome(
            stop_reason=tuple(STOP_NAMES[int(c)] for c in self.stop_code.numpy()),
            best_epoch=self.best_epoch.numpy().copy(),
            last_epoch=self.last_epoch.numpy().copy(),
            epochs_run=int(self.epoch.numpy()),
            first_chunk_s=first_chunk_s,
            timed_epochs=timed_epochs,
            timed_s=timed_s,
        )
