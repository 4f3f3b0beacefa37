"""A dense layer holding R independent replicas in one batched matmul."""

from __future__ import annotations

from collections.abc import Sequence

from replifold.backend import keras
from replifold.model.activations import activation as activation_function
from replifold.model.initializers import MultiReplicaInitializer


@keras.saving.register_keras_serializable(package="replifold")
class MultiDense(keras.layers.Layer):
    """R stacked dense layers: kernel ``(R, in, out)``, bias ``(R, out)`` (zeros, as keras Dense).

    The first layer maps the input ``(N, in)`` shared by all replicas to ``(R, N, out)``; later
    layers map ``(R, N, in)`` replica by replica. Replicas only meet in the batch dimension of
    one matmul, so nothing in a replica's output or gradient depends on another replica.
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
        fan_in = int(input_shape[-1])
        self.kernel = self.add_weight(
            shape=(self.replicas, fan_in, self.units),
            initializer=MultiReplicaInitializer(self.initializer, self.replica_seeds),
            name="kernel",
        )
        self.bias = self.add_weight(shape=(self.replicas, self.units), initializer="zeros", name="bias")

    def pre_activation(self, inputs):
        """The affine part ``inputs @ kernel + bias``; forward-mode derivatives need it apart."""
        # For the first layer matmul broadcasts the shared (N, in) input against (R, in, out).
        return keras.ops.matmul(inputs, self.kernel) + self.bias[:, None, :]

    def call(self, inputs):
        return self.activation(self.pre_activation(inputs))

    def compute_output_shape(self, input_shape):
        points = input_shape[0] if self.first_layer else input_shape[1]
        return (self.replicas, points, self.units)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "units": self.units,
            "replica_seeds": list(self.replica_seeds),
            "initializer": self.initializer,
            "activation": self.activation_name,
            "first_layer": self.first_layer,
        }
