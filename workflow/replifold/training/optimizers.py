"""Optimizers and per-replica gradient clipping.

Keras' own ``clipnorm`` rescales each variable's whole gradient by its norm. In a stacked
model a variable holds every replica, so one replica's large gradient would shrink all the
others' steps: the cross-replica leak that made stacked n3fit fits worse than independent
ones. The optimizers are therefore built without ``clipnorm`` and ``clip_per_replica``
applies the same rule to each replica's slice of each gradient separately, which for a
single replica is exactly Keras' per-variable clipping.
"""

from __future__ import annotations

from collections.abc import Sequence

from replifold.backend import keras, tf
from replifold.errors import RuncardError

OPTIMIZERS = {
    "Adam": (keras.optimizers.Adam, {}),
    "Nadam": (keras.optimizers.Nadam, {}),
    "Amsgrad": (keras.optimizers.Adam, {"amsgrad": True}),
    "RMSprop": (keras.optimizers.RMSprop, {}),
    "Adadelta": (keras.optimizers.Adadelta, {}),
    "Adagrad": (keras.optimizers.Adagrad, {}),
    "Adamax": (keras.optimizers.Adamax, {}),
    "SGD": (keras.optimizers.SGD, {}),
}
KEY_PATH = ("parameters", "optimizer", "optimizer_name")


def make_optimizer(name: str, learning_rate: float) -> keras.optimizers.Optimizer:
    """A fresh optimizer (no clipping: see ``clip_per_replica``) named as in the runcard."""
    if name not in OPTIMIZERS:
        raise RuncardError.unknown(KEY_PATH, "unknown optimizer", name, OPTIMIZERS)
    cls, options = OPTIMIZERS[name]
    return cls(learning_rate=float(learning_rate), **options)


def clip_per_replica(gradients: Sequence[tf.Tensor], clipnorm: float | None) -> list[tf.Tensor]:
    """Rescale each replica's slice (leading axis) of each gradient to an L2 norm <= ``clipnorm``.

    Same rule as Keras' ``clip_by_norm``, with the norm taken over all axes but the replica
    axis; a zero gradient stays zero. The squared norms are a batched dot product: XLA
    compiles a plain ``reduce_sum`` over the inner axes differently for different numbers of
    replicas (changing the last bits), a batch-dot it does not.
    """
    if not clipnorm:
        return list(gradients)
    clipped = []
    for gradient in gradients:
        flat = tf.reshape(gradient, [tf.shape(gradient)[0], -1])
        squares = tf.reshape(
            tf.einsum("rk,rk->r", flat, flat), [-1] + [1] * (gradient.shape.rank - 1)
        )
        nonzero = squares > 0.0
        norm = tf.where(
            nonzero, tf.sqrt(tf.where(nonzero, squares, tf.ones_like(squares))), squares
        )
        clipped.append(gradient * clipnorm / tf.maximum(norm, clipnorm))
    return clipped
