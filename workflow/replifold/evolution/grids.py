"""The grids of an evolved set: export x knots down to x = 1e-9 and Q knots split at thresholds.

The x knots are both eko's interpolation grid and the LHAPDF grid's x knots (as evolven3fit
uses n3fit's export grid for both), so the set holds eko's result unchanged. The Q knots are
evenly spaced in ln ln(Q^2 / Lambda^2) with Lambda^2 = 0.0625 GeV^2, as evolven3fit spaces them:
dense at low Q, where PDFs change fastest. Every heavy-quark threshold crossed between Q0 and
q_max ends one block and starts the next (with one more active flavour), and each block gets
at least four knots, which LHAPDF's bicubic interpolation in Q needs.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from replifold.evolution.settings import EvolutionSettings, XGridSettings

LAMBDA2 = 0.0625  # GeV^2
MIN_BLOCK_KNOTS = 4
HEAVY_QUARKS = (
    ("c", 4),
    ("b", 5),
    ("t", 6),
)  # card key prefix, active flavours above its threshold


@dataclass(frozen=True, eq=False)
class QBlock:
    nf: int
    q: np.ndarray  # ascending knots [GeV], both ends included


def export_xgrid(settings: XGridSettings) -> np.ndarray:
    small = np.geomspace(settings.x_min, settings.x_switch, settings.n_small, endpoint=False)
    large = np.linspace(settings.x_switch, 1.0, settings.n_large)
    return np.concatenate([small, large])


def _loglog(q: np.ndarray | float) -> np.ndarray:
    return np.log(np.log(np.asarray(q, dtype=np.float64) ** 2 / LAMBDA2))


def _from_loglog(t: np.ndarray) -> np.ndarray:
    return np.sqrt(LAMBDA2 * np.exp(np.exp(t)))


def thresholds(card, q0: float, q_max: float) -> list[float]:
    """Matching scales k_q m_q crossed between Q0 and q_max, for flavours up to MaxNfPdf."""
    crossed = []
    for quark, nf_above in HEAVY_QUARKS:
        scale = float(card[f"m{quark}"]) * float(card[f"k{quark}Thr"])
        if nf_above <= int(card["MaxNfPdf"]) and q0 < scale < q_max:
            crossed.append(scale)
    return sorted(crossed)


def q_blocks(card, settings: EvolutionSettings) -> tuple[QBlock, ...]:
    from replifold.theory.cards import nf_at

    q0, q_max = float(card["Q0"]), settings.q_max
    if q_max <= q0:
        raise ValueError(f"q_max = {q_max} GeV is not above Q0 = {q0} GeV")
    edges = [q0, *thresholds(card, q0, q_max), q_max]
    uniform = np.linspace(_loglog(q0), _loglog(q_max), settings.q_points)
    blocks = []
    for low, high in itertools.pairwise(edges):
        t_low, t_high = _loglog(low), _loglog(high)
        inside = int(np.count_nonzero((uniform >= t_low) & (uniform < t_high)))
        knots = _from_loglog(np.linspace(t_low, t_high, max(inside + 1, MIN_BLOCK_KNOTS)))
        knots[0], knots[-1] = low, high  # exact edges: thresholds must coincide across blocks
        blocks.append(QBlock(nf_at(card, float(np.sqrt(low * high)) ** 2), knots))
    return tuple(blocks)
