"""LHAPDF's log-bicubic interpolation, vectorised over points, members and flavours.

As LHAPDF's ``LogBicubicInterpolator``: the block is the last one whose first Q knot is at or
below Q (so a threshold scale belongs to the block above it); in each block, a cubic Hermite
polynomial in log x between the two surrounding x knots, with derivatives from the average of
the neighbouring finite differences (one-sided at the ends), at the surrounding Q knots; then
the same in log Q^2 across those values. Blocks with fewer than four Q knots fall back to
linear interpolation in log Q^2 (LHAPDF needs four for the bicubic).
"""

from __future__ import annotations

import numpy as np

from replifold.errors import UserError
from replifold.lhapdf.grid import LhapdfSet


def _below(knots: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Index of the knot at or below each value, never the last knot."""
    return np.clip(np.searchsorted(knots, values, side="right") - 1, 0, knots.size - 2)


def _hermite(t: np.ndarray, low, d_low, high, d_high):
    t2, t3 = t * t, t * t * t
    return (
        (2 * t3 - 3 * t2 + 1) * low
        + (t3 - 2 * t2 + t) * d_low
        + (-2 * t3 + 3 * t2) * high
        + (t3 - t2) * d_high
    )


def _log_x_derivative(xf: np.ndarray, log_x: np.ndarray) -> np.ndarray:
    """d xf / d log x at every knot of ``xf`` (..., nx, nq, npids)."""
    slopes = np.diff(xf, axis=-3) / np.diff(log_x)[:, None, None]
    derivative = np.empty_like(xf)
    derivative[..., 0, :, :] = slopes[..., 0, :, :]
    derivative[..., -1, :, :] = slopes[..., -1, :, :]
    derivative[..., 1:-1, :, :] = 0.5 * (slopes[..., 1:, :, :] + slopes[..., :-1, :, :])
    return derivative


def _block_values(
    xf: np.ndarray, x_knots: np.ndarray, q_knots: np.ndarray, x: np.ndarray, q: np.ndarray
) -> np.ndarray:
    """(members, npoints, npids) in one block."""
    log_x, log_q2 = np.log(x_knots), np.log(q_knots**2)
    dxf = _log_x_derivative(xf, log_x)
    ix = _below(x_knots, x)
    width_x = log_x[ix + 1] - log_x[ix]
    tx = ((np.log(x) - log_x[ix]) / width_x)[:, None]

    def cubic_in_x(iq: np.ndarray) -> np.ndarray:
        return _hermite(
            tx,
            xf[:, ix, iq],
            dxf[:, ix, iq] * width_x[:, None],
            xf[:, ix + 1, iq],
            dxf[:, ix + 1, iq] * width_x[:, None],
        )

    nq = q_knots.size
    iq = _below(q_knots, q)
    width_q = log_q2[iq + 1] - log_q2[iq]
    tq = ((np.log(q**2) - log_q2[iq]) / width_q)[:, None]
    low, high = cubic_in_x(iq), cubic_in_x(iq + 1)
    if nq < 4:
        return low + tq * (high - low)
    slope = (high - low) / width_q[:, None]
    first, last = iq == 0, iq + 1 == nq - 1
    lower = cubic_in_x(np.maximum(iq - 1, 0))
    upper = cubic_in_x(np.minimum(iq + 2, nq - 1))
    width_below = np.where(first, 1.0, log_q2[iq] - log_q2[np.maximum(iq - 1, 0)])[:, None]
    width_above = np.where(last, 1.0, log_q2[np.minimum(iq + 2, nq - 1)] - log_q2[iq + 1])[:, None]
    d_low = np.where(first[:, None], slope, 0.5 * (slope + (low - lower) / width_below))
    d_high = np.where(last[:, None], slope, 0.5 * (slope + (upper - high) / width_above))
    return _hermite(tq, low, d_low * width_q[:, None], high, d_high * width_q[:, None])


def interpolate(lhapdf_set: LhapdfSet, x: np.ndarray, q: np.ndarray) -> np.ndarray:
    """x f of every member at the points (x[i], q[i]): shape (members, npoints, npids)."""
    x, q = np.broadcast_arrays(
        np.asarray(x, dtype=np.float64).ravel(), np.asarray(q, dtype=np.float64).ravel()
    )
    knots = lhapdf_set.x
    if np.any((x < knots[0]) | (x > knots[-1])):
        raise UserError(f"{lhapdf_set.name}: x outside the grid's [{knots[0]:g}, {knots[-1]:g}]")
    starts = np.array([block.q[0] for block in lhapdf_set.blocks])
    q_max = lhapdf_set.blocks[-1].q[-1]
    if np.any((q < starts[0]) | (q > q_max)):
        raise UserError(f"{lhapdf_set.name}: Q outside the grid's [{starts[0]:g}, {q_max:g}] GeV")
    which = np.searchsorted(starts, q, side="right") - 1
    out = np.empty((lhapdf_set.members, x.size, len(lhapdf_set.pids)))
    for b, block in enumerate(lhapdf_set.blocks):
        points = np.flatnonzero(which == b)
        if points.size:
            out[:, points] = _block_values(block.xf, knots, block.q, x[points], q[points])
    return out


def at_scale(lhapdf_set: LhapdfSet, x: np.ndarray, q: float) -> np.ndarray:
    """x f of every member on the x points at one scale: (members, npids, nx)."""
    x = np.asarray(x, dtype=np.float64).ravel()
    return interpolate(lhapdf_set, x, np.full(x.size, float(q))).transpose(0, 2, 1)
