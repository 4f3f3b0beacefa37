"""The activation functions a runcard may name in ``parameters.activation_per_layer``."""

from __future__ import annotations

from collections.abc import Callable

from replifold.backend import keras
from replifold.errors import RuncardError

# The linear slope added to tanh in ``modified_tanh``: large enough that gradients never vanish
# for saturated units, small enough that the function stays tanh-like on [-2, 2].
MODIFIED_TANH_SLOPE = 0.1


def modified_tanh(x):
    """A non-saturating tanh, ``tanh(x) + 0.1 x``: its derivative never drops below 0.1."""
    return keras.ops.tanh(x) + MODIFIED_TANH_SLOPE * x


_FUNCTIONS: dict[str, Callable] = {
    "tanh": keras.activations.tanh,
    "sigmoid": keras.activations.sigmoid,
    "linear": keras.activations.linear,
    "elu": keras.activations.elu,
    "relu": keras.activations.relu,
    "leaky_relu": keras.activations.leaky_relu,
    "modified_tanh": modified_tanh,
}

ACTIVATIONS: tuple[str, ...] = tuple(_FUNCTIONS)


def activation(name: str) -> Callable:
    """The function behind a runcard activation name."""
    try:
        return _FUNCTIONS[name]
    except (KeyError, TypeError):
        raise RuncardError.unknown(
            ("parameters", "activation_per_layer"), "unknown activation", name, ACTIVATIONS
        ) from None
