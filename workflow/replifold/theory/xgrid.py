"""The x-grid of grids, operators and FK tables: NNPDF's, taken from pineko.

NNPDF computes every grid, operator and FK table on one 50-point grid from 2e-7 to 1
(log-spaced at small x, linear at large x), interpolating with degree-4 polynomials in log x.
replifold uses the same grid, so its FK tables are NNPDF's up to the theory settings, and the
fitted PDF lives on it (``Problem.xgrid``).
"""

from __future__ import annotations

import numpy as np


def nnpdf_xgrid() -> np.ndarray:
    """(50,) NNPDF's interpolation x-grid, increasing, ending at x = 1."""
    from pineko.opcard_template import xgrid

    return np.asarray(xgrid, dtype=np.float64)
