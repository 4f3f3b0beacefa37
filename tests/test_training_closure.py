"""Closure test on the quick runcard: 8 replicas recover the known truth (slow: a few minutes)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from replifold import seeding
from replifold.closure.generate import write_problem
from replifold.problem import load_problem
from replifold.runcard import expand_runcard, load_runcard
from replifold.training.losses import experimental_chi2

QUICK = Path(__file__).resolve().parents[1] / "config" / "runcards" / "closure-quick.yml"


@pytest.mark.slow
def test_quick_closure_recovers_level1_chi2_and_truth(tmp_path):
    from replifold.backend import tf
    from replifold.model import Observables
    from replifold.training.replicas import compiled_xf, train_replicas

    runcard = expand_runcard(load_runcard(QUICK))
    seeding.set_initial_state(seeding.job_seed(runcard["nnseed"]))
    write_problem(runcard, tmp_path / "data")
    problem = load_problem(tmp_path / "data", range(1, 9))
    start = time.perf_counter()
    batch = train_replicas(runcard, problem, list(range(1, 9)))
    wall = time.perf_counter() - start
    predictions = tf.convert_to_tensor(
        Observables(problem)(tf.constant(compiled_xf(batch.model)))
    ).numpy()
    central = predictions.mean(axis=0)
    spread = predictions.std(axis=0, ddof=1)
    central_chi2 = sum(c.chi2 for c in experimental_chi2(problem, central).values()) / problem.ndata
    replica_chi2 = np.mean([r.chi2_exp_total / r.ndata_exp_total for r in batch.result.replicas])
    within = float(np.mean(np.abs(central - problem.theory) < 2.0 * spread))
    print(
        f"closure: chi2/pt of the replica mean vs level-1 = {central_chi2:.3f}, mean replica chi2/pt = "
        f"{replica_chi2:.3f}, fraction of points with the mean within 2 sigma of the truth = {within:.3f}, "
        f"stop reasons {[r.stop_reason for r in batch.result.replicas]}, "
        f"positivity {[r.positivity for r in batch.result.replicas]}, wall {wall:.0f} s"
    )
    assert abs(central_chi2 - 1.0) <= 0.3
    assert within > 0.5
