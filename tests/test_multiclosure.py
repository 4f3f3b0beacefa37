"""Multi-closure estimators (validphys' multiclosure definitions) on synthetic draws with known answers,
and the seeds and runcards of level-1 draws."""

from __future__ import annotations

import math

import numpy as np
import pytest

from replifold import seeding
from replifold.closure.draws import draw_runcard
from replifold.closure.multiclosure import Block, DrawPredictions, multiclosure_estimators
from replifold.errors import UserError
from replifold.runcard import expand_runcard


def _estimate(draws, truth, covmat, samples=200):
    n = truth.size
    blocks = [
        Block("A", np.arange(n // 2), covmat[: n // 2, : n // 2]),
        Block("B", np.arange(n // 2, n), covmat[n // 2 :, n // 2 :]),
    ]
    return multiclosure_estimators(draws, truth, blocks, covmat, bootstrap_samples=samples, seed=1)


def test_estimators_by_hand_with_unit_covariance():
    truth = np.zeros(2)
    # draw 0: replicas (1, 1), (3, 3), (2, 2): mean (2, 2) -> bias 8, variance mean(2, 2, 0) = 4/3
    # draw 1: replicas (0, 0), (0, 3), (0, 0): mean (0, 1) -> bias 1, variance mean(1, 4, 1) = 2
    draws = [
        DrawPredictions(
            0, np.array([[1.0, 1.0], [3.0, 3.0], [2.0, 2.0]]), level1=np.array([1.0, 1.0])
        ),
        DrawPredictions(
            1, np.array([[0.0, 0.0], [0.0, 3.0], [0.0, 0.0]]), level1=np.array([1.0, 0.0])
        ),
    ]
    result = _estimate(draws, truth, np.eye(2), samples=10)
    total = result["total"]
    assert total["R_bv"] == pytest.approx(math.sqrt((8 + 1) / (4 / 3 + 2)), rel=1e-12)
    assert total["bias"] == pytest.approx(4.5 / 2) and total["variance"] == pytest.approx(
        (5 / 3) / 2
    )
    # the unit matrix's eigenvectors are the points: draw 0 misses both (|2| > sqrt(2/3)); draw 1 covers
    # point 1 (|1| < sqrt(2)) but not point 0 (|0| < 0 is false)
    assert sorted(total["xi_per_point"].tolist()) == [0.0, 0.5]
    # delta chi2: draw 0 central vs data 2, truth vs data 2 -> 0; draw 1: central 2, truth 1 -> 1
    assert result["delta_chi2"]["per_draw"].tolist() == [0.0, 1.0]
    assert result["replica_chi2"]["per_draw_and_replica"].tolist() == [
        [0.0, 4.0, 1.0],
        [0.5, 5.0, 0.5],
    ]


def _synthetic(rng, draws, replicas, spread_scale, n=40):
    """Faithful when spread_scale = 1: the central fits scatter around the truth as the replicas around them."""
    factor = rng.normal(size=(n, n)) / np.sqrt(n)
    covmat = factor @ factor.T + 0.5 * np.eye(n)
    cholesky = np.linalg.cholesky(covmat)
    truth = rng.normal(size=n) * 5
    out = []
    for draw in range(draws):
        central = truth + cholesky @ rng.normal(size=n)
        reps = central + spread_scale * (cholesky @ rng.normal(size=(n, replicas))).T
        out.append(DrawPredictions(draw, reps, level1=central))
    return out, truth, covmat


def test_a_faithful_ensemble_gives_r_bv_one_and_xi_068_within_the_bootstrap_errors():
    rng = np.random.default_rng(7)
    draws, truth, covmat = _synthetic(rng, draws=40, replicas=100, spread_scale=1.0)
    total = _estimate(draws, truth, covmat)["total"]
    assert abs(total["R_bv"] - 1.0) < 3 * total["R_bv_error"] and total["R_bv_error"] < 0.1
    assert (
        abs(total["xi_1sigma"] - 0.6827) < 3 * total["xi_1sigma_error"]
        and total["xi_1sigma_error"] < 0.05
    )


def test_an_ensemble_with_half_the_spread_gives_r_bv_two():
    rng = np.random.default_rng(8)
    draws, truth, covmat = _synthetic(rng, draws=40, replicas=100, spread_scale=0.5)
    result = _estimate(draws, truth, covmat)
    total = result["total"]
    assert abs(total["R_bv"] - 2.0) < 3 * total["R_bv_error"]
    assert (
        abs(total["xi_1sigma"] - math.erf(0.5 / math.sqrt(2))) < 3 * total["xi_1sigma_error"]
    )  # 0.38
    assert total["xi_expected_from_R_bv"] == pytest.approx(
        math.erf(1 / (math.sqrt(2) * total["R_bv"]))
    )
    assert set(result["datasets"]) == {"A", "B"}


def test_every_draw_contributes_the_same_replicas():
    rng = np.random.default_rng(9)
    draws, truth, covmat = _synthetic(rng, draws=3, replicas=5, spread_scale=1.0, n=4)
    short = [DrawPredictions(d.draw, d.predictions[: 5 - d.draw], d.level1) for d in draws]
    result = _estimate(short, truth, covmat, samples=5)
    assert result["replicas_per_draw"] == 3
    assert np.asarray(result["replica_chi2"]["per_draw_and_replica"]).shape == (3, 3)


def test_draw_seeds_are_derived_per_draw_and_draw_zero_is_the_fit():
    seeds = {"filterseed": 7, "mcseed": 3, "trvlseed": 1, "nnseed": 2}
    assert seeding.draw_seeds(seeds, 0) == seeds
    first, second = seeding.draw_seeds(seeds, 1), seeding.draw_seeds(seeds, 2)
    assert len({*first.values(), *second.values(), *seeds.values()}) == 12
    assert first == seeding.draw_seeds(seeds, 1)


def test_a_draw_runcard_has_the_derived_seeds_the_fits_parameters_and_no_scan(quick_runcard):
    quick_runcard["closure"]["level1_draws"] = 3
    runcard = expand_runcard(quick_runcard)
    best = {
        "epochs": 1234,
        "optimizer": {"optimizer_name": "Adam", "learning_rate": 0.002, "clipnorm": 0.05},
    }
    card = expand_runcard(draw_runcard(runcard, 2, best))
    expected = seeding.draw_seeds({**runcard, "filterseed": 7}, 2)
    assert (
        card["closure"]["filterseed"] == expected["filterseed"]
        and card["nnseed"] == expected["nnseed"]
    )
    assert card["closure"]["level1_draws"] == 1
    assert (
        card["parameters"]["epochs"] == 1234
        and card["parameters"]["optimizer"]["optimizer_name"] == "Adam"
    )
    assert not {"hyperopt", "kfold", "hyperscan_config"} & set(card)
    with pytest.raises(UserError, match="draw 3 does not exist"):
        draw_runcard(runcard, 3, best)
    with pytest.raises(UserError, match="best parameters"):
        draw_runcard(runcard, 1, None)
