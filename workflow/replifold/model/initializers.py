"""Weight initialisation that makes a stacked replica identical to a model trained alone.

Replica i's slice of a stacked ``(R, *shape)`` variable is drawn by the plain Keras
initializer seeded with replica i's seed for ``shape``, so it is bit-identical to the kernel
of a single-replica ``keras.layers.Dense`` built with that initializer and seed, whatever the
other replicas are.
"""

from __future__ import annotations

from collections.abc import Sequence

from replifold.backend import keras
from replifold.errors import RuncardError

# n3fit's random_uniform range (Keras' own default is [-0.05, 0.05]).
_SETTINGS: dict[str, tuple[type, dict]] = {
    "glorot_normal": (keras.initializers.GlorotNormal, {}),
    "glorot_uniform": (keras.initializers.GlorotUniform, {}),
    "random_uniform": (keras.initializers.RandomUniform, {"minval": -0.5, "maxval": 0.5}),
}

INITIALIZERS: tuple[str, ...] = tuple(_SETTINGS)


def single_initializer(name: str, seed: int) -> keras.initializers.Initializer:
    """The single-replica Keras initializer ``name`` seeded with ``seed``."""
    try:
        cls, kwargs = _SETTINGS[name]
    except (KeyError, TypeError):
        raise RuncardError.unknown(
            ("parameters", "initializer"), "unknown initializer", name, INITIALIZERS
        ) from None
    return cls(seed=int(seed), **kwargs)


@keras.saving.register_keras_serializable(package="replifold")
class MultiReplicaInitializer(keras.initializers.Initializer):
    """For shape ``(R, *s)``: replica i's slice is ``single_initializer(name, replica_seeds[i])(s)``."""

    def __init__(self, name: str, replica_seeds: Sequence[int]):
        self.name = name
        self.replica_seeds = tuple(int(s) for s in replica_seeds)
        self._initializers = [single_initializer(name, seed) for seed in self.replica_seeds]

    def __call__(self, shape, dtype=None):
        if shape[0] != len(self.replica_seeds):
            raise ValueError(
                f"leading axis {shape[0]} differs from the {len(self.replica_seeds)} replica seeds"
            )
        return keras.ops.stack([init(tuple(shape[1:]), dtype=dtype) for init in self._initializers])

    def get_config(self) -> dict:
        return {"name": self.name, "replica_seeds": list(self.replica_seeds)}
