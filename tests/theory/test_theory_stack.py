"""The theory stack for real: yadism grid, eko operator and FK table on a tiny x-grid and a few
scales below the bottom threshold (so eko needs no matching), through the theory-cache entries
the workflow runs. The FK table convolved with a known PDF at Q0 must give yadism's own
prediction for that PDF evolved by eko, and PineAPPL's own convolution of the FK table.

Marked ``theory``: eko compiles its kernels with numba on first use (minutes, once per numba
cache). Run with ``pytest -m theory``.
"""

from __future__ import annotations

import numpy as np
import pytest

from replifold.closure.truth import make_truth
from replifold.problem import FLAVOURS
from replifold.theory.cache import TheoryCache
from replifold.theory.cards import load_theory_card
from replifold.theory.entries import build_fktable, build_grid, build_operator
from replifold.theory.fktables import fktable_key, read_fktable
from replifold.theory.grids import DisKinematics, DisObservable, grid_key
from replifold.theory.operators import operator_key

pytestmark = pytest.mark.theory

#: 14 nodes, log-spaced below x = 0.1 and linear above, as NNPDF's grid but coarse
XGRID = np.concatenate([np.geomspace(1.0e-3, 0.1, 7, endpoint=False), np.linspace(0.1, 1.0, 7)])
Q0 = 1.65
# Q0^2: no evolution at all; all below mb^2 = 24.2 GeV^2. The last point repeats the one before,
# as BCDMS repeats (x, Q^2) at several beam energies: PineAPPL's evolution merged such bins into one.
KINEMATICS = DisKinematics.from_arrays(
    x=[0.05, 0.01, 0.3, 0.05, 0.2, 0.2],
    q2=[Q0**2, 5.0, 5.0, 12.0, 12.0, 12.0],
    y=[0.5, 0.6, 0.3, 0.4, 0.2, 0.2],
)
OBSERVABLE = DisObservable("XSHERANC", projectile="positron", target="proton", current="NC")
PDG = {2: "u", -2: "ubar", 1: "d", -1: "dbar", 3: "s", -3: "sbar", 4: "c", -4: "c", 21: "g"}


@pytest.fixture(scope="module")
def card():
    return load_theory_card(40_000_000, {"PTO": 1, "FNS": "ZM-VFNS"})


@pytest.fixture(scope="module")
def built(card, tmp_path_factory):
    """Plan the three entries, build them as the workflow's jobs do, and build again."""
    cache = TheoryCache(tmp_path_factory.mktemp("cache"))
    grid = grid_key(card, OBSERVABLE, KINEMATICS, XGRID)
    scales = KINEMATICS.scales()
    operators = [
        operator_key(card, XGRID, scales[:2]),
        operator_key(card, XGRID, scales[2:]),
    ]  # two groups
    fktable = fktable_key(grid.digest, card, XGRID, scales)
    for key in (grid, *operators, fktable):
        cache.write_record(key)
    first = [
        build_grid(cache, grid.digest),
        *(build_operator(cache, op.digest) for op in operators),
        build_fktable(cache, fktable.digest, [op.digest for op in operators]),
    ]
    again = build_fktable(cache, fktable.digest, [op.digest for op in operators])
    return {
        "cache": cache,
        "first": first,
        "again": again,
        "fktable": first[-1].path,
        "operators": [r.path for r in first[1:3]],
    }


class _PDF:
    """What yadism and eko call a PDF: ``xfxQ2(pid, x, Q2)`` in the flavour basis."""

    def __init__(self, table):
        self.table = table  # (pid, x, Q2) -> x f

    def hasFlavor(self, pid):
        return pid in PDG

    def xfxQ2(self, pid, x, q2):
        return self.table(pid, x, q2)


def _truth_at_q0(pid, x, q2):
    if pid not in PDG:
        return 0.0
    return float(make_truth().xf(np.array([x]))[FLAVOURS.index(PDG[pid]), 0])


def _evolved_truth(operator_paths):
    """The truth evolved by eko to every scale, x f on the x-grid nodes."""
    import eko
    from eko.basis_rotation import flavor_basis_pids
    from ekobox.apply import apply_pdf

    evolved = {}
    for path in operator_paths:
        with eko.EKO.read(path) as operator:
            pdfs, _ = apply_pdf(operator, _PDF(_truth_at_q0))
            xgrid = operator.xgrid.raw
            for (q2, _nf), by_pid in pdfs.items():
                evolved[round(q2, 9)] = {pid: xgrid * by_pid[pid] for pid in flavor_basis_pids}

    def table(pid, x, q2):
        node = int(np.argmin(np.abs(XGRID - x)))
        assert np.isclose(XGRID[node], x, rtol=1e-10), f"yadism asked for x = {x} off the grid"
        return float(evolved[round(q2, 9)][pid][node])

    return _PDF(table)


def test_entries_are_built_once(built):
    assert all(result.built for result in built["first"])
    assert not built["again"].built


def test_fk_table_matches_yadism_with_eko_evolution(card, built):
    import yadism

    from replifold.theory.cards import yadism_theory
    from replifold.theory.grids import observables_card

    fk = read_fktable(built["fktable"], XGRID)
    assert fk.fk.shape == (KINEMATICS.npoints, len(FLAVOURS), XGRID.shape[0])
    assert fk.q0 == pytest.approx(Q0)
    predictions = np.einsum("dfx,fx->d", fk.fk, make_truth().xf(XGRID))

    output = yadism.run_yadism(yadism_theory(card), observables_card(OBSERVABLE, KINEMATICS, XGRID))
    yadism_values = np.array(
        [
            point["result"]
            for point in output.apply_pdf(_evolved_truth(built["operators"]))[OBSERVABLE.name]
        ]
    )
    np.testing.assert_allclose(predictions, yadism_values, rtol=1e-5)
    assert np.all(
        predictions > 0.1
    )  # reduced cross sections of order 1, not a trivially empty table


def test_fk_table_matches_pineappl_convolution(built):
    import pineappl

    table = pineappl.fk_table.FkTable.read(str(built["fktable"]))
    convolution = pineappl.convolutions.Conv(
        convolution_types=pineappl.convolutions.ConvType(polarized=False, time_like=False), pid=2212
    )
    expected = table.convolve(pdg_convs=[convolution], xfxs=[_truth_at_q0])
    fk = read_fktable(built["fktable"], XGRID)
    np.testing.assert_allclose(
        np.einsum("dfx,fx->d", fk.fk, make_truth().xf(XGRID)), expected, rtol=1e-12
    )
