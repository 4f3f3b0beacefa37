"""The evolution basis the network fits and its constant rotation to ``problem.FLAVOURS``.

With ``q+ = q + qbar``, ``q- = q - qbar`` and c = cbar (so c+ = 2c, c- = 0)::

    sng = u+ + d+ + s+ + c+      v  = u- + d- + s-      t3  = u+ - d+
    g   = g                      v3 = u- - d-           t8  = u+ + d+ - 2 s+
                                 v8 = u- + d- - 2 s-    t15 = u+ + d+ + s+ - 3 c+
"""

from __future__ import annotations

import numpy as np

from replifold.problem import FLAVOURS

EVOL_BASIS: tuple[str, ...] = ("sng", "g", "v", "v3", "v8", "t3", "t8", "t15")


def _combination(**coefficients: float) -> np.ndarray:
    """A row over FLAVOURS from coefficients of u+, u-, d+, d-, s+, s-, c+ and g."""
    row = dict.fromkeys(FLAVOURS, 0.0)
    for quark in ("u", "d", "s"):
        plus, minus = coefficients.get(f"{quark}p", 0.0), coefficients.get(f"{quark}m", 0.0)
        row[quark] += plus + minus
        row[f"{quark}bar"] += plus - minus
    row["c"] = 2.0 * coefficients.get("cp", 0.0)
    row["g"] = coefficients.get("g", 0.0)
    return np.array([row[f] for f in FLAVOURS])


# EVOLUTION_FROM_FLAVOUR @ xf_flavour = xf_evolution (rows in EVOL_BASIS order).
EVOLUTION_FROM_FLAVOUR: np.ndarray = np.stack(
    [
        _combination(up=1, dp=1, sp=1, cp=1),
        _combination(g=1),
        _combination(um=1, dm=1, sm=1),
        _combination(um=1, dm=-1),
        _combination(um=1, dm=1, sm=-2),
        _combination(up=1, dp=-1),
        _combination(up=1, dp=1, sp=-2),
        _combination(up=1, dp=1, sp=1, cp=-3),
    ]
)
FLAVOUR_FROM_EVOLUTION: np.ndarray = np.linalg.inv(EVOLUTION_FROM_FLAVOUR)


def to_evolution(xf_flavour: np.ndarray) -> np.ndarray:
    """``(..., 8, nx)`` flavour basis -> evolution basis."""
    return np.einsum("ef,...fx->...ex", EVOLUTION_FROM_FLAVOUR, xf_flavour)


def to_flavour(xf_evolution: np.ndarray) -> np.ndarray:
    """``(..., 8, nx)`` evolution basis -> flavour basis."""
    return np.einsum("fe,...ex->...fx", FLAVOUR_FROM_EVOLUTION, xf_evolution)
