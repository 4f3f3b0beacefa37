from __future__ import annotations

import math

import numpy as np
import pytest

from replifold.closure.grids import make_integration_grid, make_xgrid


def test_xgrid_joins_log_and_linear_parts_without_duplicate():
    grid = make_xgrid(30, 20, 1.0e-5, 0.1)
    assert grid.shape == (50,)
    assert np.all(np.diff(grid) > 0)
    assert grid[0] == pytest.approx(1.0e-5, rel=1e-12)
    assert grid[30] == pytest.approx(0.1, rel=1e-12)
    assert grid[-1] < 1.0
    assert np.allclose(np.diff(np.log(grid[:31])), np.log(1.0e4) / 30)
    assert np.allclose(np.diff(grid[30:]), 0.9 / 20)


@pytest.mark.parametrize(
    ("integrand", "exact"),
    [
        (lambda x: x**-0.5, 2.0),
        (lambda x: x**-1.1 * x, 1.0 / 0.9),
        (
            lambda x: x**-0.75 * (1 - x) ** 3.5,
            math.gamma(0.25) * math.gamma(4.5) / math.gamma(4.75),
        ),
        (lambda x: x**0.85 * (1 - x) ** 7, math.gamma(1.85) * math.gamma(8) / math.gamma(9.85)),
    ],
)
def test_quadrature_handles_power_laws(integrand, exact):
    x, w = make_integration_grid(256)
    assert np.all((x > 0) & (x < 1))
    assert w @ integrand(x) == pytest.approx(exact, rel=1e-7)


def test_quadrature_nodes_fit_in_float32_after_fit_preprocessing():
    x, _ = make_integration_grid(256)
    assert np.all(np.isfinite(x.astype(np.float32) ** np.float32(-1.25)))
