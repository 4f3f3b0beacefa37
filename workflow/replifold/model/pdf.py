"""The stacked multi-replica PDF: R independent networks evaluated as one Keras model.

Forward pass (no input: ``model()``): the features ``(x, log x)`` of the x-grid and the
integration grid, concatenated, go through the ``MultiDense`` stack; the output times the
preprocessing factor is ``x f`` in the fit (evolution) basis; the integration-grid part gives
the sum-rule normalisation; the x-grid part is normalised and rotated to the flavour basis:
``(R, 8, nx)`` ordered as ``problem.FLAVOURS``.

Inside, tensors are ``(R, units or flavours, points)``: points last (see ``MultiDense``). What
does not depend on a trainable weight is computed once, in float64, when the model is built:
the network's input features and the preprocessing's ``log x``, ``log(1-x)`` on the x-grid and
the integration grid. With ``sum_rules: NONE`` the integration grid is not evaluated at all.

Precision: every replifold layer takes ``keras.config.floatx()`` when it is constructed.
Keras fixes its global dtype policy when the first layer of a process is built, so relying on
the global policy would silently ignore a later ``set_floatx("float64")``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from replifold.backend import keras
from replifold.model.basis import EVOL_BASIS, FLAVOUR_FROM_EVOLUTION
from replifold.model.dense import MultiDense
from replifold.model.preprocessing import Preprocessing, log_features
from replifold.model.replica_blocks import PAIR, in_replica_blocks
from replifold.model.replica_seeds import dense_seed
from replifold.model.spec import ModelSpec
from replifold.model.stacking import ReplicaStack
from replifold.model.sum_rules import SumRules


@keras.saving.register_keras_serializable(package="replifold")
class StackedPDF(ReplicaStack, keras.Model):
    """R replicas stacked on a leading axis of every variable.

    ``replica_seeds[i] = seeding.nn_seed(nnseed, replica)``; replica i is initialised as a
    one-replica model with that seed would be. Variables, in the order of
    ``replica_variables`` (and of ``replica_weights``): for each dense layer its kernel
    ``(R, in, out)`` then bias ``(R, out)``; then the preprocessing exponents ``alpha``,
    ``beta`` (trainable flavours) and ``alpha_fixed``, ``beta_fixed`` (the others), each
    ``(R, n)`` and present only when non-empty.
    """

    def __init__(
        self,
        spec: ModelSpec,
        replica_seeds: Sequence[int],
        xgrid: np.ndarray,
        integration_x: np.ndarray,
        integration_w: np.ndarray,
        **kwargs,
    ):
        kwargs.setdefault("dtype", keras.config.floatx())
        # A fixed name keeps weights.h5 byte-identical when a process builds several models.
        kwargs.setdefault("name", "stacked_pdf")
        super().__init__(**kwargs)
        if not replica_seeds:
            raise ValueError("a stacked model needs at least one replica seed")
        self.spec = spec
        self._replica_seeds = tuple(int(s) for s in replica_seeds)
        self.xgrid = np.asarray(xgrid, dtype=np.float64)
        self.integration_x = np.asarray(integration_x, dtype=np.float64)
        self.integration_w = np.asarray(integration_w, dtype=np.float64)
        basis = [entry.fl for entry in spec.basis]
        self.dense_layers = [
            MultiDense(
                units,
                [dense_seed(seed, layer) for seed in self._replica_seeds],
                spec.initializer,
                activation,
                first_layer=layer == 0,
                name=f"dense_{layer}",
            )
            for layer, (units, activation) in enumerate(
                zip(spec.nodes_per_layer, spec.activation_per_layer)
            )
        ]
        self.preprocessing = Preprocessing(spec.basis, self._replica_seeds, name="preprocessing")
        self.sum_rules = SumRules(
            spec.sum_rules, basis, self.integration_x, self.integration_w, self.compute_dtype
        )
        # Rotation from the fit basis, in the runcard's order, to FLAVOURS.
        rotation = FLAVOUR_FROM_EVOLUTION[:, [EVOL_BASIS.index(name) for name in basis]]
        self._rotation = keras.ops.convert_to_tensor(rotation, dtype=self.compute_dtype)
        shape = (2, None)
        for layer in self.dense_layers:
            layer.build(shape)
            shape = (self.replicas, layer.units, None)
        self.preprocessing.build()
        self._grid_inputs = self._inputs(self.xgrid)
        self.built = True

    @property
    def replica_variables(self) -> list:
        """Every variable, trainable or not, in the documented order; axis 0 is the replica."""
        dense = [v for layer in self.dense_layers for v in (layer.kernel, layer.bias)]
        return dense + list(self.preprocessing.exponents.values())

    def _inputs(self, x: np.ndarray) -> tuple:
        """Network features ``(2, N)`` and preprocessing logs ``(2, N)`` of the evaluation points
        ``x`` followed, when sum rules are imposed, by the integration nodes."""
        points = np.asarray(x, dtype=np.float64).reshape(-1)
        if self.sum_rules.imposed:
            points = np.concatenate([points, self.integration_x])
        features = np.stack([points, np.log(points)])
        return tuple(
            keras.ops.convert_to_tensor(a, dtype=self.compute_dtype)
            for a in (features, log_features(points))
        )

    def _fit_basis(self, inputs: tuple, n_eval: int):
        """Normalised fit-basis ``x f`` ``(R, n_basis, n_eval)`` at the first ``n_eval`` points."""
        features, logs = inputs
        hidden = features
        for layer in self.dense_layers:
            hidden = layer(hidden)
        xf = hidden * self.preprocessing.factor(logs)
        if not self.sum_rules.imposed:
            return xf
        normalisation = self.sum_rules(xf[:, :, n_eval:])
        return xf[:, :, :n_eval] * normalisation[:, :, None]

    def _to_flavour(self, xf):
        return in_replica_blocks(
            lambda r: keras.ops.einsum("fb,rbn->rfn", self._rotation, r), xf, PAIR
        )

    def call(self, inputs=None, training=None):
        """``model()``: x f on the x-grid, ``(R, 8, nx)``; ``inputs`` is ignored."""
        return self._to_flavour(self._fit_basis(self._grid_inputs, self.xgrid.size))

    def grid_and_points(self, x: np.ndarray):
        """One forward pass for the x-grid and extra points ``x`` (the integrability points), so
        training pays one network evaluation: ``model()`` (R, 8, nx) and the normalised
        fit-basis x f at ``x``, points last as every activation: (R, n_basis, len(x))."""
        x = np.asarray(x, dtype=np.float64).reshape(-1)
        nx = self.xgrid.size
        xf = self._fit_basis(self._inputs(np.concatenate([self.xgrid, x])), nx + x.size)
        return self._to_flavour(xf[:, :, :nx]), xf[:, :, nx:]

    def pdf_at(self, x: np.ndarray) -> np.ndarray:
        """Normalised x f ``(R, 8, len(x))`` at other points, with the training grid's normalisation."""
        x = np.asarray(x, dtype=np.float64).reshape(-1)
        return keras.ops.convert_to_numpy(
            self._to_flavour(self._fit_basis(self._inputs(x), x.size))
        )

    def evolution_at(self, x: np.ndarray) -> np.ndarray:
        """As ``pdf_at`` in the evolution basis ``EVOL_BASIS``, before any float cancellation of the rotation."""
        x = np.asarray(x, dtype=np.float64).reshape(-1)
        xf = keras.ops.convert_to_numpy(self._fit_basis(self._inputs(x), x.size))
        basis = [entry.fl for entry in self.spec.basis]
        return xf[:, [basis.index(name) for name in EVOL_BASIS], :]

    def single_replica(self, i: int) -> StackedPDF:
        """A one-replica model carrying replica i's weights and seed."""
        single = StackedPDF(
            self.spec, [self._replica_seeds[i]], self.xgrid, self.integration_x, self.integration_w
        )
        single.set_replica_weights(0, self.replica_weights(i))
        return single

    def copies(self, n: int) -> StackedPDF:
        """``n`` stacked copies of a one-replica model (see ``compiled_xf``)."""
        if self.replicas != 1:
            raise ValueError(f"copies of a {self.replicas}-replica model")
        stacked = StackedPDF(
            self.spec,
            [self._replica_seeds[0]] * n,
            self.xgrid,
            self.integration_x,
            self.integration_w,
        )
        for i in range(n):
            stacked.set_replica_weights(i, self.replica_weights(0))
        return stacked

    def get_config(self) -> dict:
        return {
            "name": self.name,
            "spec": self.spec.to_dict(),
            "replica_seeds": list(self._replica_seeds),
            "xgrid": self.xgrid.tolist(),
            "integration_x": self.integration_x.tolist(),
            "integration_w": self.integration_w.tolist(),
        }

    @classmethod
    def from_config(cls, config: dict) -> StackedPDF:
        config = dict(config)
        config["spec"] = ModelSpec.from_dict(config["spec"])
        return cls(**config)
