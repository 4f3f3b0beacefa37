"""Activations, seeded initialisation and the stacked dense layer against single-replica Keras."""

from __future__ import annotations

import numpy as np
import pytest

from replifold.backend import keras, tf
from replifold.errors import RuncardError
from replifold.model import (
    ACTIVATIONS,
    INITIALIZERS,
    MultiDense,
    MultiReplicaInitializer,
    activation,
)
from replifold.seeding import rng

SEEDS = (5, 2**32 - 1, 123456, 77)
TOLERANCE = {"float32": 2e-6, "float64": 1e-13}


@pytest.fixture(params=["float32", "float64"])
def floatx(request):
    previous = keras.config.floatx()
    keras.config.set_floatx(request.param)
    yield request.param
    keras.config.set_floatx(previous)


def plain_keras_initializer(name: str, seed: int):
    """What a single-replica n3fit-style model would use, spelled out independently of replifold."""
    if name == "glorot_normal":
        return keras.initializers.GlorotNormal(seed=seed)
    if name == "glorot_uniform":
        return keras.initializers.GlorotUniform(seed=seed)
    return keras.initializers.RandomUniform(minval=-0.5, maxval=0.5, seed=seed)


def test_every_activation_is_callable_and_modified_tanh_does_not_saturate():
    x = tf.constant([-20.0, -1.0, 0.0, 1.0, 20.0])
    for name in ACTIVATIONS:
        assert activation(name)(x).shape == x.shape
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = activation("modified_tanh")(x)
    assert np.all(tape.gradient(y, x).numpy() >= 0.1 - 1e-7)


def test_unknown_activation_names_the_runcard_key_and_suggests():
    with pytest.raises(RuncardError) as error:
        activation("tahn")
    assert "parameters.activation_per_layer" in str(error.value)
    assert "'tanh'" in str(error.value)


@pytest.mark.parametrize("name", INITIALIZERS)
def test_replica_slices_equal_keras_dense_kernels_bitwise(name, floatx):
    stacked = MultiReplicaInitializer(name, SEEDS)((len(SEEDS), 7, 5), dtype=floatx)
    for i, seed in enumerate(SEEDS):
        dense = keras.layers.Dense(
            5, kernel_initializer=plain_keras_initializer(name, seed), dtype=floatx
        )
        dense.build((None, 7))
        assert dense.kernel.dtype == floatx
        np.testing.assert_array_equal(stacked[i].numpy(), dense.kernel.numpy())
    assert not np.array_equal(stacked[0].numpy(), stacked[1].numpy())


def test_initializer_rejects_a_replica_axis_of_the_wrong_size():
    with pytest.raises(ValueError, match="replica seeds"):
        MultiReplicaInitializer("glorot_normal", SEEDS)((3, 2, 2))


@pytest.mark.parametrize("first_layer", [True, False])
def test_stacked_dense_equals_separate_single_replica_layers(first_layer, floatx):
    """Layout (units, points): the first layer takes features (3, 6), later ones (R, 3, 6)."""
    generator = rng(1, "global")
    inputs = generator.normal(size=(3, 6) if first_layer else (len(SEEDS), 3, 6)).astype(floatx)
    stacked = MultiDense(4, SEEDS, "glorot_uniform", "tanh", first_layer=first_layer)
    stacked.build(inputs.shape)
    stacked.bias.assign(generator.normal(size=stacked.bias.shape))
    outputs = stacked(inputs).numpy()
    assert outputs.shape == (len(SEEDS), 4, 6)
    for i, seed in enumerate(SEEDS):
        single_input = inputs if first_layer else inputs[i : i + 1]
        single = MultiDense(4, [seed], "glorot_uniform", "tanh", first_layer=first_layer)
        single.build(single_input.shape)
        single.bias.assign(stacked.bias.numpy()[i : i + 1])
        np.testing.assert_allclose(
            single(single_input).numpy()[0], outputs[i], rtol=0, atol=TOLERANCE[floatx]
        )
        initializer = plain_keras_initializer("glorot_uniform", seed)
        dense = keras.layers.Dense(
            4, activation="tanh", kernel_initializer=initializer, dtype=floatx
        )
        dense.build((None, 3))
        dense.bias.assign(stacked.bias.numpy()[i])
        dense_input = inputs if first_layer else inputs[i]
        np.testing.assert_allclose(
            dense(dense_input.T).numpy().T, outputs[i], rtol=0, atol=TOLERANCE[floatx]
        )


def test_dense_config_round_trip_rebuilds_the_same_kernel():
    layer = MultiDense(3, SEEDS, "random_uniform", "modified_tanh", first_layer=True, name="d0")
    layer.build((2, None))
    clone = MultiDense.from_config(layer.get_config())
    clone.build((2, None))
    np.testing.assert_array_equal(clone.kernel.numpy(), layer.kernel.numpy())
    assert clone.activation_name == "modified_tanh"
