"""Per-replica losses, clipping, optimizers and settings, on small hand-made inputs."""

from __future__ import annotations

import numpy as np
import pytest

from replifold.backend import keras, tf
from replifold.errors import RuncardError, UserError
from replifold.problem import Dataset, Problem
from replifold.training.lagrange import LagrangeSchedule, initial_and_multiplier
from replifold.training.losses import (
    experimental_chi2,
    fitted_indices,
    integrability_loss,
    positivity_passes,
    positivity_set_losses,
    replica_chi2_layout,
    set_matrix,
    whitened_chi2,
)
from replifold.training.optimizers import OPTIMIZERS, clip_per_replica, make_optimizer


def _spd(rng, n):
    a = rng.normal(size=(n, n))
    return a @ a.T + n * np.eye(n)


def small_problem(fracs=(0.75, 1.0)) -> Problem:
    rng = np.random.Generator(np.random.PCG64(5))
    datasets, offset = [], 0
    for k, (n, frac) in enumerate(zip((6, 4), fracs)):
        cov = _spd(rng, n)
        theory = rng.normal(size=n)
        datasets.append(
            Dataset(
                f"D{k}",
                "DIS_NC",
                np.zeros((n, 3)),
                np.zeros((n, 8, 3)),
                None,
                theory,
                theory + rng.normal(size=n),
                np.ones(n),
                np.zeros((n, 0)),
                0.0,
                cov,
                frac,
                offset,
            )
        )
        offset += n
    covmat = np.zeros((offset, offset))
    for d in datasets:
        covmat[d.slice, d.slice] = d.covmat
    mask = rng.uniform(size=(3, offset)) < 0.6
    return Problem(
        np.ones(3),
        np.ones(3),
        np.ones(3),
        np.zeros((8, 3)),
        tuple(datasets),
        (),
        (),
        covmat,
        np.array([1, 2, 3]),
        rng.normal(size=(3, offset)),
        mask,
    )


def direct_chi2(covmat, residual):
    return float(residual @ np.linalg.solve(covmat, residual)) if residual.size else 0.0


def test_layout_chi2_is_the_subset_covariance_chi2_of_each_replica():
    problem = small_problem()
    indices = fitted_indices(problem)
    layout = replica_chi2_layout(problem, [2, 0], indices)
    predictions = np.random.Generator(np.random.PCG64(1)).normal(size=(2, indices.size))
    chi2_tr, chi2_vl = layout.chi2(predictions)
    validated = np.r_[np.ones(6, bool), np.zeros(4, bool)]  # the second dataset has frac 1
    for k, row in enumerate([2, 0]):
        residual = problem.replica_data[row] - predictions[k]
        tr = problem.training_mask[row]
        vl = ~tr & validated
        assert chi2_tr[k] == pytest.approx(
            direct_chi2(problem.covmat[np.ix_(tr, tr)], residual[tr]), rel=1e-10
        )
        assert chi2_vl[k] == pytest.approx(
            direct_chi2(problem.covmat[np.ix_(vl, vl)], residual[vl]), rel=1e-10
        )
        assert layout.n_training[k] == tr.sum() and layout.n_validation[k] == vl.sum()
    compiled = whitened_chi2(
        *(
            tf.constant(a)
            for a in (
                layout.whiten,
                layout.data,
                layout.training_rows,
                layout.validation_rows,
                predictions,
            )
        )
    )
    np.testing.assert_allclose(
        np.stack([c.numpy() for c in compiled]), np.stack([chi2_tr, chi2_vl]), rtol=1e-12
    )


def test_excluded_datasets_leave_training_and_validation():
    problem = small_problem()
    indices = fitted_indices(problem, exclude_datasets=["D0"])
    assert indices.tolist() == list(range(6, 10))
    layout = replica_chi2_layout(problem, [0], indices)
    assert (
        layout.n_validation[0] == 0 and layout.n_training[0] == problem.training_mask[0, 6:].sum()
    )
    with pytest.raises(UserError, match="unknown datasets"):
        fitted_indices(problem, exclude_datasets=["D9"])
    with pytest.raises(UserError, match="nothing left"):
        fitted_indices(problem, exclude_datasets=["D0", "D1"])


def test_experimental_chi2_uses_level1_data_and_full_covariance():
    problem = small_problem()
    predictions = problem.theory
    chi2 = experimental_chi2(problem, predictions)
    for d in problem.datasets:
        assert chi2[d.name].ndata == d.ndata
        assert chi2[d.name].chi2 == pytest.approx(
            direct_chi2(d.covmat, d.central - d.theory), rel=1e-10
        )


def test_multiplier_schedules_as_n3fit():
    schedule = LagrangeSchedule(10.0, 1.05, 100)
    assert schedule.at(0) == schedule.at(99) == 10.0
    assert schedule.at(350) == pytest.approx(10.0 * 1.05**3)
    # n3fit's _LM_initial_and_multiplier: both given are kept; a missing one reaches maxlambda in `steps`
    assert initial_and_multiplier(2.0, 1.5, 100.0, 10) == (2.0, 1.5)
    assert initial_and_multiplier(None, None, 100.0, 2) == (1.0, pytest.approx(10.0))
    assert initial_and_multiplier(4.0, None, 100.0, 2) == (4.0, pytest.approx(5.0))
    assert initial_and_multiplier(None, 10.0, 100.0, 2) == (pytest.approx(1.0), 10.0)


def test_positivity_loss_per_set_and_n3fits_pass_test():
    observables = tf.constant([[-2.0, 0.0, 5.0], [1.0, 2.0, 3.0]], tf.float64)
    sets = tf.constant(set_matrix([2, 1]), tf.float64)
    losses = positivity_set_losses(observables, sets, 3.0).numpy()
    floor = 1e-7 * (np.exp(-np.array([1.0, 2.0, 3.0])) - 1.0)
    np.testing.assert_allclose(
        losses[0], [3.0 * 2.0, 3.0 * 1e-7 * (np.exp(-5.0) - 1.0)], rtol=1e-12
    )
    np.testing.assert_allclose(losses[1], [3.0 * floor[:2].sum(), 3.0 * floor[2]], rtol=1e-12)
    # a set passes when its loss (multiplier included) is below the threshold
    assert positivity_passes(np.array([[5e-7, -1e-9], [2e-6, 0.0]]), 1e-6).tolist() == [True, False]
    assert positivity_passes(tf.constant(losses), 1e-6).numpy().tolist() == [False, True]


def test_integrability_loss_squares_the_multiplied_observable():
    observables = tf.constant([[0.5, -1.0, 2.0]], tf.float64)
    multipliers = tf.constant([2.0, 2.0, 3.0], tf.float64)
    assert integrability_loss(observables, multipliers).numpy()[0] == pytest.approx(
        1.0 + 4.0 + 36.0
    )


def test_per_replica_clipping_matches_keras_clipnorm_for_each_replica_alone():
    rng = np.random.Generator(np.random.PCG64(3))
    gradient = rng.normal(size=(3, 4, 5)).astype("float32")
    gradient[1] *= 1e-4  # below the clip: must come back unchanged
    gradient[2] = 0.0
    clipped = clip_per_replica([tf.constant(gradient)], 0.5)[0].numpy()
    reference = keras.optimizers.SGD(clipnorm=0.5)
    for r in range(3):
        expected = keras.ops.convert_to_numpy(reference._clip_by_norm(gradient[r]))
        np.testing.assert_allclose(
            clipped[r], expected, rtol=1e-6
        )  # same rule, summation order aside
    np.testing.assert_array_equal(clipped[1], gradient[1])
    assert np.linalg.norm(clipped[0]) == pytest.approx(0.5, rel=1e-6)


def test_optimizers_by_runcard_name():
    assert make_optimizer("Amsgrad", 0.01).amsgrad
    for name in OPTIMIZERS:
        optimizer = make_optimizer(name, 0.02)
        assert float(keras.ops.convert_to_numpy(optimizer.learning_rate)) == pytest.approx(0.02)
        assert optimizer.clipnorm is None
    with pytest.raises(RuncardError, match="did you mean: 'Nadam'"):
        make_optimizer("Nadm", 0.01)
