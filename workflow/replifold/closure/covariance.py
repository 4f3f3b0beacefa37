"""Experimental uncertainties of a closure dataset and the covariance matrix they add up to."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from replifold.closure.catalogue import Uncertainties


@dataclass(frozen=True, eq=False)
class Errors:
    stat: np.ndarray  # (ndata,) absolute
    sys: np.ndarray  # (ndata, nsys) absolute, additive, fully correlated per source
    norm: float  # relative multiplicative normalisation

    def covmat(self, t0: np.ndarray) -> np.ndarray:
        """``diag(stat^2) + sys sys^T + norm^2 t0 t0^T``: the multiplicative part uses ``t0`` predictions,
        not the data, so that fluctuations do not bias the fit (the t0 prescription)."""
        return np.diag(self.stat**2) + self.sys @ self.sys.T + self.norm**2 * np.outer(t0, t0)


def make_errors(uncertainties: Uncertainties, theory: np.ndarray) -> Errors:
    """Uncertainties relative to ``theory``; systematic k varies smoothly along the dataset with
    ``1 + 0.5 cos(pi k t)`` (t in [0, 1]) so sources are correlated but not identical."""
    t = np.linspace(0.0, 1.0, theory.shape[0])
    shapes = [1.0 + 0.5 * np.cos(np.pi * (k + 1) * t) for k in range(len(uncertainties.sys))]
    sys = np.stack(
        [rel * shape * theory for rel, shape in zip(uncertainties.sys, shapes, strict=True)], axis=1
    )
    return Errors(stat=uncertainties.stat * theory, sys=sys, norm=float(uncertainties.norm))


def block_diagonal(blocks: list[np.ndarray]) -> np.ndarray:
    n = sum(b.shape[0] for b in blocks)
    out = np.zeros((n, n))
    start = 0
    for block in blocks:
        stop = start + block.shape[0]
        out[start:stop, start:stop] = block
        start = stop
    return out
