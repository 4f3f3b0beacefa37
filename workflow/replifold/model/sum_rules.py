"""Sum-rule normalisation of the fitted evolution-basis ``x f`` on a fixed quadrature grid.

With nodes ``x_k`` and weights ``w_k``, ``int_0^1 x f dx = sum_k w_k (xf)(x_k)`` and
``int_0^1 f dx = sum_k w_k (xf)(x_k) / x_k``: both integrals of every flavour and replica come
from one matmul of the network output with the constant ``(n_int, 2)`` matrix ``[w, w / x]``,
contracting the contiguous (point) axis of the ``(R, n_basis, n_int)`` layout.
The constants depend on the current weights, so they are recomputed in every forward pass.

* MSR: g is scaled so that ``int x (sng + g) dx = 1``;
* VSR: v, v3, v8 are scaled to ``int f dx`` = 3, 1, 3 (u_v = 2, d_v = 1, s_v = 0).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from replifold.backend import keras
from replifold.errors import RuncardError
from replifold.model.replica_blocks import PAIR, in_replica_blocks

VALENCE_TARGETS: dict[str, float] = {"v": 3.0, "v3": 1.0, "v8": 3.0}
MODES: dict[str, tuple[bool, bool]] = {  # (momentum, valence)
    "ALL": (True, True),
    "MSR": (True, False),
    "VSR": (False, True),
    "NONE": (False, False),
}


class SumRules:
    """Per-replica normalisation factors ``(R, n_basis)`` of the fit-basis output."""

    def __init__(
        self,
        mode: str,
        basis: Sequence[str],
        integration_x: np.ndarray,
        integration_w: np.ndarray,
        dtype: str,
    ):
        self.momentum, self.valence = MODES[mode]
        self.basis = tuple(basis)
        if self.imposed and np.size(integration_x) == 0:
            raise RuncardError(
                ("fitting", "sum_rules"),
                "needs an integration grid and the problem has none",
                found=mode,
                allowed="NONE",
            )
        x = np.asarray(integration_x, dtype=np.float64)
        w = np.asarray(integration_w, dtype=np.float64)
        self.weights = keras.ops.convert_to_tensor(np.stack([w, w / x], axis=1), dtype=dtype)

    @property
    def imposed(self) -> bool:
        """Whether any flavour is normalised (else the integration grid need not be evaluated)."""
        return self.momentum or self.valence

    def integrals(self, xf):
        """``xf (R, n_basis, n_int)`` -> ``(R, n_basis, 2)``: (int x f dx, int f dx)."""
        return in_replica_blocks(
            lambda r: keras.ops.einsum("rbk,km->rbm", r, self.weights), xf, PAIR
        )

    def __call__(self, xf):
        integrals = self.integrals(xf)
        momentum, number = integrals[..., 0], integrals[..., 1]
        ones = keras.ops.ones_like(momentum[:, 0])
        index = self.basis.index
        columns = []
        for name in self.basis:
            if self.momentum and name == "g":
                columns.append((1.0 - momentum[:, index("sng")]) / momentum[:, index("g")])
            elif self.valence and name in VALENCE_TARGETS:
                columns.append(VALENCE_TARGETS[name] / number[:, index(name)])
            else:
                columns.append(ones)
        return keras.ops.stack(columns, axis=1)
