"""A dense layer holding R independent replicas in one batched matmul."""

from __future__ import annotations

from collections.abc import Sequence

from replifold.backend import keras
from replifold.model.activations import activation as activation_function
from replifold.model.initializers import MultiReplicaInitializer


@keras.saving.register_keras_serializable(package="replifold")
class MultiDense(keras.layers.Layer):
    """R stacked dense layers: kernel ``(R, in, out)``, bias ``(R, out)`` (zeros, as keras Dense).

    Activations are laid out units first, points last: the first layer maps the features
    ``(in, N)`` shared by all replicas to ``(R, out, N)``, later layers map ``(R, in, N)`` to
    ``(R, out, N)`` replica by replica. With the long point axis last, each replica's product
    is a ``(out, in) @ (in, N)`` matrix product whose vectorised dimension is N (measured
    faster than ``(N, in) @ (in, out)`` with out = 8-25), and the sum-rule integrals contract
    the contiguous axis. The first layer is one product of the shared features with every
    replica's kernel (no broadcast copy of the features). Replicas only meet in the batch
    dimension of a matmul, or as independent rows of one, so nothing in a replica's output or
    gradient depends on another replica; ``tests/test_model_pdf.py`` checks that the bits do
    not depend on how many replicas share a batch.
    """

    def __init__(
        self,
        units: int,
        replica_seeds: Sequence[int],
        initializer: str,
        activation: str,
        first_layer: bool,
        **kwargs,
    ):
        kwargs.setdefault("dtype", keras.config.floatx())
        super().__init__(**kwargs)
        self.units = int(units)
        self.replica_seeds = tuple(int(s) for s in replica_seeds)
        self.initializer = initializer
        self.activation_name = activation
        self.activation = activation_function(activation)
        self.first_layer = bool(first_layer)

    @property
    def replicas(self) -> int:
        return len(self.replica_seeds)

    def build(self, input_shape) -> None:
        fan_in = int(input_shape[0] if self.first_layer else input_shape[1])
        self.kernel = self.add_weight(
            shape=(self.replicas, fan_in, self.units),
            initializer=MultiReplicaInitializer(self.initializer, self.replica_seeds),
            name="kernel",
        )
        self.bias = self.add_weight(
            shape=(self.replicas, self.units), initializer="zeros", name="bias"
        )

    def call(self, inputs):
        if self.first_layer:
            outputs = keras.ops.einsum("rio,in->ron", self.kernel, inputs)
        else:
            outputs = keras.ops.matmul(keras.ops.transpose(self.kernel, (0, 2, 1)), inputs)
        return self.activation(outputs + self.bias[:, :, None])

    def compute_output_shape(self, input_shape):
        return (self.replicas, self.units, input_shape[-1])

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "units": self.units,
            "replica_seeds": list(self.replica_seeds),
            "initializer": self.initializer,
            "activation": self.activation_name,
            "first_layer": self.first_layer,
        }
