"""Simulators, their Fisher information, and the seeding of simulation sets (issue 17)."""

from __future__ import annotations

import numpy as np
import pytest

from replifold import seeding
from replifold.imnn.sets import ROLES, SimulationSet, blocks, fit_sets, fold_sets, noise
from replifold.imnn.settings import ImnnSettings
from replifold.imnn.simulators import Gaussian, StudentT
from replifold.runcard import expand_runcard

SIMULATORS = [Gaussian(n_data=10), StudentT(n_data=10, dof=3.0), StudentT(n_data=4, dof=7.5)]


def _score(simulator, data, theta):
    """d/dtheta of the log-likelihood per simulation, from the densities (not from the Fisher formulas)."""
    if isinstance(simulator, Gaussian):
        mean, variance = theta
        residual = data - mean
        return np.stack(
            [
                residual.sum(-1) / variance,
                (residual**2 / (2 * variance**2) - 1 / (2 * variance)).sum(-1),
            ],
            axis=-1,
        )
    location, scale = theta
    nu = simulator.dof
    u = (data - location) / scale
    weight = (nu + 1) * u / (nu + u**2)
    return np.stack([(weight / scale).sum(-1), ((weight * u - 1) / scale).sum(-1)], axis=-1)


@pytest.mark.parametrize("simulator", SIMULATORS, ids=lambda s: f"{s.name}-{s.n_data}")
def test_analytic_fisher_is_the_score_covariance(simulator):
    theta = np.array([0.3, 1.7])
    generator = np.random.default_rng(1)
    draws = np.stack([simulator.noise(generator) for _ in range(200_000)])
    scores = _score(simulator, simulator.simulate(draws, theta), theta)
    estimated = scores.T @ scores / len(scores)
    np.testing.assert_allclose(
        estimated, simulator.fisher(theta), rtol=0.02, atol=0.02 * simulator.fisher(theta).max()
    )


@pytest.mark.parametrize("simulator", SIMULATORS, ids=lambda s: f"{s.name}-{s.n_data}")
def test_jacobian_is_the_derivative_at_fixed_noise(simulator):
    theta, step = np.array([0.3, 1.7]), 1e-6
    draws = np.stack([simulator.noise(np.random.default_rng(i)) for i in range(5)])
    for a in range(2):
        shift = np.eye(2)[a] * step
        numerical = (
            simulator.simulate(draws, theta + shift) - simulator.simulate(draws, theta - shift)
        ) / (2 * step)
        np.testing.assert_allclose(
            simulator.jacobian(draws, theta)[..., a], numerical, rtol=1e-6, atol=1e-8
        )


def test_parameter_space_checks():
    assert Gaussian(3).theta_problem(np.array([0.0, 0.0])) is not None
    assert StudentT(3).theta_problem(np.array([0.0, -1.0])) is not None
    assert Gaussian(3).theta_problem(np.array([-5.0, 2.0])) is None


@pytest.fixture
def settings(imnn_runcard):
    imnn_runcard["imnn"].update(n_s=40, n_d=16, n_per_device=8)
    return ImnnSettings.from_runcard(expand_runcard(imnn_runcard))


def test_sets_draw_disjoint_seeds(settings):
    sets = [*fit_sets(settings), *fold_sets(settings, 0), *fold_sets(settings, 1)]
    seeds = [s.seed(settings.simseed, i) for s in sets for i in range(s.n_s)]
    assert len(set(seeds)) == len(seeds)
    assert [s.name for s in sets[:3]] == ["fit/training", "fit/validation", "fold0/training"]
    assert sets[0].seed(settings.simseed, 5) == seeding.sim_seed(
        settings.simseed, ROLES["training"], -1, 5
    )


def test_simulations_do_not_depend_on_the_block_size(settings):
    training = fit_sets(settings)[0]
    whole = list(blocks(settings, training, block=1000))
    pieces = list(blocks(settings, training, block=7))
    np.testing.assert_array_equal(np.concatenate([b.fiducial for b in pieces]), whole[0].fiducial)
    np.testing.assert_array_equal(
        np.concatenate([b.derivative for b in pieces if b.derivative is not None]),
        whole[0].derivative,
    )
    assert whole[0].fiducial.dtype == np.float32 and whole[0].derivative.shape == (16, 10, 2)


def test_numerical_derivative_simulations_are_seed_matched(imnn_runcard):
    imnn_runcard["imnn"].update(
        n_s=40, n_d=16, n_per_device=8, derivatives="numerical", dtheta=[0.2, 0.4]
    )
    settings = ImnnSettings.from_runcard(expand_runcard(imnn_runcard))
    training = fit_sets(settings)[0]
    (block,) = list(blocks(settings, training))
    assert block.derivative.shape == (16, 2, 2, 10)  # (seed, -/+, parameter, data)
    draws = noise(settings, training, 0, 16)
    # mean shifted by -/+ 0.1 at the same noise: the data differ by exactly the shift
    np.testing.assert_allclose(
        block.derivative[:, 1, 0] - block.derivative[:, 0, 0], 0.2, atol=1e-6
    )
    expected = settings.simulator.simulate(draws, np.array([0.0, 1.2])).astype(np.float32)
    np.testing.assert_array_equal(block.derivative[:, 1, 1], expected)


def test_held_out_set_is_its_own_role(settings):
    held = SimulationSet("held_out", -1, 5, 0)
    assert held.seed(settings.simseed, 0) not in {
        s.seed(settings.simseed, 0) for s in fit_sets(settings)
    }
