"""From the evolution basis of FK tables to replifold's flavour basis ``problem.FLAVOURS``.

FK tables made by pineko convolve the PDF at Q0 in eko's evolution basis (PDG-like ids: 100
Sigma, 21 g, 200 V, 203 V3, 208 V8, 215 V15, 224 V24, 235 V35, 103 T3, 108 T8, 115 T15, 124
T24, 135 T35, 22 photon), with ``q+ = q + qbar`` and ``q- = q - qbar``::

    Sigma = sum_q q+      V = sum_q q-
    T3  = u+ - d+         V3  = u- - d-
    T8  = u+ + d+ - 2 s+  V8  = u- + d- - 2 s-
    T15 = u+ + d+ + s+ - 3 c+,  T24 = ... + c+ - 4 b+,  T35 = ... + b+ - 5 t+  (V likewise)

replifold's flavours are (u, ubar, d, dbar, s, sbar, c, g) where ``c`` stands for charm and
anticharm alike (c = cbar) and there is no bottom, top or photon at Q0. Hence ``c+ = 2 c``,
``c- = 0``, ``b+- = t+- = 0``. A combination is a row of ``EVOLUTION_TO_FLAVOUR``: its value for
a PDF is ``row . xf``, so an FK table ``fk[d, ch, x]`` over channels ``ch`` becomes
``sum_ch fk[d, ch, x] row[ch, f]`` over flavours ``f``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from replifold.problem import FLAVOURS

PHOTON = 22


def _combination(plus: dict[str, float], minus: dict[str, float], gluon: float = 0.0) -> np.ndarray:
    """Coefficients over FLAVOURS of ``sum_q plus[q] q+ + sum_q minus[q] q- + gluon g``."""
    row = dict.fromkeys(FLAVOURS, 0.0)
    for quark, weight in plus.items():
        if quark == "c":
            row["c"] += 2.0 * weight  # c+ = c + cbar = 2 c
        elif quark in ("u", "d", "s"):
            row[quark] += weight
            row[quark + "bar"] += weight
        # b+ and t+ vanish at Q0
    for quark, weight in minus.items():
        if quark in ("u", "d", "s"):
            row[quark] += weight
            row[quark + "bar"] -= weight
        # c- = b- = t- = 0
    row["g"] += gluon
    return np.array([row[f] for f in FLAVOURS])


_QUARKS = ("u", "d", "s", "c", "b", "t")


def _nonsinglet(n: int) -> dict[str, float]:
    """``q1 + ... + q_{n-1} - (n-1) q_n`` over the first n quarks: T_{n^2-1} / V_{n^2-1}."""
    weights = {q: 1.0 for q in _QUARKS[: n - 1]}
    weights[_QUARKS[n - 1]] = -(n - 1.0)
    return weights


def _evolution_rows() -> dict[int, np.ndarray]:
    everything = {q: 1.0 for q in _QUARKS}
    rows = {
        100: _combination(everything, {}),
        21: _combination({}, {}, gluon=1.0),
        200: _combination({}, everything),
        PHOTON: np.zeros(len(FLAVOURS)),
    }
    for n in range(2, 7):
        rows[100 + n * n - 1] = _combination(_nonsinglet(n), {})
        rows[200 + n * n - 1] = _combination({}, _nonsinglet(n))
    return rows


EVOLUTION_TO_FLAVOUR: dict[int, np.ndarray] = _evolution_rows()


def rotation_matrix(pids: Sequence[int]) -> np.ndarray:
    """(len(pids), 8): the flavour-basis coefficients of each evolution-basis channel."""
    unknown = [p for p in pids if p not in EVOLUTION_TO_FLAVOUR]
    if unknown:
        raise ValueError(
            f"FK table channels {unknown} are not in the evolution basis {sorted(EVOLUTION_TO_FLAVOUR)}"
        )
    return np.stack([EVOLUTION_TO_FLAVOUR[int(p)] for p in pids])


def to_flavour_basis(fk: np.ndarray, pids: Sequence[int]) -> np.ndarray:
    """Linear FK table ``(ndata, nchannels, nx)`` over evolution channels -> ``(ndata, 8, nx)`` over FLAVOURS."""
    if fk.ndim != 3 or fk.shape[1] != len(pids):
        raise ValueError(f"FK table of shape {fk.shape} does not match {len(pids)} channels")
    return np.einsum("dcx,cf->dfx", fk, rotation_matrix(pids))
