"""The recorded training history as TensorBoard scalars, one run per replica.

The compiled loop records the history itself (``training.history``), so TensorBoard is fed
after training from the same numbers rather than from a callback in the loop: the training
is the same with or without it. Event files hold wall-clock times and are never reproducible.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from replifold.backend import tf
from replifold.errors import UserError
from replifold.training.history import TrainingHistory


def require_tensorboard() -> None:
    """TensorFlow 2.20+ no longer installs TensorBoard; say so before training, not after it."""
    if importlib.util.find_spec("tensorboard") is None:
        raise UserError(
            "--tensorboard (the workflow's config key tensorboard: true) needs the tensorboard package, "
            "which TensorFlow no longer installs: pip install 'replifold[tensorboard]' (or tensorboard), "
            "or drop --tensorboard / set tensorboard: false"
        )


def write_tensorboard(
    history: TrainingHistory, replicas: Sequence[int], logdir: str | os.PathLike
) -> Path:
    """``logdir/replica_<i>/``: each recorded quantity and multiplier against the epoch."""
    logdir = Path(logdir)
    for column, replica in enumerate(replicas):
        writer = tf.summary.create_file_writer(str(logdir / f"replica_{replica}"))
        with writer.as_default():
            for row, epoch in enumerate(history.epochs):
                step = int(epoch)
                for name, values in history.values.items():
                    value = values[row, column]
                    if np.isfinite(value):
                        tf.summary.scalar(name, float(value), step=step)
                tf.summary.scalar(
                    "positivity_multiplier", float(history.positivity_multiplier[row]), step=step
                )
                for name, value in zip(
                    history.integrability_sets, history.integrability_multipliers[row], strict=True
                ):
                    tf.summary.scalar(f"integrability_multiplier/{name}", float(value), step=step)
        writer.close()
    return logdir
