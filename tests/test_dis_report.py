"""The report of a real-data fit, on a stand-in problem and made-up replicas: its sections, the
covariance it states, and chi2 values checked against a direct computation."""

from __future__ import annotations

import numpy as np
import pytest
from dis_stubs import small_dis_runcard
from dis_stubs import stub_theory as stand_in_theory

from replifold.closure.fktables import linear_predictions
from replifold.closure.truth import make_truth
from replifold.dis import build
from replifold.io import read_npz
from replifold.postfit.replicas import ReplicaOutput
from replifold.problem import load_problem
from replifold.report.build import build_report
from replifold.report.dis import chi2_rows
from replifold.report.inputs import ReportInputs
from replifold.theory.cache import TheoryCache


def _inputs(fit_dir, runcard) -> ReportInputs:
    problem = load_problem(fit_dir / "data")
    truth = make_truth().xf(problem.xgrid)
    replicas = []
    for r, scale in enumerate((0.95, 1.0, 1.08), start=1):
        xf = scale * truth
        chi2 = {}
        for d in problem.datasets:
            residual = linear_predictions(d.fk, xf) - d.central
            chi2[d.name] = float(residual @ np.linalg.solve(d.covmat, residual))
        fit = {
            "chi2_exp": chi2,
            "ndata_exp": {d.name: d.ndata for d in problem.datasets},
            "chi2_tr": 1.0,
            "n_tr": 1,
            "chi2_vl": 1.0,
            "n_vl": 1,
            "best_epoch": 10,
            "last_epoch": 20,
        }
        replicas.append(ReplicaOutput(r, fit, problem.xgrid, xf))
    return ReportInputs(
        name=fit_dir.name,
        fit_dir=fit_dir,
        runcard=runcard,
        problem=problem,
        replicas=replicas,
        selected=(1, 2, 3),
        vetoes={"replicas": {}, "counts": {}, "iterations": 1},
        trials=None,
        best=None,
        provenance={"fit": fit_dir.name},
    )


@pytest.fixture
def fit(monkeypatch, tmp_path):
    runcard = small_dis_runcard()
    stand_in_theory(monkeypatch, runcard)
    build.write_problem(runcard, tmp_path / "dis-small" / "data", TheoryCache(tmp_path))
    return _inputs(tmp_path / "dis-small", runcard)


def test_report_sections_and_figures(fit):
    report = build_report(fit)
    for heading in (
        "Theory and data",
        "χ² per data set",
        "Data and theory",
        "PDFs at Q0 = 1.65 GeV",
    ):
        assert heading in report.html
    assert "Closure estimators" not in report.html and "truth" not in report.html
    assert "experimental (no t0 fit given)" in report.html
    assert "SLAC_NC_NOTFIXED_P_EM-F2" in report.html and "HERA_CC_318GEV_EP-SIGMARED" in report.html
    assert {"pdfs", "data_theory", "training"} <= set(report.figures)
    assert build_report(fit).figures == report.figures  # byte-stable


def test_chi2_table_matches_a_direct_computation(fit):
    problem = fit.problem
    xf = np.stack([r.xf for r in fit.replicas])
    predictions = np.stack(
        [np.concatenate([linear_predictions(d.fk, x) for d in problem.datasets]) for x in xf]
    )
    rows = chi2_rows(fit, predictions)
    mean = predictions.mean(axis=0)
    covmat = read_npz(fit.fit_dir / "data" / "dis" / "covmat_experimental.npz")["covmat"]
    residual = mean - problem.central
    assert float(rows[-1][2]) == pytest.approx(
        residual @ np.linalg.solve(covmat, residual) / problem.ndata, rel=1e-3
    )
    first = problem.datasets[0]
    residual = mean[first.slice] - first.central
    assert float(rows[0][2]) == pytest.approx(
        residual @ np.linalg.solve(first.covmat, residual) / first.ndata, rel=1e-3
    )
    replicas = np.mean([r.fit["chi2_exp"][first.name] for r in fit.replicas]) / first.ndata
    assert float(rows[0][3]) == pytest.approx(replicas, rel=1e-3)
    assert [row[1] for row in rows] == [33, 39, 72]
