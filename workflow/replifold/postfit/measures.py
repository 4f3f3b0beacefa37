"""What postfit measures of each replica's PDF, as validphys does.

* arc lengths (``validphys.arclength.arc_lengths`` for n3fit's flavours sigma, g, V, V3, V8):
  over three segments [1e-6, 1e-4], [1e-4, 1e-2], [1e-2, 1], each sampled at 199 equally
  spaced points (the end point excluded), ``g(x) = x * (x f(x))`` is differenced forward and
  ``sqrt(1 + g'(x)^2)`` integrated with Simpson's rule over the points but the first;
* integrability numbers: ``replifold.integrability``;
* (for the optional ``small_x_outlier_nsigma`` veto) ``|x f|`` of the integrable combinations
  at the smallest x of the fit's grid.

``replifold split`` evaluates each replica at ``evaluation_x()`` and stores the arc lengths and
integrability numbers in its fit.json, as n3fit's writer does in its replica json, so postfit
needs no network.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import integrate

from replifold.integrability import (
    INTEGRABILITY_X,
    INTEGRABLE,
    integrability_numbers,
    integrable_rows,
)

ARCLENGTH_FLAVOURS: tuple[str, ...] = ("sng", "g", "v", "v3", "v8")  # n3fit's compute_arclength
ARCLENGTH_SEGMENTS: tuple[tuple[float, float], ...] = (
    (1.0e-6, 1.0e-4),
    (1.0e-4, 1.0e-2),
    (1.0e-2, 1.0),
)
ARCLENGTH_POINTS = 199


def arclength_grids() -> list[np.ndarray]:
    """The three segments' points: ``numpy.linspace(a, b, 199, endpoint=False)``."""
    return [np.linspace(a, b, ARCLENGTH_POINTS, endpoint=False) for a, b in ARCLENGTH_SEGMENTS]


def evaluation_x() -> np.ndarray:
    """Every x the measures need: the arc-length segments, then the integrability points."""
    return np.concatenate([*arclength_grids(), np.asarray(INTEGRABILITY_X)])


def arc_lengths(xf: np.ndarray) -> np.ndarray:
    """x f (R, flavours, 3 * 199) on the segments' points -> (R, flavours) arc lengths."""
    xf = np.asarray(xf, dtype=np.float64)
    total = np.zeros(xf.shape[:-1])
    for k, ((a, b), x) in enumerate(zip(ARCLENGTH_SEGMENTS, arclength_grids(), strict=True)):
        values = xf[..., k * ARCLENGTH_POINTS : (k + 1) * ARCLENGTH_POINTS] * x
        slope = np.diff(values, axis=-1) / ((b - a) / ARCLENGTH_POINTS)
        total += integrate.simpson(np.sqrt(1.0 + slope**2), x=x[1:], axis=-1)
    return total


def replica_measures(evolution: np.ndarray, basis: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Evolution-basis x f (R, len(basis), len(evaluation_x())) -> (arc lengths (R, 5), integrability (R, 5))."""
    evolution = np.asarray(evolution, dtype=np.float64)
    n_arc = len(ARCLENGTH_SEGMENTS) * ARCLENGTH_POINTS
    arcs = arc_lengths(evolution[:, integrable_rows(basis, ARCLENGTH_FLAVOURS), :n_arc])
    numbers = integrability_numbers(evolution[:, integrable_rows(basis, INTEGRABLE), n_arc:])
    return arcs, numbers


def small_x_magnitude(xf: np.ndarray) -> np.ndarray:
    """(R, 8, nx) flavour-basis x f -> (R, len(INTEGRABLE)) |x f| at the smallest x of the grid."""
    from replifold.model.basis import EVOL_BASIS, to_evolution

    evolution = to_evolution(np.asarray(xf, dtype=np.float64))
    return np.abs(evolution[:, integrable_rows(EVOL_BASIS, INTEGRABLE), 0])
