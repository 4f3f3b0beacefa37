"""Seeds of one replica's pieces, all derived from the replica's own nn seed.

``replica_seed = seeding.nn_seed(nnseed, replica)`` is the only input, so what a replica
starts from never depends on the replicas beside it. From it, through ``seeding.derive_seed``
on the ``nn`` stream:

* dense layer ``l`` (0-based): ``derive_seed(replica_seed, "nn", 0, l)``, handed to the Keras
  initializer exactly as a single-replica Dense layer would get it;
* preprocessing of evolution flavour ``EVOL_BASIS[k]``: ``rng(replica_seed, "nn", 1, k)`` draws
  alpha then beta, so reordering the runcard's basis list does not change a flavour's exponents.
"""

from __future__ import annotations

import numpy as np

from replifold.seeding import derive_seed, rng

_DENSE, _PREPROCESSING = 0, 1


def dense_seed(replica_seed: int, layer: int) -> int:
    return derive_seed(replica_seed, "nn", _DENSE, layer)


def preprocessing_rng(replica_seed: int, flavour_index: int) -> np.random.Generator:
    return rng(replica_seed, "nn", _PREPROCESSING, flavour_index)
