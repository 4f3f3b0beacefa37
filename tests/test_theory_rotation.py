"""The evolution -> flavour rotation of FK tables, against eko's own basis rotation."""

from __future__ import annotations

import numpy as np
import pytest

from replifold.problem import FLAVOURS
from replifold.theory.rotation import EVOLUTION_TO_FLAVOUR, rotation_matrix, to_flavour_basis


def _pdg_vector(xf: np.ndarray) -> np.ndarray:
    """replifold's 8 flavours -> eko's 14 (photon, tbar..dbar, g, d..t) with cbar = c, no b, t, photon."""
    value = dict(zip(FLAVOURS, xf, strict=True))
    by_pid = {
        22: 0.0,
        -6: 0.0,
        -5: 0.0,
        -4: value["c"],
        -3: value["sbar"],
        -2: value["ubar"],
        -1: value["dbar"],
        21: value["g"],
        1: value["d"],
        2: value["u"],
        3: value["s"],
        4: value["c"],
        5: 0.0,
        6: 0.0,
    }
    from eko.basis_rotation import flavor_basis_pids

    return np.array([by_pid[p] for p in flavor_basis_pids])


def test_rows_match_eko_rotation():
    from eko.basis_rotation import evol_basis_pids, rotate_flavor_to_evolution

    rng = np.random.default_rng(1)
    for _ in range(5):
        xf = rng.normal(size=len(FLAVOURS))
        evolution = rotate_flavor_to_evolution @ _pdg_vector(xf)
        for pid, value in zip(evol_basis_pids, evolution, strict=True):
            assert EVOLUTION_TO_FLAVOUR[pid] @ xf == pytest.approx(value, abs=1e-12), pid


def test_known_rows():
    row = dict(zip(FLAVOURS, EVOLUTION_TO_FLAVOUR[115], strict=True))  # T15 = u+ + d+ + s+ - 3 c+
    assert row == {"u": 1, "ubar": 1, "d": 1, "dbar": 1, "s": 1, "sbar": 1, "c": -6, "g": 0}
    assert np.array_equal(
        EVOLUTION_TO_FLAVOUR[124], EVOLUTION_TO_FLAVOUR[100]
    )  # T24 = Sigma without b
    assert np.array_equal(
        EVOLUTION_TO_FLAVOUR[215], EVOLUTION_TO_FLAVOUR[200]
    )  # V15 = V with c- = 0


def test_fk_rotation_gives_equal_predictions():
    rng = np.random.default_rng(2)
    pids = [100, 21, 200, 203, 208, 215, 103, 108, 115]
    fk = rng.normal(size=(4, len(pids), 6))
    xf = rng.normal(size=(len(FLAVOURS), 6))
    evolution_xf = rotation_matrix(pids) @ xf  # (channels, nx)
    expected = np.einsum("dcx,cx->d", fk, evolution_xf)
    np.testing.assert_allclose(
        np.einsum("dfx,fx->d", to_flavour_basis(fk, pids), xf), expected, rtol=1e-12
    )


def test_unknown_channel():
    with pytest.raises(ValueError, match="evolution basis"):
        rotation_matrix([100, 2])
