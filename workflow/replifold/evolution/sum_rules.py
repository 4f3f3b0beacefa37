"""Momentum and valence sum rules of PDFs given as x f on x knots: what evolution must conserve.

DGLAP evolution conserves the momentum fraction carried by quarks and gluon and the number of
valence quarks at every scale, so the integrals, equal to their Q0 values (1; 2, 1, 0) where the
fit imposed them, check an evolved set. The integrals are taken of a cubic spline in ln x
through the knots (x f is smooth in ln x at small x and in x near 1, where the knots are
linear), plus the part below the first knot from the power law x^p through the first two
(for valences p ~ 0.5, so x_min = 1e-5 would leave ~0.3% of d_v out; 1e-9 leaves ~1e-4).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

GLUON = 21
# name -> (flavour ids with their signs, expected value where the fit imposed it)
SUM_RULES: dict[str, tuple[dict[int, float], float]] = {
    "momentum": ({**{q: 1.0 for q in (-6, -5, -4, -3, -2, -1, 1, 2, 3, 4, 5, 6)}, GLUON: 1.0}, 1.0),
    "uv": ({2: 1.0, -2: -1.0}, 2.0),
    "dv": ({1: 1.0, -1: -1.0}, 1.0),
    "sv": ({3: 1.0, -3: -1.0}, 0.0),
}


def _integral(log_x: np.ndarray, values: np.ndarray) -> np.ndarray:
    """int of values d(ln x) over the knots, along the last axis."""
    from scipy.interpolate import CubicSpline

    inside = CubicSpline(log_x, values, axis=-1).integrate(log_x[0], log_x[-1])
    first, second = values[..., 0], values[..., 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        power = np.log(second / first) / (log_x[1] - log_x[0])
        below = np.where((first * second > 0) & (power > 0), first / power, 0.0)
    return inside + below


def sum_rules(x: np.ndarray, xf: np.ndarray, pids: Sequence[int]) -> dict[str, np.ndarray]:
    """Each sum rule of ``xf`` (..., len(pids), nx); flavours missing from ``pids`` count as zero."""
    x = np.asarray(x, dtype=np.float64)
    index = {int(p): i for i, p in enumerate(pids)}
    log_x = np.log(x)
    out = {}
    for name, (weights, _) in SUM_RULES.items():
        combination = sum(w * xf[..., index[p], :] for p, w in weights.items() if p in index)
        # momentum: int x f dx = int x (x f) dln x; number: int f dx = int x f dln x
        integrand = combination * x if name == "momentum" else combination
        out[name] = _integral(log_x, integrand)
    return out


def expected(name: str) -> float:
    return SUM_RULES[name][1]
