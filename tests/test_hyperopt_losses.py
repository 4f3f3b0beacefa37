"""n3fit 4.1.5's hyper-losses (rewards.HyperLoss, vpinterface.compute_hyperopt_metrics) on values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from replifold.errors import RuncardError
from replifold.hyperopt.foldresult import FoldResult, ReplicaFoldResult
from replifold.hyperopt.hyperloss import fold_loss, proportion_chi2, trial_loss
from replifold.hyperopt.metrics import HyperoptMetrics, best_by_validation, hyperopt_metrics
from replifold.hyperopt.penalties import parse_penalties
from replifold.hyperopt.settings import KfoldSettings
from replifold.runcard import expand_runcard

# Two points, C = diag(1, 4), data (1, 2); replicas (2, 2) and (0, 4): mean (1, 3).
DATA, COVMAT = np.array([1.0, 2.0]), np.diag([1.0, 4.0])
PREDICTIONS = np.array([[2.0, 2.0], [0.0, 4.0]])


def test_metrics_by_hand():
    metrics = hyperopt_metrics(DATA, COVMAT, PREDICTIONS, central=PREDICTIONS.mean(axis=0))
    # central - data = (0, 1): chi2 with C alone is 1/4, per point 1/8
    assert metrics.chi2exp == pytest.approx(0.125, rel=1e-12)
    # C_pdf (ddof 1) = [[2, -2], [-2, 2]]; C + C_pdf = [[3, -2], [-2, 6]], inverse [[6, 2], [2, 3]] / 14
    assert metrics.chi2p == pytest.approx((3 / 14) / 2, rel=1e-12)
    # (C + C_pdf) / (D D^T) = [[3, -1], [-1, 1.5]], determinant 3.5
    assert metrics.logp == pytest.approx(
        (2 * math.log(2 * math.pi) + math.log(3.5) + 3 / 14) / 4, rel=1e-12
    )
    # chi2 of the replicas 1 and 2 (mean 1.5), of the mean 0.25: phi = sqrt(1.25 / 2)
    assert metrics.phi == pytest.approx(math.sqrt(0.625), rel=1e-12)


def test_a_single_replica_has_no_pdf_covariance_and_no_spread():
    metrics = hyperopt_metrics(DATA, COVMAT, PREDICTIONS[:1], central=PREDICTIONS[0])
    assert metrics.chi2p == metrics.chi2exp == pytest.approx((1.0 + 0.0) / 2, rel=1e-12)
    assert metrics.phi == 0.0


def test_best_replicas_by_validation():
    assert best_by_validation(np.array([3.0, 1.0, 2.0, 1.0]), 0.5).tolist() == [1, 3]
    assert best_by_validation(np.array([3.0, 1.0, 2.0]), 0.85).tolist() == [
        1,
        2,
        0,
    ]  # ceil(2.55) = 3
    assert best_by_validation(np.array([3.0, 1.0]), None).tolist() == [0, 1]


def test_proportion_chi2_by_hand():
    validation = np.array([1.0, 3.0, 2.0, 4.0])
    # best 2 by validation: 1, 2 -> 1.5; best 2 held-out: 0.5, 1.5 -> 1.0, below 2: nothing added
    assert proportion_chi2(validation, np.array([5.0, 1.5, 2.5, 0.5]), 0.5, "average") == 1.5
    # best 2 held-out: 3, 3.5 -> 3.25, so 1.25 is added
    assert proportion_chi2(validation, np.array([5.0, 3.0, 4.0, 3.5]), 0.5, "average") == 2.75
    # p = 0.75 keeps 3 by validation (1, 2, 3 -> worst 3) and ceil(0.25 * 4) = 1 held-out (3.0)
    assert (
        proportion_chi2(validation, np.array([5.0, 3.0, 4.0, 3.5]), 0.75, "best_worst") == 3.0 + 1.0
    )


def _kfold(loss_type, proportion=None, penalties=(), in_loss=False):
    return KfoldSettings(
        loss_type,
        "average",
        "average",
        in_loss,
        parse_penalties(list(penalties)),
        50.0,
        (("A",), ("B",)),
        proportion,
    )


def _fold(fold, phi, losses=(1.0, 2.0), vl=(1.0, 1.0), tr=(0.5, 0.5)):
    return FoldResult(
        trial=0,
        fold=fold,
        held_out=("A",),
        ndata=2,
        status="ok",
        reason=None,
        epochs=1000,
        patience=100,
        metrics=HyperoptMetrics(chi2p=1.0, logp=2.0, phi=phi, chi2exp=1.0),
        metric_replicas=(1, 2),
        replicas=tuple(
            ReplicaFoldResult(i + 1, loss, t, v, 900, 999, "patience", "POS_PASS")
            for i, (loss, v, t) in enumerate(zip(losses, vl, tr, strict=True))
        ),
        pdf_samples={},
    )


def test_phi2_minimises_the_reciprocal_of_the_fold_average_of_phi():
    folds = [_fold(0, 0.5), _fold(1, 0.25)]
    trial = trial_loss(0, folds, _kfold("phi2"))
    assert trial.status == "ok"
    assert trial.loss == pytest.approx(1 / 0.375, rel=1e-12)  # the old rule gave the average, 0.375
    wider = trial_loss(0, [_fold(0, 1.0), _fold(1, 0.5)], _kfold("phi2"))
    assert wider.loss < trial.loss  # a wider spread is the better trial


def test_chi2_with_a_proportion_is_n3fits_and_without_it_is_replifolds_default():
    fold = _fold(0, 0.5, losses=(3.0, 4.0), vl=(1.0, 2.0))
    assert fold_loss(fold, _kfold("chi2")).loss == 3.5
    # p = 0.5 of 2: validation of replica 1 (1.0) + max(best held-out 3.0, 2) - 2
    assert fold_loss(fold, _kfold("chi2", proportion=0.5)).loss == 2.0


def test_without_validation_points_the_patience_penalty_uses_the_training_chi2():
    fold = _fold(0, 0.5, vl=(float("nan"), 2.0), tr=(0.7, 0.5))
    penalties = fold_loss(
        fold, _kfold("chi2", penalties=[{"name": "patience", "alpha": 1e-4}], in_loss=True)
    ).penalties
    distance = abs(1000 - 100 - 900)
    np.testing.assert_allclose(
        penalties["patience"], np.array([0.7, 2.0]) * math.exp(1e-4 * distance), rtol=1e-12
    )


def test_phi2_needs_two_replicas(quick_runcard):
    quick_runcard["kfold"].update(loss_type="phi2", penalties_in_loss=False)
    quick_runcard["hyperopt"]["replicas"] = 1
    with pytest.raises(RuncardError, match="hyperopt.replicas") as error:
        expand_runcard(quick_runcard)
    assert "at least 2" in str(error.value)
    quick_runcard["hyperopt"]["replicas"] = 3
    quick_runcard["kfold"]["reduce_proportion"] = 0.3  # keeps ceil(0.9) = 1
    with pytest.raises(RuncardError, match="hyperopt.replicas"):
        expand_runcard(quick_runcard)
    quick_runcard["kfold"]["reduce_proportion"] = 0.5
    assert expand_runcard(quick_runcard)["kfold"]["loss_type"] == "phi2"


def test_phi2_refuses_penalties_in_the_loss(quick_runcard):
    quick_runcard["kfold"].update(loss_type="phi2", penalties_in_loss=True)
    with pytest.raises(RuncardError, match="kfold.penalties_in_loss"):
        expand_runcard(quick_runcard)


def test_kfold_threshold_defaults_to_n3fits_50(quick_runcard):
    del quick_runcard["kfold"]["threshold"]
    assert expand_runcard(quick_runcard)["kfold"]["threshold"] == 50.0
    assert (
        KfoldSettings.from_runcard({"kfold": {"partitions": [{"datasets": ["A"]}]}}).threshold
        == 50.0
    )
