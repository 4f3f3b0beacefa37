"""The report's estimators, scan summary and figures on small known inputs."""

from __future__ import annotations

import numpy as np
import pytest

from replifold.report import figures
from replifold.report.closure import _estimators
from replifold.report.html import page, provenance_rows, table
from replifold.report.scan import best_trials, flatten, read_trials, varied_parameters


def test_estimators_match_their_definitions_with_unit_covariance():
    truth = np.zeros(4)
    # mean prediction 1 everywhere (bias 1), replicas at 1 +- 2 (variance 4): R_bv = 0.5, all covered
    predictions = np.array([[3.0] * 4, [-1.0] * 4])
    row = _estimators("D", np.eye(4), predictions, truth, data=np.full(4, 0.5))
    assert row.bias == pytest.approx(1.0)
    assert row.variance == pytest.approx(4.0)
    assert row.ratio == pytest.approx(0.5)
    assert row.coverage == 1.0
    assert row.chi2_central == pytest.approx(0.25) and row.chi2_truth == pytest.approx(0.25)


def test_estimators_use_the_covariance_and_count_uncovered_points():
    truth = np.zeros(2)
    predictions = np.array(
        [[2.0, 0.5], [2.0, 1.5]]
    )  # point 0 has no spread; point 1 misses by 1 > std 0.5
    row = _estimators("D", np.diag([4.0, 1.0]), predictions, truth, data=truth)
    assert row.bias == pytest.approx((4.0 / 4.0 + 1.0) / 2)
    assert row.variance == pytest.approx(0.25 / 2)
    assert row.coverage == 0.0


TRIES = [
    {
        "trial": 1,
        "round": 0,
        "status": "ok",
        "loss": 2.0,
        "reason": None,
        "fold_losses": [1.0, 3.0],
        "params": {
            "optimizer": {"optimizer_name": "Adam", "learning_rate": 0.01},
            "nodes_per_layer": [20, 8],
            "epochs": 900,
        },
    },
    {
        "trial": 0,
        "round": 0,
        "status": "ok",
        "loss": 1.5,
        "reason": None,
        "fold_losses": [1.5, 1.5],
        "params": {
            "optimizer": {"optimizer_name": "Nadam", "learning_rate": 0.001},
            "nodes_per_layer": [20, 8],
            "epochs": 900,
        },
    },
    {
        "trial": 2,
        "round": 1,
        "status": "fail",
        "loss": None,
        "reason": "diverged",
        "fold_losses": [None, 9.0],
        "params": {
            "optimizer": {"optimizer_name": "Adam", "learning_rate": 0.005},
            "nodes_per_layer": [20, 20, 8],
            "epochs": 900,
        },
    },
]


def test_scan_summary_orders_trials_and_finds_what_varied():
    trials = read_trials(TRIES)
    assert [t.trial for t in trials] == [0, 1, 2]
    assert [t.trial for t in best_trials(trials, 5)] == [0, 1]
    assert flatten(TRIES[2]["params"]) == {
        "optimizer.optimizer_name": "Adam",
        "optimizer.learning_rate": 0.005,
        "nodes_per_layer (count)": 3.0,
        "epochs": 900.0,
    }
    assert varied_parameters(trials) == [
        "nodes_per_layer (count)",
        "optimizer.learning_rate",
        "optimizer.optimizer_name",
    ]


def test_figures_are_png_and_byte_stable():
    trials = read_trials(TRIES)
    for make in (figures.scan_losses, figures.scan_parameters, figures.fold_losses):
        first, second = make(trials), make(trials)
        assert first.startswith(b"\x89PNG") and first == second
    xgrid = np.geomspace(1e-5, 1, 10)
    xf = np.random.default_rng(0).normal(size=(3, 8, 10))
    assert figures.pdf_bands(xgrid, xf, xf[0]) == figures.pdf_bands(xgrid, xf, xf[0])


def test_html_escapes_and_summarises_long_seed_lists():
    html = page("fit <x>", [table(["a"], [["<b>"], [1.5]])])
    assert (
        "<title>fit &lt;x&gt;</title>" in html
        and "&lt;b&gt;" in html
        and '<td class="num">1.5</td>' in html
    )
    rows = provenance_rows(
        {"seeds": {"replicas": {"1": {}, "2": {}}, "runcard": {"nnseed": 2}}, "fit": "f"}
    )
    assert ["seeds.replicas", "2 entries (see provenance.json in the archive)"] in rows
    assert ["seeds.runcard", '{"nnseed": 2}'] in rows and ["fit", "f"] in rows


def test_training_curves_and_multiclosure_figures_are_png_and_byte_stable():
    from replifold.report.histories import ReplicaHistory

    epochs = np.arange(0, 100, 10)
    curves = [
        ReplicaHistory(
            r,
            epochs,
            {
                "chi2_tr": 10.0 / (1 + epochs) + r,
                "chi2_vl": np.where(epochs > 60, np.nan, 2.0 + r),
                "positivity_loss": -1e-7 * np.ones(10),
                "integrability_loss": np.zeros(10),
            },
            best,
        )
        for r, best in ((1, 35), (2, -1))
    ]
    first = figures.training_curves(curves, selected=[1])
    assert first.startswith(b"\x89PNG") and first == figures.training_curves(curves, selected=[1])
    row = {
        "ndata": 3,
        "bias": 1.0,
        "variance": 1.0,
        "R_bv": 1.1,
        "R_bv_error": 0.1,
        "xi_1sigma": 0.6,
        "xi_1sigma_error": 0.05,
        "xi_expected_from_R_bv": 0.63,
        "xi_per_point": [0.5, 0.6, 0.7],
    }
    estimators = {
        "datasets": {"A": row},
        "total": row,
        "expected": {"R_bv": 1.0, "xi_1sigma": 0.6827},
        "draws": [0, 1],
        "replica_chi2": {
            "per_draw_and_replica": [[1.0, 2.0], [1.5, 1.2]],
            "truth_per_draw": [1.0, 1.1],
            "central_per_draw": [0.9, 1.0],
        },
        "delta_chi2": {"per_draw": [-0.1, 0.05]},
    }
    for make in (figures.multiclosure_summary, figures.multiclosure_chi2):
        png = make(estimators)
        assert png.startswith(b"\x89PNG") and png == make(estimators)
