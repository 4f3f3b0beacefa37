"""NNPDF preprocessing ``x^(1 - alpha) (1 - x)^beta`` with per-replica, per-flavour exponents.

The network output times this factor is ``x f(x)`` in the fit basis (n3fit's convention).
Each replica draws its exponents uniformly in the runcard's ``smallx``/``largex`` ranges from
its own seed (``replica_seeds.preprocessing_rng``). Exponents of ``trainable: true`` flavours
live in trainable weights clipped back into their ranges after every update; the others in
non-trainable weights, so they are saved and split with the replica but never move.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from replifold.backend import keras
from replifold.model.basis import EVOL_BASIS
from replifold.model.replica_seeds import preprocessing_rng
from replifold.model.spec import BasisEntry


@keras.saving.register_keras_serializable(package="replifold")
class ClipToRange(keras.constraints.Constraint):
    """Clip column j of a ``(R, n)`` weight into ``[lower[j], upper[j]]``."""

    def __init__(self, lower: Sequence[float], upper: Sequence[float]):
        self.lower = [float(v) for v in lower]
        self.upper = [float(v) for v in upper]

    def __call__(self, w):
        lower = keras.ops.convert_to_tensor(self.lower, dtype=w.dtype)
        upper = keras.ops.convert_to_tensor(self.upper, dtype=w.dtype)
        return keras.ops.clip(w, lower, upper)

    def get_config(self) -> dict:
        return {"lower": self.lower, "upper": self.upper}


def log_features(x: np.ndarray) -> np.ndarray:
    """``(log x, log(1-x))`` ``(2, N)`` in float64, computed once per grid rather than in every step."""
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    return np.stack([np.log(x), np.log1p(-x)])


def initial_exponents(
    basis: Sequence[BasisEntry], replica_seeds: Sequence[int]
) -> tuple[np.ndarray, np.ndarray]:
    """alpha and beta, each ``(R, len(basis))``, as replica seeds and ranges dictate."""
    alpha = np.empty((len(replica_seeds), len(basis)))
    beta = np.empty_like(alpha)
    for r, seed in enumerate(replica_seeds):
        for j, entry in enumerate(basis):
            generator = preprocessing_rng(int(seed), EVOL_BASIS.index(entry.fl))
            alpha[r, j] = generator.uniform(*entry.smallx)
            beta[r, j] = generator.uniform(*entry.largex)
    return alpha, beta


@keras.saving.register_keras_serializable(package="replifold")
class Preprocessing(keras.layers.Layer):
    """Maps x ``(N,)`` to the factor ``x^(1-alpha) (1-x)^beta``, ``(R, len(basis), N)`` in basis order.

    Weights, in this order, each present only when non-empty: ``alpha``, ``beta`` (trainable
    flavours, ``(R, n_trainable)``), ``alpha_fixed``, ``beta_fixed`` (``(R, n_fixed)``); columns
    follow the basis order within each group.
    """

    def __init__(self, basis: Sequence[BasisEntry], replica_seeds: Sequence[int], **kwargs):
        kwargs.setdefault("dtype", keras.config.floatx())
        super().__init__(**kwargs)
        self.basis = tuple(basis)
        self.replica_seeds = tuple(int(s) for s in replica_seeds)
        trainable = [j for j, e in enumerate(self.basis) if e.trainable]
        fixed = [j for j, e in enumerate(self.basis) if not e.trainable]
        # Column of basis function j in concat([trainable group, fixed group]).
        self._order = [(trainable + fixed).index(j) for j in range(len(self.basis))]
        alpha, beta = initial_exponents(self.basis, self.replica_seeds)
        self._groups = []
        for columns, is_trainable, suffix in ((trainable, True, ""), (fixed, False, "_fixed")):
            if not columns:
                continue
            entries = [self.basis[j] for j in columns]
            for name, values, ranges in (
                ("alpha", alpha, [e.smallx for e in entries]),
                ("beta", beta, [e.largex for e in entries]),
            ):
                self._groups.append((f"{name}{suffix}", values[:, columns], ranges, is_trainable))

    @property
    def replicas(self) -> int:
        return len(self.replica_seeds)

    def build(self, input_shape=None) -> None:
        self.exponents = {}
        for name, values, ranges, is_trainable in self._groups:
            self.exponents[name] = self.add_weight(
                shape=values.shape,
                initializer=_constant(values),
                trainable=is_trainable,
                constraint=ClipToRange(*zip(*ranges)) if is_trainable else None,
                name=name,
            )

    def _exponent(self, name: str):
        groups = [self.exponents[key] for key in (name, f"{name}_fixed") if key in self.exponents]
        joined = groups[0] if len(groups) == 1 else keras.ops.concatenate(groups, axis=1)
        return keras.ops.take(joined, self._order, axis=1)

    def factor(self, logs):
        """The factor ``(R, n_basis, N)`` from ``logs = log_features(x)`` ``(2, N)``.

        ``x^(1-alpha) (1-x)^beta = exp((1-alpha) log x + beta log(1-x))``: one product of every
        replica's exponents with the constant logs and one exp, instead of two ``pow`` (each an
        exp and a log) and their gradients, which computed the same logs in every step.
        """
        exponents = keras.ops.stack([1.0 - self._exponent("alpha"), self._exponent("beta")], axis=2)
        return keras.ops.exp(keras.ops.einsum("rbk,kn->rbn", exponents, logs))

    def call(self, x):
        """The factor ``(R, n_basis, N)`` at the points ``x`` ``(N,)`` (a numpy array)."""
        return self.factor(keras.ops.convert_to_tensor(log_features(x), dtype=self.compute_dtype))

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "basis": [entry.to_dict() for entry in self.basis],
            "replica_seeds": list(self.replica_seeds),
        }

    @classmethod
    def from_config(cls, config: dict) -> Preprocessing:
        config = dict(config)
        config["basis"] = [BasisEntry.from_dict(entry) for entry in config["basis"]]
        return cls(**config)


def _constant(values: np.ndarray):
    def initializer(shape, dtype=None):
        return keras.ops.convert_to_tensor(values, dtype=dtype)

    return initializer
