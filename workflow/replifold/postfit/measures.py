"""Shape measures of a replica's PDF whose ensemble outliers postfit vetoes.

* arc length of x f(x) per evolution-basis flavour over the fit's x-grid,
  ``sum_j sqrt((x_{j+1} - x_j)^2 + (xf_{j+1} - xf_j)^2)``: a wiggly replica has a long one;
* integrability: ``|x f(x)|`` at the smallest x of the grid for the combinations whose
  integrals must converge (valence and non-singlet: v, v3, v8, t3, t8), which must vanish
  as x -> 0.
"""

from __future__ import annotations

import numpy as np

from replifold.model.basis import EVOL_BASIS, to_evolution

INTEGRABLE = ("v", "v3", "v8", "t3", "t8")


def arc_length(xgrid: np.ndarray, xf: np.ndarray) -> np.ndarray:
    """(R, 8, nx) flavour-basis x f -> (R, 8) arc lengths in EVOL_BASIS order."""
    evolution = to_evolution(np.asarray(xf, dtype=np.float64))
    dx = np.diff(np.asarray(xgrid, dtype=np.float64))
    return np.sum(np.sqrt(dx**2 + np.diff(evolution, axis=-1) ** 2), axis=-1)


def small_x_magnitude(xf: np.ndarray) -> np.ndarray:
    """(R, 8, nx) flavour-basis x f -> (R, len(INTEGRABLE)) |x f| at the smallest x."""
    evolution = to_evolution(np.asarray(xf, dtype=np.float64))
    rows = [EVOL_BASIS.index(name) for name in INTEGRABLE]
    return np.abs(evolution[:, rows, 0])


def outliers(values: np.ndarray, nsigma: float) -> np.ndarray:
    """(R, n) -> (R,) bool: some column above its ensemble mean by more than ``nsigma`` std."""
    mean = values.mean(axis=0)
    std = values.std(axis=0)
    return np.any((std > 0) & (values > mean + nsigma * std), axis=1)
