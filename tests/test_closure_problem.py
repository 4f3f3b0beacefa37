from __future__ import annotations

import copy
import dataclasses
import hashlib
from pathlib import Path

import numpy as np
import pytest
import yaml

from replifold.closure.fktables import bilinear_predictions, linear_predictions
from replifold.closure.generate import build_problem, write_problem
from replifold.closure.request import ClosureRequest
from replifold.errors import RuncardError
from replifold.problem import FLAVOURS, PROCESS_TYPES, load_problem

QUICK = Path(__file__).resolve().parents[1] / "config" / "runcards" / "closure-quick.yml"


@pytest.fixture(scope="module")
def runcard() -> dict:
    return yaml.safe_load(QUICK.read_text())


@pytest.fixture(scope="module")
def problem(runcard):
    return build_problem(ClosureRequest.from_runcard(runcard))[0]


def _digests(root: Path) -> dict[str, str]:
    files = (p for p in root.rglob("*") if p.is_file())
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def test_rerun_gives_byte_identical_files(runcard, tmp_path):
    write_problem(runcard, tmp_path / "a")
    write_problem(runcard, tmp_path / "b")
    first = _digests(tmp_path / "a")
    assert first == _digests(tmp_path / "b")
    expected = {"meta.json", "grid.npz", "truth.npz", "covmat.npz"}  # no replica: drawn when loaded
    expected |= {f"datasets/{d['dataset']}.npz" for d in runcard["dataset_inputs"]}
    expected |= {f"positivity/{p['dataset']}.npz" for p in runcard["positivity"]["posdatasets"]}
    assert set(first) == expected


def test_load_problem_round_trips(runcard, problem, tmp_path):
    write_problem(runcard, tmp_path)
    loaded = load_problem(tmp_path, problem.replica_ids.tolist())
    for name in (
        "xgrid",
        "integration_x",
        "integration_w",
        "truth_xf",
        "covmat",
        "replica_ids",
        "replica_data",
        "training_mask",
    ):
        written, read = getattr(problem, name), getattr(loaded, name)
        assert read.dtype == written.dtype and np.array_equal(read, written), name
    assert loaded.folds == problem.folds
    assert loaded.meta == problem.meta
    assert len(loaded.datasets) == len(problem.datasets)
    for a, b in zip(problem.datasets, loaded.datasets, strict=True):
        for field in dataclasses.fields(a):
            x, y = getattr(a, field.name), getattr(b, field.name)
            if isinstance(x, np.ndarray):
                assert np.array_equal(x, y), (a.name, field.name)
            else:
                assert x == y, (a.name, field.name)
    for a, b in zip(problem.positivity, loaded.positivity, strict=True):
        assert (
            a.name == b.name
            and np.array_equal(a.fk, b.fk)
            and np.array_equal(a.kinematics, b.kinematics)
        )


def test_shapes_sizes_and_processes(runcard, problem):
    nx = problem.xgrid.shape[0]
    assert {d.process for d in problem.datasets} == set(PROCESS_TYPES)
    offset = 0
    for d in problem.datasets:
        assert 15 <= d.ndata <= 60 and d.offset == offset
        offset += d.ndata
        assert d.kinematics.shape == (d.ndata, 3)
        if d.bilinear:
            assert d.fk.shape == (d.ndata, d.channels.shape[0], nx, nx)
            assert d.channels.shape[1:] == (2, len(FLAVOURS))
        else:
            assert d.fk.shape == (d.ndata, len(FLAVOURS), nx)
        assert d.sys.shape[0] == d.ndata and 2 <= d.sys.shape[1] <= 5
    assert (
        problem.ndata == offset == problem.replica_data.shape[1] == problem.training_mask.shape[1]
    )
    assert problem.folds == tuple(tuple(p["datasets"]) for p in runcard["kfold"]["partitions"])


def test_theory_is_the_truth_convolved_and_positive(problem):
    for d in problem.datasets:
        if d.bilinear:
            expected = bilinear_predictions(d.fk, d.channels, problem.truth_xf)
        else:
            expected = linear_predictions(d.fk, problem.truth_xf)
        assert np.array_equal(d.theory, expected)
        assert np.all(d.theory > 0), d.name
    for p in problem.positivity:
        assert p.fk.shape == (p.npoints, len(FLAVOURS), problem.xgrid.shape[0])
        assert np.all(linear_predictions(p.fk, problem.truth_xf) > 0), p.name


def test_linear_fk_rows_spread_over_several_grid_points(problem):
    d = problem.dataset("DIS_NC_P")
    contributing = (np.abs(d.fk).sum(axis=1) > 0).sum(axis=1)
    assert contributing.max() >= 4


def test_covariance_is_symmetric_positive_definite_and_block_diagonal(problem):
    cov = problem.covmat
    assert np.array_equal(cov, cov.T)
    assert np.linalg.eigvalsh(cov).min() > 0
    for d in problem.datasets:
        assert np.array_equal(cov[d.slice, d.slice], d.covmat)
        expected = np.diag(d.stat**2) + d.sys @ d.sys.T + d.norm**2 * np.outer(d.theory, d.theory)
        assert np.allclose(d.covmat, expected, rtol=1e-14, atol=0)
        outside = np.ones(cov.shape[0], dtype=bool)
        outside[d.slice] = False
        assert not np.any(cov[d.slice][:, outside])


def test_level1_noise_is_consistent_with_the_covariance(problem):
    residual = problem.central - problem.theory
    chi2 = residual @ np.linalg.solve(problem.covmat, residual) / problem.ndata
    assert 0.5 < chi2 < 1.5
    assert not np.array_equal(problem.central, problem.theory)


def test_replicas_do_not_depend_on_how_many_are_generated(runcard):
    request = ClosureRequest.from_runcard(runcard)
    one = build_problem(dataclasses.replace(request, replica_ids=(5,)))[0]
    many = build_problem(dataclasses.replace(request, replica_ids=tuple(range(1, 101))))[0]
    row = many.replica_index(5)
    assert np.array_equal(one.replica_data[0], many.replica_data[row])
    assert np.array_equal(one.training_mask[0], many.training_mask[row])
    assert not np.array_equal(many.replica_data[0], many.replica_data[1])
    assert not np.array_equal(many.training_mask[0], many.training_mask[1])


def test_masks_depend_on_catalogue_index_not_runcard_position(runcard, problem):
    reordered = copy.deepcopy(runcard)
    reordered["dataset_inputs"] = list(reversed(runcard["dataset_inputs"]))[:3]
    del reordered["kfold"]
    other = build_problem(ClosureRequest.from_runcard(reordered))[0]
    for d in other.datasets:
        original = problem.dataset(d.name)
        assert np.array_equal(
            other.training_mask[:, d.slice], problem.training_mask[:, original.slice]
        )


def test_training_fractions(runcard, problem):
    for d in problem.datasets:
        mask = problem.training_mask[:, d.slice]
        assert np.all(mask.sum(axis=1) == int(d.frac * d.ndata))
    edited = copy.deepcopy(runcard)
    edited["dataset_inputs"] = [
        {"dataset": "DY_Z_Y", "frac": 0.01},
        {"dataset": "JET_GG", "frac": 0.99},
        {"dataset": "DIS_NC_P", "frac": 1.0},
    ]
    edited["kfold"]["partitions"] = [{"datasets": ["DY_Z_Y"]}]
    masks = build_problem(ClosureRequest.from_runcard(edited))[0].training_mask
    assert np.all(masks[:, :20].sum(axis=1) == 1)
    assert np.all(masks[:, 20:40].sum(axis=1) == 19)
    assert np.all(masks[:, 40:])


def test_without_noise_or_replicas_data_equal_theory(runcard):
    edited = copy.deepcopy(runcard)
    edited["closure"]["fakenoise"] = False
    edited["genrep"] = False
    problem = build_problem(ClosureRequest.from_runcard(edited))[0]
    assert np.array_equal(problem.central, problem.theory)
    assert np.all(problem.replica_data == problem.theory)


def test_replica_count_covers_hyperopt(runcard):
    edited = copy.deepcopy(runcard)
    edited["replicas"], edited["hyperopt"]["replicas"] = 2, 5
    assert ClosureRequest.from_runcard(edited).replica_ids == (1, 2, 3, 4, 5)
    del edited["hyperopt"], edited["kfold"]
    request = ClosureRequest.from_runcard(edited)
    assert request.replica_ids == (1, 2) and request.folds == ()


@pytest.mark.parametrize(
    ("edit", "key", "message"),
    [
        (
            lambda r: r["dataset_inputs"].append({"dataset": "DIS_NC_X", "frac": 0.5}),
            "dataset_inputs[8].dataset",
            "DIS_NC_P",
        ),
        (
            lambda r: r["dataset_inputs"].append({"dataset": "JET_GG", "frac": 0.5}),
            "dataset_inputs[8].dataset",
            "twice",
        ),
        (
            lambda r: r["dataset_inputs"][0].update(frac=1.5),
            "dataset_inputs[0].frac",
            "0 < frac <= 1",
        ),
        (
            lambda r: r["positivity"]["posdatasets"].append({"dataset": "POS_XGLU"}),
            "positivity.posdatasets[5].dataset",
            "POS_XGL",
        ),
        (
            lambda r: r["kfold"]["partitions"][1]["datasets"].append("DY_Z"),
            "kfold.partitions[1].datasets[2]",
            "DY_Z_Y",
        ),
        (
            lambda r: r["kfold"]["partitions"].append({"datasets": []}),
            "kfold.partitions[2].datasets",
            "empty",
        ),
        (
            lambda r: r["closure"]["xgrid"].update(x_min=1.0e-3),
            "closure.xgrid.x_min",
            "reach x = 5e-05",
        ),
        (lambda r: r["closure"]["xgrid"].update(n_large=3), "closure.xgrid.n_large", "x = "),
        (lambda r: r["closure"]["xgrid"].update(x_switch=2.0), "closure.xgrid", "x_switch < 1"),
    ],
)
def test_bad_runcards_name_the_key(runcard, edit, key, message):
    edited = copy.deepcopy(runcard)
    edit(edited)
    with pytest.raises(RuncardError) as error:
        build_problem(ClosureRequest.from_runcard(edited))
    assert f"'{key}'" in str(error.value) and message in str(error.value)


def test_load_problem_without_data_is_a_user_error(tmp_path):
    from replifold.errors import UserError

    with pytest.raises(UserError, match="replifold setup"):
        load_problem(tmp_path)
