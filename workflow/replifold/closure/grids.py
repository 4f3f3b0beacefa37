"""The x-grid the PDF lives on and the quadrature its sum rules are computed with."""

from __future__ import annotations

import numpy as np

# Quadrature nodes are x = y**POWER with Gauss-Legendre in y: this turns integrable power laws
# x**p (p > -1) into smooth ones in y, while the smallest node (~2e-5**POWER for 256 points)
# stays far above float32's range even when raised to the fit's x**-1.25 preprocessing.
POWER = 4


def make_xgrid(n_small: int, n_large: int, x_min: float, x_switch: float) -> np.ndarray:
    """``n_small`` log-spaced points on [x_min, x_switch) followed by ``n_large`` linear ones on [x_switch, 1)."""
    small = np.geomspace(x_min, x_switch, n_small + 1)[:-1]
    large = np.linspace(x_switch, 1.0, n_large + 1)[:-1]
    return np.concatenate([small, large])


def make_integration_grid(points: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights with ``sum(w * g(x)) ~ int_0^1 g(x) dx`` for g with power-law ends."""
    t, wt = np.polynomial.legendre.leggauss(points)
    y = 0.5 * (t + 1.0)
    x = y**POWER
    weights = 0.5 * wt * POWER * y ** (POWER - 1)
    return x, weights
