"""FK tables of the closure test: linear and bilinear maps from ``x f`` on the x-grid to observables.

A point's FK row is a flavour combination times interpolation weights, smeared toward larger x
by an evolution-like kernel ``sum_m k_m xf(x / z_m)`` whose reach grows with ``log Q^2`` (so
several grid points contribute, as in a real FK table). Interpolation is linear in ``log x``:
its weights are non-negative, so observables with non-negative coefficients stay positive for
a positive PDF, and the tables do not oscillate.
"""

from __future__ import annotations

import numpy as np

from replifold.closure.catalogue import DisSpec, HadronicSpec, PositivitySpec, positivity_spec
from replifold.problem import FLAVOURS, PositivitySet

KERNEL_TAU = np.array([0.0, 1.0 / 3.0, 2.0 / 3.0, 1.0])
KERNEL_WEIGHTS = np.exp(-1.5 * KERNEL_TAU) / np.exp(-1.5 * KERNEL_TAU).sum()
MAX_SPREAD = 0.25  # largest 1 - z of the kernel
SPREAD_PER_LOG_Q2 = 0.04


def kernel_spread(q: float) -> float:
    """How far (in ``1 - z``) the kernel reaches at scale ``q`` [GeV]: zero at 1 GeV, capped."""
    return float(min(MAX_SPREAD, SPREAD_PER_LOG_Q2 * max(0.0, np.log(q * q))))


def interpolation_weights(xgrid: np.ndarray, x: float) -> np.ndarray:
    """Weights ``w`` with ``w . g(xgrid) ~ g(x)``: linear in ``log x`` between the two bracketing nodes."""
    if not xgrid[0] <= x <= xgrid[-1]:
        raise ValueError(f"x = {x} lies outside the grid [{xgrid[0]}, {xgrid[-1]}]")
    weights = np.zeros(xgrid.shape[0])
    upper = int(np.searchsorted(xgrid, x, side="left"))
    if xgrid[upper] == x:
        weights[upper] = 1.0
        return weights
    lo, hi = np.log(xgrid[upper - 1]), np.log(xgrid[upper])
    t = (np.log(x) - lo) / (hi - lo)
    weights[upper - 1], weights[upper] = 1.0 - t, t
    return weights


def smeared_weights(xgrid: np.ndarray, x: float, q: float) -> np.ndarray:
    """Interpolation weights of the kernel's points ``x / z_m`` (kept on the grid), summed with ``k_m``."""
    z = 1.0 - kernel_spread(q) * KERNEL_TAU
    points = np.minimum(x / z, xgrid[-1])
    return sum(
        k * interpolation_weights(xgrid, p) for k, p in zip(KERNEL_WEIGHTS, points, strict=True)
    )


def dis_fk(spec: DisSpec, xgrid: np.ndarray) -> np.ndarray:
    """(ndata, 8, nx): quark coefficients plus a gluon admixture growing with the kernel's reach."""
    kinematics = spec.kinematics()
    fk = np.zeros((spec.ndata, len(FLAVOURS), xgrid.shape[0]))
    gluon = FLAVOURS.index("g")
    for i, (x, q, _) in enumerate(kinematics):
        coefficients = np.asarray(spec.quarks)
        coefficients[gluon] = spec.gluon * kernel_spread(q) / MAX_SPREAD
        fk[i] = np.outer(coefficients, smeared_weights(xgrid, x, q))
    return fk


def hadronic_x(kinematics: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Momentum fractions of the two incoming partons, ``M / sqrt(s) * exp(+-y)``."""
    y, mass, sqrt_s = kinematics.T
    tau = mass / sqrt_s
    return tau * np.exp(y), tau * np.exp(-y)


def hadronic_fk(spec: HadronicSpec, xgrid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ndata, nchan, nx, nx) table and its (nchan, 2, 8) channels; a point feeds only its subprocess's channels."""
    channels = spec.channels
    kinematics = spec.kinematics()
    x1, x2 = hadronic_x(kinematics)
    nx = xgrid.shape[0]
    fk = np.zeros((spec.ndata, len(channels), nx, nx))
    point, first_channel = 0, 0
    for sub in spec.subprocesses:
        for _ in range(sub.npoints):
            q = kinematics[point, 1]
            lumi = np.outer(
                smeared_weights(xgrid, x1[point], q), smeared_weights(xgrid, x2[point], q)
            )
            for c, channel in enumerate(sub.channels):
                fk[point, first_channel + c] = channel.weight * lumi
            point += 1
        first_channel += len(sub.channels)
    table = np.array([[c.a, c.b] for c in channels], dtype=np.float64)
    return fk, table


def positivity_fk(spec: PositivitySpec, xgrid: np.ndarray) -> np.ndarray:
    """(npoints, 8, nx): the combination at each x, smeared at ``Q_POSITIVITY`` if the spec asks."""
    kinematics = spec.kinematics()
    fk = np.zeros((kinematics.shape[0], len(FLAVOURS), xgrid.shape[0]))
    for i, (x, q, _) in enumerate(kinematics):
        weights = smeared_weights(xgrid, x, q) if spec.smeared else interpolation_weights(xgrid, x)
        fk[i] = np.outer(spec.coefficients, weights)
    return fk


def positivity_sets(names: tuple[str, ...], xgrid: np.ndarray) -> tuple[PositivitySet, ...]:
    """The built-in positivity sets ``names`` on ``xgrid`` (any problem's grid)."""
    specs = [positivity_spec(name) for name in names]
    return tuple(
        PositivitySet(name=s.name, fk=positivity_fk(s, xgrid), kinematics=s.kinematics())
        for s in specs
    )


def linear_predictions(fk: np.ndarray, xf: np.ndarray) -> np.ndarray:
    return np.einsum("dfj,fj->d", fk, xf)


def bilinear_predictions(fk: np.ndarray, channels: np.ndarray, xf: np.ndarray) -> np.ndarray:
    lumi_a = channels[:, 0, :] @ xf
    lumi_b = channels[:, 1, :] @ xf
    return np.einsum("dcij,ci,cj->d", fk, lumi_a, lumi_b)
