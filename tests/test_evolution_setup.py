"""What the evolution is asked to compute, checked without running eko: theory, grids, cache key."""

from __future__ import annotations

import numpy as np
import pytest

from replifold.errors import RuncardError, UserError
from replifold.evolution.grids import MIN_BLOCK_KNOTS, export_xgrid, q_blocks, thresholds
from replifold.evolution.operator import FITTED_PIDS, operator_request, xf_operator
from replifold.evolution.settings import (
    CLOSURE_THEORY_ID,
    EvolutionSettings,
    XGridSettings,
    fit_theory,
)
from replifold.evolution.sum_rules import sum_rules
from replifold.problem import FLAVOURS
from replifold.runcard import expand_runcard
from replifold.theory.cards import load_theory_card

SETTINGS = EvolutionSettings(XGridSettings(30, 20, 1.0e-9, 0.1), 20, 1.0e5, 4)


def test_the_closure_problem_evolves_with_the_documented_default_theory(quick_runcard):
    quick_runcard.pop("evolution", None)
    card = fit_theory(expand_runcard(quick_runcard))
    assert card.id == CLOSURE_THEORY_ID == 40_000_001 and card.overrides == ()
    # the values the schema's evolution description states
    assert (card["PTO"], card["ModEv"], card["Q0"], card["nf0"], card["IC"]) == (
        1,
        "TRN",
        1.65,
        4,
        1,
    )
    assert (card["mc"], card["mb"], card["mt"], card["HQ"]) == (1.51, 4.92, 172.5, "POLE")
    assert (card["alphas"], card["Qref"], card["MaxNfPdf"]) == (0.118, 91.2, 5)


def test_closure_theory_overrides_and_the_theory_of_other_problems(quick_runcard):
    quick_runcard["evolution"] = {"closure_theory": {"id": CLOSURE_THEORY_ID, "PTO": 0}}
    runcard = expand_runcard(quick_runcard)
    assert fit_theory(runcard)["PTO"] == 0
    bad = {
        **runcard,
        "evolution": {
            **runcard["evolution"],
            "closure_theory": {"id": CLOSURE_THEORY_ID, "PT0": 1},
        },
    }
    with pytest.raises(RuncardError, match="evolution.closure_theory.PT0"):
        fit_theory(bad)
    scaled = {
        **runcard,
        "evolution": {
            **runcard["evolution"],
            "closure_theory": {"id": CLOSURE_THEORY_ID, "XIF": 2.0, "ModSV": "expanded"},
        },
    }
    with pytest.raises(UserError, match="XIF = 2.0"):
        fit_theory(scaled)
    dis = {**runcard, "problem": "dis", "theory": {"id": CLOSURE_THEORY_ID, "PTO": 2}}
    assert fit_theory(dis)["PTO"] == 2  # a dis fit evolves with its own theory section
    with pytest.raises(UserError, match="no theory card"):
        fit_theory({**dis, "theory": None})


def test_evolution_section_defaults_and_checks(quick_runcard):
    quick_runcard.pop("evolution", None)
    expanded = expand_runcard(quick_runcard)
    assert EvolutionSettings.from_runcard(expanded) == SETTINGS
    assert expanded["evolution"]["closure_theory"] == {"id": CLOSURE_THEORY_ID}
    quick_runcard["evolution"] = {"xgrid": {"x_min": 0.5, "x_switch": 0.1}}
    with pytest.raises(RuncardError, match="evolution.xgrid.x_min"):
        EvolutionSettings.from_runcard(expand_runcard(quick_runcard))
    quick_runcard["evolution"] = {"q_points": 2}
    with pytest.raises(RuncardError, match="evolution.q_points"):
        expand_runcard(quick_runcard)


def test_export_grid_reaches_1e_9_and_1():
    x = export_xgrid(SETTINGS.xgrid)
    assert x.size == 50 and x[0] == 1.0e-9 and x[-1] == 1.0 and np.all(np.diff(x) > 0)
    assert np.isclose(x[30], 0.1) and np.allclose(np.diff(np.log(x[:31])), np.log(x[1] / x[0]))


def test_q_blocks_split_at_the_thresholds_of_the_theory():
    card = load_theory_card(CLOSURE_THEORY_ID)
    blocks = q_blocks(card, SETTINGS)
    assert [b.nf for b in blocks] == [4, 5]  # Q0 = 1.65 GeV is above mc; no top (MaxNfPdf = 5)
    assert (
        blocks[0].q[0] == 1.65
        and blocks[0].q[-1] == blocks[1].q[0] == 4.92
        and blocks[-1].q[-1] == 1.0e5
    )
    assert all(b.q.size >= MIN_BLOCK_KNOTS and np.all(np.diff(b.q) > 0) for b in blocks)
    assert sum(b.q.size for b in blocks) == SETTINGS.q_points + len(blocks) - 1
    with_top = q_blocks(load_theory_card(CLOSURE_THEORY_ID, {"MaxNfPdf": 6}), SETTINGS)
    assert [b.nf for b in with_top] == [4, 5, 6] and with_top[1].q[-1] == 172.5
    below_charm = load_theory_card(CLOSURE_THEORY_ID, {"Q0": 1.0})
    assert [b.nf for b in q_blocks(below_charm, SETTINGS)] == [3, 4, 5]
    assert thresholds(below_charm, 1.0, 100.0) == [1.51, 4.92]


def test_operator_cache_key_follows_what_the_operator_depends_on():
    card = load_theory_card(CLOSURE_THEORY_ID)
    x = export_xgrid(SETTINGS.xgrid)
    blocks = q_blocks(card, SETTINGS)
    key = operator_request(card, x, blocks, 4).key()
    assert key == operator_request(load_theory_card(CLOSURE_THEORY_ID), x, blocks, 4).key()
    assert key.digest != operator_request(card, x[1:], blocks, 4).key().digest
    assert key.digest != operator_request(card, x, blocks[:1], 4).key().digest
    assert key.digest != operator_request(card, x, blocks, 3).key().digest
    assert (
        key.digest
        != operator_request(load_theory_card(CLOSURE_THEORY_ID, {"alphas": 0.119}), x, blocks, 4)
        .key()
        .digest
    )
    request = operator_request(card, x, blocks, 4)
    assert (
        request.targets.count((4.92, 4)) == request.targets.count((4.92, 5)) == 1
    )  # the threshold on both sides


def test_xf_operator_maps_fitted_flavours_to_set_flavours():
    """An identity operator on f gives x f back, with the fitted charm feeding c and cbar."""
    x = np.array([1e-3, 0.1, 0.5])
    eko_pids = (22, -6, -5, -4, -3, -2, -1, 21, 1, 2, 3, 4, 5, 6)
    identity = np.einsum("ab,jk->ajbk", np.eye(len(eko_pids)), np.eye(x.size))
    out_pids = (-5, -4, -3, -2, -1, 21, 1, 2, 3, 4, 5)
    operator = xf_operator(identity, x, out_pids, eko_pids)
    xf0 = np.arange(1.0, 1.0 + len(FLAVOURS) * x.size).reshape(len(FLAVOURS), x.size)
    evolved = np.einsum("ajbk,bk->aj", operator, xf0)
    for name, pids in FITTED_PIDS.items():
        for pid in pids:
            np.testing.assert_allclose(evolved[out_pids.index(pid)], xf0[FLAVOURS.index(name)])
    np.testing.assert_array_equal(evolved[out_pids.index(5)], 0.0)


def test_sum_rules_of_the_closure_truth():
    from replifold.closure.truth import make_truth

    x = export_xgrid(SETTINGS.xgrid)
    xf = make_truth().xf(x)
    pids = (2, -2, 1, -1, 3, -3, 4, -4, 21)
    rows = [FLAVOURS.index(f) for f in ("u", "ubar", "d", "dbar", "s", "sbar", "c", "c", "g")]
    rules = sum_rules(x, xf[rows], pids)
    assert rules["momentum"] == pytest.approx(1.0, abs=1e-4)
    assert rules["uv"] == pytest.approx(2.0, abs=2e-4) and rules["dv"] == pytest.approx(
        1.0, abs=2e-4
    )
    assert rules["sv"] == pytest.approx(0.0, abs=1e-12)
