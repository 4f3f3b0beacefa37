"""n3fit's kinematic cuts of DIS data: ``Q2 > q2min`` and ``W2 > w2min``.

validphys applies to every DIS process the rule ``Q2 > q2min and w2 > w2min`` with
``w2 = Q2 (1 - x) / x`` (the proton mass is neglected), using the commondata's own x and Q2;
NNPDF4.0 uses q2min = 3.49 GeV^2 and w2min = 12.5 GeV^2. No dataset-specific rule of
validphys' filters.yaml concerns the DIS data sets replifold computes. Cuts are applied before
any theory is computed, so points that would be cut cost nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NNPDF40_Q2MIN = 3.49  # GeV^2
NNPDF40_W2MIN = 12.5  # GeV^2


@dataclass(frozen=True)
class DisCuts:
    q2min: float = NNPDF40_Q2MIN
    w2min: float = NNPDF40_W2MIN


def w2(x: np.ndarray, q2: np.ndarray) -> np.ndarray:
    """Invariant mass squared of the hadronic final state as validphys computes it: ``Q2 (1 - x) / x``."""
    return q2 * (1.0 - x) / x


def kinematic_mask(x: np.ndarray, q2: np.ndarray, cuts: DisCuts) -> np.ndarray:
    """(ndata,) bool: the points that pass (strict inequalities, as in validphys)."""
    x, q2 = np.asarray(x, dtype=np.float64), np.asarray(q2, dtype=np.float64)
    return (q2 > cuts.q2min) & (w2(x, q2) > cuts.w2min)
