"""The aggregated IMNN gradient: chunk by chunk through the chain rule equals one tape around the whole loss."""

from __future__ import annotations

import numpy as np
import pytest

from replifold.imnn.fisher import Compression, Regularisation, fisher_statistics, imnn_loss
from replifold.imnn.pipeline import set_streams
from replifold.imnn.replicas import aggregator_for, build_model
from replifold.imnn.sets import fit_sets
from replifold.imnn.settings import ImnnSettings
from replifold.imnn.storage import write_simulations
from replifold.io import atomic_directory
from replifold.runcard import expand_runcard

MODES = {
    "gradient": {"n_s": 48, "n_d": 24},
    "gradient, n_s = n_d": {"n_s": 48, "n_d": 48},
    "numerical": {"n_s": 48, "n_d": 12, "derivatives": "numerical", "dtheta": [0.1, 0.2]},
}


def _gradients(card: dict, chunk: int, root, direct: bool = False):
    card = {**card, "imnn": {**card["imnn"], "n_per_device": chunk}}
    settings = ImnnSettings.from_runcard(expand_runcard(card))
    if not root.exists():
        with atomic_directory(root) as tmp:
            write_simulations(settings, list(fit_sets(settings)), tmp)
    model = build_model(settings, 3, [1, 2])
    # Graph mode without XLA: the chain-rule logic is what is under test, and XLA would compile
    # every piece anew for each chunk size (minutes); the compiled path is trained in test_imnn_training.
    aggregator = aggregator_for(model, settings, jit_compile=False)
    streams = set_streams(settings, fit_sets(settings)[0], root)
    if direct:
        statistics, gradients = aggregator.direct_gradients(streams)
    else:
        statistics, cotangents = aggregator.loss_and_cotangents(streams)
        gradients = aggregator.gradients(streams, cotangents)
    return np.asarray(statistics["loss"]), [np.asarray(g) for g in gradients]


@pytest.mark.parametrize("mode", list(MODES), ids=list(MODES))
def test_chunked_and_unchunked_gradients_agree(imnn_runcard, tmp_path, mode):
    imnn_runcard["imnn"].update(
        MODES[mode],
        input={"source": "memory"},
        network={"nodes_per_layer": [16, 16], "activation_per_layer": ["elu", "tanh"]},
    )
    root = tmp_path / "sims"
    chunks = (
        (8, 24) if mode == "gradient" else (8, 24, 48)
    )  # each divides every stream; the last is one batch
    direct_loss, direct = _gradients(imnn_runcard, chunks[-1], root, direct=True)
    for chunk in chunks:
        loss, gradients = _gradients(imnn_runcard, chunk, root)
        np.testing.assert_allclose(loss, direct_loss, rtol=1e-5)
        # The output bias's true gradient is 0 (the loss ignores a shift of the summaries), so its
        # float32 values are rounding noise: tolerances are set by the largest gradient entry.
        scale = max(np.abs(reference).max() for reference in direct)
        for mine, reference in zip(gradients, direct, strict=True):
            np.testing.assert_allclose(mine, reference, rtol=1e-4, atol=1e-5 * scale)


def test_fisher_statistics_match_numpy():
    generator = np.random.default_rng(4)
    summaries = generator.standard_normal((3, 200, 2)) @ np.array([[1.0, 0.3], [0.0, 0.8]])
    derivatives = generator.standard_normal((3, 50, 2, 2)) + np.array([[2.0, 0.5], [0.1, 1.5]])
    statistics = {k: np.asarray(v) for k, v in fisher_statistics(summaries, derivatives).items()}
    for r in range(3):
        covariance = np.cov(summaries[r], rowvar=False)
        dmu = derivatives[r].mean(axis=0)
        fisher = dmu @ np.linalg.inv(covariance) @ dmu.T
        np.testing.assert_allclose(statistics["C"][r], covariance, rtol=1e-10)
        np.testing.assert_allclose(statistics["F"][r], fisher, rtol=1e-10)
        np.testing.assert_allclose(
            statistics["lndetF"][r], np.log(np.linalg.det(fisher)), rtol=1e-10
        )
        lambda2 = np.linalg.norm(covariance - np.eye(2)) + np.linalg.norm(
            np.linalg.inv(covariance) - np.eye(2)
        )
        np.testing.assert_allclose(statistics["Lambda2"][r], lambda2, rtol=1e-10)
    loss, coupling = (
        np.asarray(v)
        for v in imnn_loss(fisher_statistics(summaries, derivatives), Regularisation(10.0, 2.0))
    )
    lambda2 = statistics["Lambda2"]
    np.testing.assert_allclose(
        coupling, 10.0 * lambda2 / (lambda2 + np.exp(-2.0 * lambda2)), rtol=1e-12
    )
    np.testing.assert_allclose(loss, -statistics["lndetF"] + coupling * lambda2, rtol=1e-12)


def test_score_compression_inverts_linear_gaussian_summaries():
    """Summaries x = A theta + noise: the compression returns theta exactly at zero noise, with F^-1/2 errors."""
    a = np.array([[2.0, 0.5], [0.0, 1.0], [0.3, 0.1]])  # (s, p)
    theta_fid = np.array([0.5, -1.0])
    compression = Compression(theta_fid, a @ theta_fid, np.eye(3), a.T, a.T @ a)
    theta = np.array([0.7, -0.4])
    np.testing.assert_allclose(compression.estimate(a @ theta), theta)
    np.testing.assert_allclose(compression.errors, np.sqrt(np.diag(np.linalg.inv(a.T @ a))))
