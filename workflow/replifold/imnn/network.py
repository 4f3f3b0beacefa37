"""The stacked summary network: R independent IMNNs evaluated as one Keras model.

Input: simulations ``(N, input_size)``, shared by every replica. Output: summaries
``(R, N, n_summaries)``. The hidden layers are the runcard's; the output layer is linear so
that the summaries can take any value (the regularisation, not the activation, fixes their
scale). Replica i's dense layer l is seeded with ``dense_seed(nn_seed(nnseed, replica), l)``,
as a PDF replica's, so a replica starts from the same weights alone or stacked.

The simulations are tiled to ``(R, N, input_size)`` before the first layer, and each layer is
applied here as the batched matmul ``(R, N, in) @ (R, in, out)`` on MultiDense's own kernel and
bias (``_affine``), not through ``MultiDense.call``, whose points-last layout serves the PDF
model. Broadcasting the shared input against the kernel made XLA compile that dot differently
for different R in some shapes (for 100 x 10 inputs and 16 units, R = 3 and 4 gave other last
bits than R = 2), which would make a replica depend on how many share its batch; a batched
matmul over tiled inputs gave the same bits for every R >= 2 tried.

``summaries_and_tangents`` carries tangents through the layers by hand (forward-mode
differentiation): ``dz = t @ kernel`` and ``t' = act'(z) dz``. TensorFlow's
``ForwardAccumulator`` computes the same numbers, but under a gradient tape inside an
XLA-compiled function it made XLA recompile for every new batch (2 s per call instead of 2 ms).
"""

from __future__ import annotations

from collections.abc import Sequence

from replifold.backend import keras, tf
from replifold.imnn.settings import OUTPUT_ACTIVATION
from replifold.model.dense import MultiDense
from replifold.model.replica_seeds import dense_seed
from replifold.model.stacking import ReplicaStack


def _affine(layer: MultiDense, inputs):
    """``inputs @ kernel + bias`` for points-first ``(R, N, in)`` inputs; forward-mode derivatives need it apart."""
    return keras.ops.matmul(inputs, layer.kernel) + layer.bias[:, None, :]


@keras.saving.register_keras_serializable(package="replifold")
class StackedSummaries(ReplicaStack, keras.Model):
    """Variables, in order: for each dense layer its kernel ``(R, in, out)`` then bias ``(R, out)``."""

    def __init__(
        self,
        input_size: int,
        nodes_per_layer: Sequence[int],
        activation_per_layer: Sequence[str],
        n_summaries: int,
        initializer: str,
        replica_seeds: Sequence[int],
        **kwargs,
    ):
        kwargs.setdefault("dtype", keras.config.floatx())
        # A fixed name keeps weights.h5 byte-identical when a process builds several models.
        kwargs.setdefault("name", "stacked_summaries")
        super().__init__(**kwargs)
        if not replica_seeds:
            raise ValueError("a stacked model needs at least one replica seed")
        self.input_size = int(input_size)
        self.nodes_per_layer = tuple(int(n) for n in nodes_per_layer)
        self.activation_per_layer = tuple(activation_per_layer)
        self.n_summaries = int(n_summaries)
        self.initializer = initializer
        self._replica_seeds = tuple(int(s) for s in replica_seeds)
        units = (*self.nodes_per_layer, self.n_summaries)
        activations = (*self.activation_per_layer, OUTPUT_ACTIVATION)
        self.dense_layers = [
            MultiDense(
                width,
                [dense_seed(seed, layer) for seed in self._replica_seeds],
                initializer,
                activation,
                first_layer=layer == 0,
                name=f"dense_{layer}",
            )
            for layer, (width, activation) in enumerate(zip(units, activations))
        ]
        # MultiDense reads its fan-in from points-last shapes: (in, N) first, (R, in, N) after.
        shape = (self.input_size, None)
        for layer in self.dense_layers:
            layer.build(shape)
            shape = (self.replicas, layer.units, None)
        self.built = True

    @property
    def replica_variables(self) -> list:
        return [v for layer in self.dense_layers for v in (layer.kernel, layer.bias)]

    def _tiled(self, inputs):
        """``(N, k)`` shared by every replica -> ``(R, N, k)`` (see the module docstring)."""
        return tf.broadcast_to(inputs[None], [self.replicas, *inputs.shape])

    def call(self, inputs, training=None):
        """Summaries ``(R, N, n_summaries)`` of simulations ``(N, input_size)``."""
        hidden = self._tiled(inputs)
        for layer in self.dense_layers:
            hidden = layer.activation(_affine(layer, hidden))
        return hidden

    def summaries_and_tangents(self, inputs, tangents):
        """Summaries ``(R, N, s)`` and their derivatives ``(R, N, p, s)`` along ``tangents`` ``(N, input_size, p)``.

        ``tangents[n, :, a]`` is ``dd_n/dtheta_a``, so the second output is ``dx_n/dtheta_a``.
        """
        points, params = inputs.shape[0], tangents.shape[-1]
        hidden = self._tiled(inputs)
        # (R, N * p, input_size): each simulation's p tangents as rows, for the same matmul as the data.
        tangent = self._tiled(
            tf.reshape(tf.transpose(tangents, [0, 2, 1]), [points * params, self.input_size])
        )
        for layer in self.dense_layers:
            affine = _affine(layer, hidden)
            moved = keras.ops.matmul(tangent, layer.kernel)  # (R, N * p, units)
            with tf.GradientTape(watch_accessed_variables=False) as slope:
                slope.watch(affine)
                hidden = layer.activation(affine)
            derivative = slope.gradient(hidden, affine)  # act'(z), elementwise
            tangent = tf.reshape(
                derivative[:, :, None, :]
                * tf.reshape(moved, [self.replicas, points, params, layer.units]),
                [self.replicas, points * params, layer.units],
            )
        return hidden, tf.reshape(tangent, [self.replicas, points, params, self.n_summaries])

    def single_replica(self, i: int) -> StackedSummaries:
        """A one-replica model carrying replica i's weights and seed."""
        config = {**self.get_config(), "replica_seeds": [self._replica_seeds[i]]}
        single = StackedSummaries.from_config(config)
        single.set_replica_weights(0, self.replica_weights(i))
        return single

    def get_config(self) -> dict:
        return {
            "name": self.name,
            "input_size": self.input_size,
            "nodes_per_layer": list(self.nodes_per_layer),
            "activation_per_layer": list(self.activation_per_layer),
            "n_summaries": self.n_summaries,
            "initializer": self.initializer,
            "replica_seeds": list(self._replica_seeds),
        }

    @classmethod
    def from_config(cls, config: dict) -> StackedSummaries:
        return cls(**config)
