"""The real-data problem assembled from a runcard, with stand-in FK tables (no theory run): what
lands in ``Problem`` and ``data/dis``, t0 and closure-test pseudo-data, determinism, setup errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from dis_stubs import DATASETS, small_dis_runcard
from dis_stubs import stub_theory as stand_in_theory

from replifold.closure.fktables import linear_predictions
from replifold.closure.truth import make_truth
from replifold.dis import build
from replifold.dis.covariance import Uncertainties, covariance_of
from replifold.errors import UserError
from replifold.io import write_json, write_npz
from replifold.problem import load_problem
from replifold.theory.cache import TheoryCache


@pytest.fixture(scope="module")
def runcard() -> dict:
    return small_dis_runcard()


@pytest.fixture
def stub_theory(monkeypatch, runcard):
    return stand_in_theory(monkeypatch, runcard)


def test_real_data_problem(runcard, stub_theory, tmp_path):
    plan, tables = stub_theory
    problem, extra = build.build_problem(runcard, TheoryCache(tmp_path))
    assert [d.name for d in problem.datasets] == [d["dataset"] for d in DATASETS]
    assert [d.ndata for d in problem.datasets] == [33, 39]  # NNPDF4.0's cuts
    np.testing.assert_array_equal(problem.xgrid, plan.xgrid)
    uncertainties = []
    for dataset, theory in zip(problem.datasets, plan.datasets, strict=True):
        commondata = theory.data.commondata().with_cuts(list(np.flatnonzero(theory.mask)))
        uncertainties.append(Uncertainties.from_commondata(commondata))
        np.testing.assert_array_equal(
            dataset.central, commondata.central_values.to_numpy()
        )  # real data
        np.testing.assert_array_equal(dataset.fk, tables[theory.fktable.digest])
        assert np.all(np.isnan(dataset.theory))  # no truth for real data
        np.testing.assert_allclose(
            dataset.covmat, np.diag(dataset.stat**2) + dataset.sys @ dataset.sys.T, rtol=1e-12
        )
        np.testing.assert_allclose(dataset.kinematics[:, 1] ** 2, theory.kinematics.q2)
    full = covariance_of(uncertainties)
    np.testing.assert_allclose(
        problem.covmat, full, rtol=1e-12
    )  # no t0: the experimental covariance
    np.testing.assert_allclose(extra["covmat_experimental"]["covmat"], full, rtol=1e-12)
    assert problem.meta["covariance"] == "experimental" and problem.meta["problem"] == "dis"
    assert problem.replica_data.shape == (3, 72) and not np.allclose(
        problem.replica_data[0], problem.replica_data[1]
    )
    assert problem.training_mask[:, :33].sum(axis=1).tolist() == [24] * 3  # int(0.75 * 33)
    assert [p.name for p in problem.positivity] == [
        "POS_XUQ",
        "POS_XDQ",
        "POS_XSQ",
        "POS_XGL",
        "POS_F2U",
    ]
    assert all(p.fk.shape[-1] == plan.xgrid.shape[0] for p in problem.positivity)


def test_written_problem_is_deterministic_and_loads(runcard, stub_theory, tmp_path):
    for folder in ("a", "b"):
        build.write_problem(runcard, tmp_path / folder, TheoryCache(tmp_path))
    files = sorted(
        p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file()
    )
    assert Path("dis") / "covmat_experimental.npz" in files
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    loaded = load_problem(tmp_path / "a")
    assert loaded.meta["dis"]["HERA_CC_318GEV_EP-SIGMARED"]["ndata"] == 39


def test_closure_test_on_real_kinematics(runcard, stub_theory, tmp_path):
    closure = {**runcard, "closuretest": {"filterseed": 5, "fakenoise": False}}
    problem, _ = build.build_problem(closure, TheoryCache(tmp_path))
    truth_xf = make_truth().xf(problem.xgrid)
    np.testing.assert_allclose(problem.truth_xf, truth_xf)
    for dataset in problem.datasets:
        level0 = linear_predictions(dataset.fk, truth_xf)
        np.testing.assert_allclose(dataset.theory, level0)
        np.testing.assert_allclose(dataset.central, level0)  # fakenoise false: level 0
    noisy, _ = build.build_problem(
        {**runcard, "closuretest": {"filterseed": 5, "fakenoise": True}}, TheoryCache(tmp_path)
    )
    assert not np.allclose(noisy.central, problem.central)
    assert noisy.meta["seeds"]["level1"] is not None


def test_t0_covariance_uses_the_previous_fit(runcard, stub_theory, tmp_path):
    plan, tables = stub_theory
    t0_dir = tmp_path / "t0fit"
    xf = make_truth().xf(plan.xgrid)
    write_json(t0_dir / "postfit" / "selected.json", {"selected": [1, 2]})
    write_npz(t0_dir / "fit" / "replica_1" / "grid.npz", {"xgrid": plan.xgrid, "xf": 0.9 * xf})
    write_npz(t0_dir / "fit" / "replica_2" / "grid.npz", {"xgrid": plan.xgrid, "xf": 1.1 * xf})
    with_t0 = {**runcard, "datacuts": {**runcard["datacuts"], "t0fit": str(t0_dir)}}
    problem, extra = build.build_problem(with_t0, TheoryCache(tmp_path))
    t0 = [linear_predictions(tables[d.fktable.digest], xf) for d in plan.datasets]
    uncertainties = [
        Uncertainties.from_commondata(d.data.commondata().with_cuts(list(np.flatnonzero(d.mask))))
        for d in plan.datasets
    ]
    np.testing.assert_allclose(problem.covmat, covariance_of(uncertainties, t0), rtol=1e-10)
    np.testing.assert_allclose(extra["HERA_CC_318GEV_EP-SIGMARED"]["t0"], t0[1], rtol=1e-12)
    assert problem.meta["covariance"] == "t0"
    assert not np.allclose(problem.covmat, extra["covmat_experimental"]["covmat"])


def test_t0_fit_without_postfit(runcard, stub_theory, tmp_path):
    with_t0 = {**runcard, "datacuts": {**runcard["datacuts"], "t0fit": str(tmp_path / "nothing")}}
    with pytest.raises(UserError, match="t0fit"):
        build.build_problem(with_t0, TheoryCache(tmp_path))


def test_missing_fk_table_names_the_verbs(runcard, tmp_path):
    with pytest.raises(UserError, match="theory-grid"):
        build.build_problem(runcard, TheoryCache(tmp_path))
