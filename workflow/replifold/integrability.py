"""Integrability of the non-singlet combinations: one definition for training, hyperopt and postfit.

The integrals of the valence and non-singlet combinations converge only if ``x f(x) -> 0`` as
``x -> 0``. validphys measures it with the integrability number ``sum_i |x_i f(x_i)|`` at
``x_i = 1e-9, 1e-8, 1e-7`` (``validphys.arclength.integrability_number``), for V, T3, V3, T8
and V8 in n3fit's order, and postfit keeps a replica only if every number is at most 0.5
(``validphys.fitveto.INTEG_THRESHOLD``). The same points and combinations are used here by

* training: an integrability set ``INTEG_X<k>`` is the observable ``x f_k(x_i)`` at those
  points, and its Lagrange loss is n3fit's ``sum_i (lambda x f_k(x_i))^2``
  (``n3fit.layers.losses.LossIntegrability``). n3fit's own sets hold one point, x = 1e-9;
  replifold's hold the three points of the integrability number, so training pushes down
  exactly what postfit and the hyperopt penalty judge;
* the hyperopt ``integrability`` penalty (``hyperopt.penalties``), from ``integrability_numbers``;
* postfit's veto (``postfit.selection``), from the numbers ``replifold split`` stores per replica.

Pure numpy: it runs in every stage without TensorFlow.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

INTEGRABILITY_X: tuple[float, ...] = (1.0e-9, 1.0e-8, 1.0e-7)
INTEGRABLE: tuple[str, ...] = ("v", "t3", "v3", "t8", "v8")  # n3fit's V, T3, V3, T8, V8
INTEG_THRESHOLD = 0.5
UPDATE_FREQ = 100  # epochs between two multiplications of an integrability multiplier (n3fit's PUSH_INTEGRABILITY_EACH)

# The training sets, as n3fit names them (NNPDF_INTEG_3GEV_XT3 -> INTEG_XT3): set -> combination.
INTEGRABILITY_SETS: dict[str, str] = {f"INTEG_X{name.upper()}": name for name in INTEGRABLE}


def integrable_rows(basis: Sequence[str], combinations: Sequence[str] = INTEGRABLE) -> list[int]:
    """Positions of ``combinations`` in an evolution basis listed as ``basis``."""
    return [list(basis).index(name) for name in combinations]


def integrability_numbers(xf: np.ndarray) -> np.ndarray:
    """``x f`` (..., combinations, len(INTEGRABILITY_X)) -> (..., combinations): ``sum_i |x_i f(x_i)|``."""
    return np.sum(np.abs(np.asarray(xf, dtype=np.float64)), axis=-1)


def passes(numbers: np.ndarray, threshold: float = INTEG_THRESHOLD) -> np.ndarray:
    """(..., combinations) -> (...): every number at most ``threshold`` (validphys' ``integrability_veto``)."""
    return np.all(np.asarray(numbers) <= threshold, axis=-1)
