"""Preprocessing exponents: in range, seeded per replica, trainable only where the runcard says."""

from __future__ import annotations

import numpy as np
import pytest

from replifold.backend import keras
from replifold.model import EVOL_BASIS, BasisEntry, Preprocessing

BASIS = tuple(
    BasisEntry(
        fl, smallx=(0.1 * k, 0.1 * k + 0.5), largex=(1.0 + k, 1.5 + k), trainable=fl in ("g", "v3")
    )
    for k, fl in enumerate(EVOL_BASIS)
)


def exponents(layer: Preprocessing) -> tuple[np.ndarray, np.ndarray]:
    """alpha, beta ``(R, n_basis)`` in basis order, gathered from the documented weight groups."""
    values = {w.name: w.numpy() for w in layer.weights}
    grouped = [e.fl for e in layer.basis if e.trainable] + [
        e.fl for e in layer.basis if not e.trainable
    ]
    columns = [grouped.index(e.fl) for e in layer.basis]
    alpha = np.concatenate([values[k] for k in ("alpha", "alpha_fixed") if k in values], axis=1)
    beta = np.concatenate([values[k] for k in ("beta", "beta_fixed") if k in values], axis=1)
    return alpha[:, columns], beta[:, columns]


def test_exponents_lie_in_their_ranges_and_differ_between_replicas():
    layer = Preprocessing(BASIS, list(range(100, 140)))
    layer.build()
    alpha, beta = exponents(layer)
    for j, entry in enumerate(BASIS):
        lo, hi = np.float32(entry.smallx)
        assert np.all((alpha[:, j] >= lo) & (alpha[:, j] <= hi))
        lo, hi = np.float32(entry.largex)
        assert np.all((beta[:, j] >= lo) & (beta[:, j] <= hi))
        assert np.unique(alpha[:, j]).size == 40


def test_a_replicas_exponents_depend_only_on_its_own_seed_not_on_order_or_neighbours():
    alone = Preprocessing(BASIS, [42])
    crowded = Preprocessing(BASIS, [7, 8, 42, 9])
    shuffled = Preprocessing(tuple(reversed(BASIS)), [42, 3])
    for layer in (alone, crowded, shuffled):
        layer.build()
    by_name = {}
    for layer, row in ((alone, 0), (crowded, 2), (shuffled, 0)):
        alpha, beta = exponents(layer)
        by_name[layer] = {e.fl: (alpha[row, j], beta[row, j]) for j, e in enumerate(layer.basis)}
    assert by_name[alone] == by_name[crowded] == by_name[shuffled]


def test_only_trainable_flavours_train_and_they_are_clipped_into_range():
    layer = Preprocessing(BASIS, [1, 2, 3])
    layer.build()
    assert [w.name for w in layer.trainable_weights] == ["alpha", "beta"]
    assert [w.name for w in layer.non_trainable_weights] == ["alpha_fixed", "beta_fixed"]
    alpha = layer.trainable_weights[0]
    assert alpha.shape == (3, 2)
    clipped = alpha.constraint(keras.ops.convert_to_tensor([[-10.0, 10.0]] * 3)).numpy()
    np.testing.assert_allclose(clipped, [[BASIS[1].smallx[0], BASIS[3].smallx[1]]] * 3, rtol=1e-6)


def test_factor_is_x_to_one_minus_alpha_times_one_minus_x_to_beta():
    """Layout (R, basis, points)."""
    layer = Preprocessing(BASIS, [5, 6])
    layer.build()
    x = np.array([1e-4, 0.3, 0.9], dtype=np.float32)
    alpha, beta = exponents(layer)
    expected = (
        x[None, None, :] ** (1 - alpha[:, :, None]) * (1 - x[None, None, :]) ** beta[:, :, None]
    )
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-5)


def test_config_round_trip_gives_the_same_exponents():
    layer = Preprocessing(BASIS, [11, 12], name="pre")
    layer.build()
    clone = Preprocessing.from_config(layer.get_config())
    clone.build()
    for a, b in zip(layer.weights, clone.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("floatx", ["float32", "float64"])
def test_exponents_take_the_float_type_of_the_session(floatx):
    previous = keras.config.floatx()
    keras.config.set_floatx(floatx)
    try:
        layer = Preprocessing(BASIS, [1])
        layer.build()
        assert {w.dtype for w in layer.weights} == {floatx}
    finally:
        keras.config.set_floatx(previous)
