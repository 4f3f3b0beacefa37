from __future__ import annotations

import numpy as np
import pytest

from replifold.closure.grids import make_integration_grid, make_xgrid
from replifold.closure.truth import make_truth
from replifold.problem import FLAVOURS

IDX = {f: i for i, f in enumerate(FLAVOURS)}


@pytest.fixture(scope="module")
def quadrature():
    x, w = make_integration_grid(256)
    return x, w, make_truth().flavours(x)


def test_valence_sum_rules_hold_numerically(quadrature):
    _, w, f = quadrature
    assert w @ (f[IDX["u"]] - f[IDX["ubar"]]) == pytest.approx(2.0, abs=1e-6)
    assert w @ (f[IDX["d"]] - f[IDX["dbar"]]) == pytest.approx(1.0, abs=1e-6)
    assert w @ (f[IDX["s"]] - f[IDX["sbar"]]) == pytest.approx(0.0, abs=1e-12)


def test_momentum_sum_rule_counts_charm_twice(quadrature):
    x, w, f = quadrature
    quarks = sum(f[IDX[q]] for q in ("u", "ubar", "d", "dbar", "s", "sbar")) + 2.0 * f[IDX["c"]]
    assert w @ (x * (quarks + f[IDX["g"]])) == pytest.approx(1.0, abs=1e-6)


def test_analytic_moments_match_quadrature(quadrature):
    x, w, _ = quadrature
    for name, shape in make_truth().components.items():
        assert w @ (x * shape(x)) == pytest.approx(shape.moment(1), rel=1e-7), name


def test_truth_is_positive_and_nnpdf_like():
    x = make_xgrid(30, 20, 1.0e-5, 0.1)
    xf = make_truth().xf(x)
    assert np.all(xf > 0)
    assert np.array_equal(xf[IDX["s"]], xf[IDX["sbar"]])
    small = x < 1e-3
    slope = np.polyfit(np.log(x[small]), np.log(xf[IDX["g"], small]), 1)[0]
    assert -0.25 < slope < -0.05
    assert np.all(xf[IDX["dbar"], (x > 0.05) & (x < 0.3)] > xf[IDX["ubar"], (x > 0.05) & (x < 0.3)])
