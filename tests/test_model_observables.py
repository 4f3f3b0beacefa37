"""FK convolutions of the stacked PDF against the closure problem's own level-0 predictions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from replifold.backend import keras
from replifold.closure.generate import build_problem
from replifold.closure.request import ClosureRequest
from replifold.errors import UserError
from replifold.model import Observables, PositivityObservables
from replifold.runcard import expand_runcard, load_runcard

QUICK = Path(__file__).resolve().parents[1] / "config" / "runcards" / "closure-quick.yml"


@pytest.fixture(scope="module")
def problem():
    return build_problem(ClosureRequest.from_runcard(expand_runcard(load_runcard(QUICK))))[0]


@pytest.fixture
def float64():
    previous = keras.config.floatx()
    keras.config.set_floatx("float64")
    yield
    keras.config.set_floatx(previous)


def test_the_truth_reproduces_the_level0_theory(problem, float64):
    assert {d.bilinear for d in problem.datasets} == {True, False}
    predictions = Observables(problem)(problem.truth_xf[None]).numpy()
    assert predictions.shape == (1, problem.ndata)
    np.testing.assert_allclose(predictions[0], problem.theory, rtol=1e-12, atol=0)


def test_float32_predictions_agree_to_single_precision(problem):
    predictions = Observables(problem)(problem.truth_xf[None].astype(np.float32)).numpy()
    assert predictions.dtype == np.float32
    np.testing.assert_allclose(predictions[0], problem.theory, rtol=1e-5)


def test_replicas_do_not_mix_linear_scales_once_and_bilinear_twice(problem, float64):
    xf = np.stack([problem.truth_xf, 2.0 * problem.truth_xf, -problem.truth_xf])
    predictions = Observables(problem)(xf).numpy()
    power = np.concatenate([np.full(d.ndata, 2 if d.bilinear else 1) for d in problem.datasets])
    for r, scale in enumerate((1.0, 2.0, -1.0)):
        np.testing.assert_allclose(predictions[r], scale**power * problem.theory, rtol=1e-12)


def test_a_selection_keeps_the_global_order_and_indexes_the_full_vector(problem, float64):
    names = [problem.datasets[6].name, problem.datasets[0].name, problem.datasets[4].name]
    selected = Observables(problem, datasets=names)
    assert selected.dataset_names == tuple(problem.datasets[k].name for k in (0, 4, 6))
    expected = np.concatenate(
        [np.arange(problem.ndata)[problem.datasets[k].slice] for k in (0, 4, 6)]
    )
    np.testing.assert_array_equal(selected.indices, expected)
    assert selected.ndata == expected.size
    xf = np.stack([problem.truth_xf, 0.5 * problem.truth_xf])
    np.testing.assert_allclose(
        selected(xf).numpy(), Observables(problem)(xf).numpy()[:, expected], rtol=1e-14
    )


def test_an_unknown_dataset_lists_the_available_ones(problem):
    name = problem.datasets[0].name
    with pytest.raises(UserError, match=f"did you mean '{name}'.*available"):
        Observables(problem, datasets=[name + "X"])


def test_positivity_observables_are_the_linear_fk_convolutions(problem, float64):
    xf = np.stack([problem.truth_xf, -problem.truth_xf])
    positivity = PositivityObservables(problem)
    expected = np.concatenate(
        [np.einsum("dfx,rfx->rd", p.fk, xf) for p in problem.positivity], axis=1
    )
    assert positivity.npoints == expected.shape[1] == sum(p.npoints for p in problem.positivity)
    np.testing.assert_allclose(positivity(xf).numpy(), expected, rtol=1e-12)
    assert np.all(positivity(xf).numpy()[0] >= 0)
