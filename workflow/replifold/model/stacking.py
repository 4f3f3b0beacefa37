"""What every stacked multi-replica model offers: its replica seeds and per-replica weights.

Shared by the PDF model and the IMNN summary network. A model mixing this in keeps its seeds
in ``_replica_seeds`` and lists its variables, each with the replica on axis 0, in
``replica_variables``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class ReplicaStack:
    _replica_seeds: tuple[int, ...]

    @property
    def replica_variables(self) -> list:
        raise NotImplementedError

    @property
    def replicas(self) -> int:
        return len(self._replica_seeds)

    @property
    def replica_seeds(self) -> tuple[int, ...]:
        return self._replica_seeds

    def replica_weights(self, i: int) -> list[np.ndarray]:
        """Replica i's slice of every variable, in the order of ``replica_variables``."""
        return [np.array(v.numpy()[i]) for v in self.replica_variables]

    def set_replica_weights(self, i: int, weights: Sequence[np.ndarray]) -> None:
        variables = self.replica_variables
        if len(weights) != len(variables):
            raise ValueError(
                f"expected {len(variables)} arrays (one per variable), got {len(weights)}"
            )
        for variable, value in zip(variables, weights):
            if tuple(np.shape(value)) != tuple(variable.shape[1:]):
                raise ValueError(
                    f"{variable.path}: replica slice has shape {tuple(variable.shape[1:])}, got {np.shape(value)}"
                )
            stacked = np.array(variable.numpy())
            stacked[i] = value
            variable.assign(stacked)
