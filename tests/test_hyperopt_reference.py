"""The documented reference values of n3fit's hyper-loss statistics and penalties, and the hyper-loss arithmetic."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import numpy as np
import pytest

from replifold.errors import RuncardError
from replifold.hyperopt.fold import held_out_chi2
from replifold.hyperopt.foldresult import FoldResult, PdfSample, ReplicaFoldResult
from replifold.hyperopt.hyperloss import divergence, fold_loss, trial_loss
from replifold.hyperopt.metrics import HyperoptMetrics
from replifold.hyperopt.penalties import (
    Integrability,
    PenaltyInputs,
    Saturation,
    integrability,
    parse_penalties,
    patience,
    saturation,
)
from replifold.hyperopt.settings import KfoldSettings
from replifold.hyperopt.statistics import STATISTICS
from replifold.io import dumps_json


@pytest.mark.parametrize(
    ("name", "expected"), [("average", 2.0), ("best_worst", 3.0), ("std", 0.816496580927726)]
)
def test_statistics_reference_values(name, expected):
    assert STATISTICS[name](np.array([1.0, 2.0, 3.0])) == pytest.approx(expected, abs=1e-12)


def test_patience_reference_value():
    value = patience(best_epoch=1000, patience_epochs=500, epochs=5000, vl_loss=2.42, alpha=1e-4)
    assert float(value) == pytest.approx(3.434143467595683, abs=1e-12)


def test_patience_is_the_validation_loss_at_the_ideal_best_epoch_and_grows_away_from_it():
    best = np.array([4500, 4000, 5000])
    values = patience(best, 500, 5000, np.array([2.0, 2.0, 2.0]), 1e-4)
    assert values[0] == 2.0
    assert values[1] == pytest.approx(2.0 * math.exp(0.05), abs=1e-12)
    assert values[2] == pytest.approx(2.0 * math.exp(0.05), abs=1e-12)


def test_saturation_of_a_straight_line_in_log_x_is_the_inverse_slope():
    x = np.geomspace(1e-6, 1e-4, 50)
    slopes = np.array([[-2.0, 0.5], [4.0, -8.0]])  # (replica, flavour)
    xf = 3.0 + slopes[:, :, None] * np.log10(x)
    expected = np.sum(1.0 / (1e-7 + np.abs(slopes)), axis=1)
    np.testing.assert_allclose(saturation(xf, x), expected, rtol=1e-12)


def test_saturation_punishes_a_flat_pdf_far_more_than_a_rising_one():
    x = np.geomspace(1e-6, 1e-4, 20)
    flat = np.full((1, 2, 20), 0.7)
    rising = 0.7 - np.log10(x)[None, None, :] * np.ones((1, 2, 1))
    assert saturation(flat, x)[0] == pytest.approx(2e7, rel=1e-12)
    assert saturation(rising, x)[0] == pytest.approx(2.0 / (1 + 1e-7), rel=1e-12)


def test_integrability_is_zero_below_threshold_and_exponential_above():
    at_one_x = np.array([[0.1, -0.4, 0.2, 0.0, 0.3], [0.1, -0.9, 2.0, 0.0, 0.3], [1e3, 0, 0, 0, 0]])
    xf = np.stack([at_one_x, np.zeros_like(at_one_x)], axis=-1)  # sum over x of |x f|
    values = integrability(xf, threshold=0.5)
    assert values[0] == 0.0
    assert values[1] == pytest.approx(math.exp(2.9) - 1.0, rel=1e-12)
    assert values[2] == pytest.approx(math.exp(50.0) - 1.0, rel=1e-12)


def test_penalty_settings_from_runcard_entries():
    sat, pat, integ = parse_penalties(
        ["saturation", {"name": "patience", "alpha": 2e-4}, {"name": "integrability"}]
    )
    assert (sat.n, sat.min_x, sat.max_x) == (100, 1e-6, 1e-4)
    assert pat.alpha == 2e-4
    assert integ == Integrability()
    assert Saturation(n=3, min_x=1e-3, max_x=1e-1).probe().x == pytest.approx(
        (1e-3, 1e-2, 1e-1), rel=1e-12
    )
    with pytest.raises(RuncardError, match="kfold.penalties\\[0\\].alfa"):
        parse_penalties([{"name": "patience", "alfa": 1.0}])
    with pytest.raises(RuncardError, match="did you mean: 'saturation'"):
        parse_penalties(["saturaton"])


def _kfold(
    loss_type="chi2",
    replica_statistic="average",
    fold_statistic="average",
    in_loss=True,
    threshold=10.0,
):
    return KfoldSettings(
        loss_type=loss_type,
        replica_statistic=replica_statistic,
        fold_statistic=fold_statistic,
        penalties_in_loss=in_loss,
        penalties=parse_penalties([{"name": "patience", "alpha": 1e-4}, "integrability"]),
        threshold=threshold,
        partitions=(("A",), ("B",)),
    )


def _fold(fold: int, losses, best_epochs, vl, integ_xf, phi=0.5, status="ok") -> FoldResult:
    probe = Integrability().probe()
    return FoldResult(
        trial=0,
        fold=fold,
        held_out=("A",),
        ndata=10,
        status=status,
        reason=None if status == "ok" else "diverged",
        epochs=1000,
        patience=100,
        metrics=HyperoptMetrics(chi2p=1.5, logp=2.5, phi=phi, chi2exp=1.0),
        metric_replicas=tuple(range(1, len(losses) + 1)),
        replicas=tuple(
            ReplicaFoldResult(i + 1, loss, 1.0, v, e, e + 100, "patience", "POS_PASS")
            for i, (loss, e, v) in enumerate(zip(losses, best_epochs, vl))
        ),
        pdf_samples={
            "integrability": PdfSample(
                probe, np.repeat(np.asarray(integ_xf)[:, :, None] / 3, 3, axis=2)
            )
        },
    )


FOLD0 = dict(
    losses=[1.0, 3.0],
    best_epochs=[900, 800],
    vl=[1.5, 2.0],
    integ_xf=[[0.1] * 5, [0.1, 0.1, 0.1, 0.1, 1.0]],
)
FOLD1 = dict(
    losses=[2.0, 2.0],
    best_epochs=[900, 900],
    vl=[1.0, 1.0],
    integ_xf=[[0.1] * 5, [0.1] * 5],
    phi=0.25,
)


def test_fold_loss_adds_penalties_per_replica_then_reduces_over_replicas():
    loss = fold_loss(_fold(0, **FOLD0), _kfold())
    patience_values = np.array([1.5, 2.0 * math.exp(1e-4 * 100)])
    integrability_values = np.array([0.0, math.exp(1.0) - 1.0])
    np.testing.assert_allclose(loss.penalties["patience"], patience_values, rtol=1e-12)
    np.testing.assert_allclose(loss.penalties["integrability"], integrability_values, rtol=1e-12)
    expected = np.array([1.0, 3.0]) + patience_values + integrability_values
    np.testing.assert_allclose(loss.replica_losses, expected, rtol=1e-12)
    assert loss.loss == pytest.approx(expected.mean(), rel=1e-12)
    assert fold_loss(_fold(0, **FOLD0), _kfold(in_loss=False)).loss == pytest.approx(2.0, rel=1e-12)
    worst = fold_loss(_fold(0, **FOLD0), _kfold(replica_statistic="best_worst"))
    assert worst.loss == pytest.approx(expected.max(), rel=1e-12)


def test_metric_losses_add_each_penalty_averaged_over_replicas():
    loss = fold_loss(_fold(1, **FOLD1), _kfold(loss_type="logp"))
    assert loss.loss == pytest.approx(
        2.5 + 1.0, rel=1e-12
    )  # patience = vl_loss at the ideal epoch, no integrability
    assert fold_loss(_fold(1, **FOLD1), _kfold(loss_type="chi2p", in_loss=False)).loss == 1.5


def test_trial_loss_reduces_over_folds_and_fails_with_a_failed_fold():
    kfold = _kfold(fold_statistic="std")
    results = [_fold(0, **FOLD0), _fold(1, **FOLD1)]
    fold_losses = [fold_loss(r, kfold).loss for r in results]
    ok = trial_loss(0, results, kfold)
    assert (ok.status, ok.reason) == ("ok", None)
    assert ok.loss == pytest.approx(np.std(fold_losses), rel=1e-12)
    failed = trial_loss(0, [results[0], _fold(1, **FOLD1, status="fail")], kfold)
    assert (failed.status, failed.loss) == ("fail", None)
    assert failed.reason == "fold 1: diverged"
    assert failed.to_json(kfold)["fold_losses"] == [fold_losses[0], None]


def test_divergence_names_non_finite_and_above_threshold_losses():
    kfold = _kfold(threshold=3.0)
    assert divergence(fold_loss(_fold(1, **FOLD1), kfold), 3.0) is None
    assert "above kfold.threshold = 1" in divergence(fold_loss(_fold(1, **FOLD1), kfold), 1.0)
    nan_fold = _fold(1, **{**FOLD1, "losses": [float("nan"), 2.0]})
    assert "not finite" in divergence(fold_loss(nan_fold, kfold), 3.0)


def test_fold_result_json_round_trip_keeps_nan_as_null():
    result = _fold(0, **{**FOLD0, "losses": [float("nan"), 3.0]})
    data = result.to_json()
    back = FoldResult.from_json(json.loads(dumps_json(data)))
    assert math.isnan(back.replicas[0].loss) and back.replicas[1].loss == 3.0
    np.testing.assert_array_equal(
        back.pdf_samples["integrability"].xf, result.pdf_samples["integrability"].xf
    )
    assert back.penalty_inputs().epochs == 1000 and isinstance(back.penalty_inputs(), PenaltyInputs)


def test_held_out_chi2_follows_its_definition():
    rng = np.random.default_rng(0)
    factor = rng.normal(size=(6, 6))
    covmat = factor @ factor.T + 6 * np.eye(6)
    problem = SimpleNamespace(covmat=covmat, central=rng.normal(size=6))
    indices = np.array([1, 2, 4])
    predictions = rng.normal(size=(4, 3))
    inverse = np.linalg.inv(covmat[np.ix_(indices, indices)])

    def chi2(theory):
        residual = theory - problem.central[indices]
        return residual @ inverse @ residual / 3

    np.testing.assert_allclose(
        held_out_chi2(problem, indices, predictions), [chi2(t) for t in predictions], rtol=1e-12
    )
