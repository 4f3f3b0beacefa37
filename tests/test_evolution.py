"""`replifold evolve` with eko on a small fit, read back by pdfflow (the theory suite: pytest -m theory).

The fit is three untrained replicas of the quick runcard's network (training does not matter to
evolution; the sum rules hold by the network's normalisation), postfit keeping replicas 1 and 3.
The evolution is LO on the default 50 x knots down to 1e-9 and 10 Q knots from 1.65 GeV to 1e5
GeV: about a minute of eko once numba's cache is warm; the first eko call of a cold cache
compiles for minutes. Every value is checked through pdfflow, which shares no code with replifold.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from replifold.cli import main
from replifold.closure.grids import make_integration_grid, make_xgrid
from replifold.evolution.grids import export_xgrid
from replifold.evolution.operator import OperatorRequest, compute_operator, xf_operators
from replifold.evolution.settings import CLOSURE_THEORY_ID, EvolutionSettings
from replifold.evolution.sum_rules import sum_rules
from replifold.io import read_json, write_json
from replifold.lhapdf.reader import read_set
from replifold.problem import FLAVOURS
from replifold.runcard import dump_runcard, expand_runcard
from replifold.theory.cards import load_theory_card

pytestmark = pytest.mark.theory

FIT = "evolvefit"
REPLICAS = (1, 2, 3)
SELECTED = (1, 3)
# LO (as the quick campaign): no threshold matching to compile; 50 x knots, the default, keep the sum
# rules within ~1e-3 at 100 GeV (20 knots lose 0.7% of the momentum there, eko's interpolation)
EVOLUTION = {
    "closure_theory": {"id": 40_000_001, "PTO": 0},
    "xgrid": {"n_small": 30, "n_large": 20},
    "q_points": 8,
}
# LHAPDF id of each fitted flavour (charm feeds c and cbar)
FITTED = {"u": 2, "ubar": -2, "d": 1, "dbar": -1, "s": 3, "sbar": -3, "c": 4, "g": 21}


def replica_models(runcard: dict):
    from replifold.model import ModelSpec, StackedPDF
    from replifold.seeding import nn_seed

    grid = runcard["closure"]["xgrid"]
    integration_x, integration_w = make_integration_grid(runcard["closure"]["integration_points"])
    return StackedPDF(
        ModelSpec.from_runcard(runcard),
        [nn_seed(runcard["nnseed"], r) for r in REPLICAS],
        make_xgrid(grid["n_small"], grid["n_large"], grid["x_min"], grid["x_switch"]),
        integration_x,
        integration_w,
    )


@pytest.fixture(scope="module")
def fit(tmp_path_factory, _quick_runcard_pristine):
    """A fit folder as split and postfit leave it, and the stacked model its replicas came from."""
    from replifold.layout import FitLayout
    from replifold.training.weights import save_model, save_weights

    card = {
        **_quick_runcard_pristine,
        "replicas": len(REPLICAS),
        "replicas_per_job": len(REPLICAS),
        "evolution": EVOLUTION,
    }
    runcard = expand_runcard(card)
    fit_dir = tmp_path_factory.mktemp("fits") / FIT
    fit_dir.mkdir()
    (fit_dir / "runcard.yml").write_text(dump_runcard(runcard), encoding="utf-8")
    model = replica_models(runcard)
    layout = FitLayout(fit_dir)
    save_model(model, layout.batch(0), list(REPLICAS))
    for index, replica in enumerate(REPLICAS):
        save_weights(model.single_replica(index), layout.replica(replica).weights)
    write_json(fit_dir / "postfit" / "selected.json", {"selected": list(SELECTED)})
    return fit_dir, model, runcard


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("theory-cache")


@pytest.fixture(scope="module")
def evolved(fit, cache):
    fit_dir, _, _ = fit
    assert main(["evolve", str(fit_dir), "--theory-cache", str(cache)]) == 0
    return fit_dir / "lhapdf" / FIT


@pytest.fixture(scope="module")
def pdfflow_set(evolved):
    pdfflow = pytest.importorskip("pdfflow")
    return pdfflow.mkPDFs(FIT, list(range(len(SELECTED) + 1)), dirname=str(evolved.parent))


def test_the_set_has_the_selected_replicas_renumbered_and_their_mean(evolved):
    lhapdf_set = read_set(evolved)
    assert lhapdf_set.members == 3 and lhapdf_set.from_replica == SELECTED
    assert lhapdf_set.info["NumMembers"] == 3 and lhapdf_set.info["ErrorType"] == "replicas"
    assert lhapdf_set.x[0] == 1e-9 and lhapdf_set.x[-1] == 1.0
    assert lhapdf_set.blocks[0].q[0] == 1.65 and lhapdf_set.blocks[-1].q[-1] == 1e5
    for block in lhapdf_set.blocks:
        # members are written with 9 significant digits: the mean of the written replicas is member 0
        # within that rounding, relative to the largest values (members can cancel in the mean)
        np.testing.assert_allclose(
            block.xf[0], block.xf[1:].mean(axis=0), rtol=1e-7, atol=1e-8 * np.abs(block.xf).max()
        )


def test_at_q0_the_set_is_the_fitted_network(evolved, fit):
    _, model, _ = fit
    lhapdf_set = read_set(evolved)
    x = lhapdf_set.x
    network = model.pdf_at(x).astype(np.float64)  # (3 replicas, 8 flavours, nx)
    at_q0 = lhapdf_set.blocks[0].xf[:, :, 0, :]  # (members, nx, pids)
    for member, replica in enumerate(SELECTED, start=1):
        for name, pid in FITTED.items():
            expected = network[REPLICAS.index(replica), FLAVOURS.index(name)]
            # eko's operator at Q0 is the identity up to its Mellin inversion, integrated to epsrel = 1e-5
            scale = np.abs(network[REPLICAS.index(replica)]).max()
            np.testing.assert_allclose(
                at_q0[member, :, lhapdf_set.pids.index(pid)], expected, rtol=1e-5, atol=2e-5 * scale
            )
        np.testing.assert_allclose(
            at_q0[member, :, lhapdf_set.pids.index(-4)], at_q0[member, :, lhapdf_set.pids.index(4)]
        )
        np.testing.assert_array_equal(at_q0[member, :, lhapdf_set.pids.index(5)], 0.0)


def test_alpha_s_of_the_info_is_the_theorys(evolved, pdfflow_set):
    lhapdf_set = read_set(evolved)
    info = lhapdf_set.info
    assert info["AlphaS_MZ"] == 0.118 and info["MZ"] == 91.2 and info["OrderQCD"] == 0
    q = np.array(info["AlphaS_Qs"])
    values = np.array(info["AlphaS_Vals"])
    assert np.all(np.diff(values[q != 4.92]) < 0)  # asymptotic freedom
    np.testing.assert_allclose(
        pdfflow_set.py_alphasQ2([91.2**2]), [0.118], rtol=2e-3
    )  # interpolated between knots


def _reference(
    cache, request: OperatorRequest, q: np.ndarray, xf0: np.ndarray, x: np.ndarray
) -> np.ndarray:
    """x f evolved by eko straight to the scales q and interpolated to x with eko's own basis:
    (replicas, points, pids), the values the set must reproduce between its knots."""
    from eko.interpolation import InterpolatorDispatcher

    from replifold.theory.cards import nf_at

    targets = tuple(sorted({(float(v), nf_at(request.card, float(v) ** 2)) for v in q}))
    direct = OperatorRequest(request.card, request.xgrid, targets, request.interpolation_degree)
    path = compute_operator(direct, cache / "reference" / "operator.tar")
    pids = (-5, -4, -3, -2, -1, 21, 1, 2, 3, 4, 5)
    at_q = {
        target: np.einsum("ajbk,rbk->raj", operator, xf0)
        for target, operator in xf_operators(path, pids)
    }
    knots = np.array(request.xgrid)
    basis = InterpolatorDispatcher(knots, request.interpolation_degree, mode_N=False)
    out = np.empty((xf0.shape[0], q.size, len(pids)))
    for point, (xv, qv) in enumerate(zip(x, q)):
        target = next(t for t in at_q if np.isclose(t[0], qv, rtol=1e-12))
        weights = basis.get_interpolation([xv])[0]  # eko interpolates f, not x f
        out[:, point] = xv * (at_q[target] / knots) @ weights
    return out


def test_values_at_random_points_are_the_evolution_within_interpolation_tolerance(
    evolved, fit, cache, pdfflow_set, record_property
):
    fit_dir, model, runcard = fit
    card = load_theory_card(CLOSURE_THEORY_ID, {"PTO": 0})
    settings = EvolutionSettings.from_runcard(runcard)
    xgrid = export_xgrid(settings.xgrid)
    summary = read_json(fit_dir / "lhapdf" / "evolution.json")
    request = OperatorRequest(card, tuple(xgrid), (), settings.interpolation_degree)
    rng = np.random.default_rng(13)
    x = np.exp(rng.uniform(np.log(1e-6), np.log(0.9), 8))
    q = np.exp(rng.uniform(np.log(2.0), np.log(3000.0), 4))[
        np.arange(8) % 4
    ]  # 4 scales: 4 eko targets
    xf0 = model.pdf_at(xgrid).astype(np.float64)[[REPLICAS.index(r) for r in SELECTED]]
    reference = _reference(cache, request, q, xf0, x)
    pids = read_set(evolved).pids
    theirs = np.asarray(pdfflow_set.py_xfxQ2(list(pids), x, q**2))[1:]
    scale = np.abs(reference).max(axis=(0, 1), keepdims=True)  # per flavour
    difference = np.abs(theirs - reference) / np.maximum(scale, 1e-12)
    record_property("max_relative_difference", float(difference.max()))
    print(
        f"pdfflow - eko at {x.size} random (x, Q): max |difference| / max |x f| per flavour = {difference.max():.3g}"
    )
    assert summary["xgrid"]["points"] == 50
    # 10 Q knots over 5 decades: LHAPDF's cubic in log Q^2 against eko at the scale itself
    assert difference.max() < 1e-2, difference.max()


def test_sum_rules_hold_on_the_evolved_grids_at_three_scales(
    evolved, pdfflow_set, fit, record_property
):
    fit_dir, _, _ = fit
    lhapdf_set = read_set(evolved)
    x = lhapdf_set.x
    found = {}
    for q in (1.65, 10.0, 100.0):
        values = np.asarray(pdfflow_set.py_xfxQ2(list(lhapdf_set.pids), x, np.full(x.size, q * q)))[
            1:
        ]
        rules = sum_rules(x, values.transpose(0, 2, 1), lhapdf_set.pids)
        found[q] = {name: v.tolist() for name, v in rules.items()}
        np.testing.assert_allclose(rules["momentum"], 1.0, atol=2e-3)
        np.testing.assert_allclose(rules["uv"], 2.0, atol=1e-3)
        np.testing.assert_allclose(rules["dv"], 1.0, atol=1e-3)
        np.testing.assert_allclose(rules["sv"], 0.0, atol=1e-3)
    record_property("sum_rules", found)
    for q, rules in found.items():
        print(
            f"Q = {q:g} GeV: "
            + ", ".join(f"{k} {np.mean(v):.6f} ± {np.std(v):.1e}" for k, v in rules.items())
        )
    summary = read_json(fit_dir / "lhapdf" / "evolution.json")
    assert [row["q"] for row in summary["sum_rules"]] == [1.65, 10.0, 100.0]


def test_a_second_evolve_reads_the_operator_from_the_cache_and_writes_the_same_bytes(
    evolved, fit, cache, tmp_path, capsys
):
    fit_dir, _, _ = fit
    before = {p.name: p.read_bytes() for p in evolved.iterdir()}
    copy = tmp_path / FIT
    shutil.copytree(fit_dir, copy, ignore=shutil.ignore_patterns("lhapdf"))
    capsys.readouterr()
    assert main(["evolve", str(copy), "--theory-cache", str(cache)]) == 0
    assert "from the cache" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in (copy / "lhapdf" / FIT).iterdir()} == before
    assert read_json(copy / "lhapdf" / "evolution.timing.json")["operator_computed"] is False
    assert (copy / "lhapdf" / "evolution.json").read_bytes() == (
        fit_dir / "lhapdf" / "evolution.json"
    ).read_bytes()


def test_report_and_compare_draw_the_evolved_set(evolved, fit, tmp_path):
    fit_dir, _, _ = fit
    out = tmp_path / "compare"
    assert main(["compare", str(fit_dir), str(evolved), "-o", str(out)]) == 0
    assert (out / "index.html").read_text().count("<img") == 3
