"""Training speed of stacked replicas vs independent single-replica models: one JSON line.

Reference size (the one n3fit 4.1.5 was timed at): x-grid of 50 points, 200 linear data
points in 4 datasets, 8 flavours, nodes [25, 20, 8] tanh/tanh/linear, Adam lr 1e-3, full
batch. Each configuration trains for ``--epochs`` epochs with stopping disabled; the first
compiled chunk (tracing, XLA compilation, warm-up) is excluded from the timing. Independent
replicas are bare one-replica models trained one after another, so their speed is that of one
such model: it is timed once and extrapolated to R models (and said so in the output). The
R=1 row is how replifold trains a lone replica: as two identical copies, so that it is
bitwise the replica of any stacked batch (``training/replicas.py``), which costs speed.
Without sum rules there is no integration grid to evaluate.
"""

from __future__ import annotations

import argparse
import json
import platform

import numpy as np

from replifold import seeding
from replifold.problem import Dataset, Problem

NX, NDATA, NDATASETS, NINTEGRATION = 50, 200, 4, 256
BASIS = [
    {"fl": fl, "smallx": [1.0, 1.1], "largex": [2.0, 3.0], "trainable": False}
    for fl in ("sng", "g", "v", "v3", "v8", "t3", "t8", "t15")
]


def reference_problem(max_replicas: int, sum_rules: bool) -> Problem:
    """Synthetic DIS-like data at the reference size, seeded through ``replifold.seeding``."""
    generator = seeding.rng(0, "level1")
    xgrid = np.concatenate([np.geomspace(1e-5, 0.1, 30, endpoint=False), np.linspace(0.1, 0.95, 20)])
    per_set = NDATA // NDATASETS
    datasets = []
    for k in range(NDATASETS):
        fk = generator.uniform(0.0, 1.0, (per_set, 8, NX)) / NX
        theory = fk.sum(axis=(1, 2))
        stat = 0.02 * theory
        covmat = np.diag(stat**2) + np.outer(0.01 * theory, 0.01 * theory)
        central = theory + generator.normal(size=per_set) * stat
        datasets.append(
            Dataset(f"SET{k}", "DIS_NC", np.zeros((per_set, 3)), fk, None, theory, central, stat,
                    (0.01 * theory)[:, None], 0.0, covmat, 0.75, k * per_set)
        )
    covmat = np.zeros((NDATA, NDATA))
    for d in datasets:
        covmat[d.slice, d.slice] = d.covmat
    central = np.concatenate([d.central for d in datasets])
    data = central + generator.normal(size=(max_replicas, NDATA)) @ np.linalg.cholesky(covmat).T
    mask = generator.uniform(size=(max_replicas, NDATA)) < 0.75
    n_int = NINTEGRATION if sum_rules else 0
    return Problem(
        xgrid=xgrid,
        integration_x=np.geomspace(1e-9, 1.0, n_int, endpoint=False),
        integration_w=np.full(n_int, 1.0 / max(n_int, 1)),
        truth_xf=np.zeros((8, NX)),
        datasets=tuple(datasets),
        positivity=(),
        folds=(),
        covmat=covmat,
        replica_ids=np.arange(1, max_replicas + 1),
        replica_data=data,
        training_mask=mask,
    )


def reference_runcard(epochs: int, sum_rules: bool) -> dict:
    return {
        "nnseed": 2,
        "parameters": {
            "nodes_per_layer": [25, 20, 8],
            "activation_per_layer": ["tanh", "tanh", "linear"],
            "initializer": "glorot_normal",
            "optimizer": {"optimizer_name": "Adam", "learning_rate": 1.0e-3, "clipnorm": 0.0},
            "epochs": epochs,
            "stopping_patience": 1.0,
            "threshold_chi2": 1.0e9,
        },
        "fitting": {"fitbasis": "EVOL", "sum_rules": "ALL" if sum_rules else "NONE", "basis": BASIS},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", default="1,10,50,100", help="stacked sizes to time")
    parser.add_argument("--epochs", type=int, default=600, help="epochs per timing (the first 100 are warm-up)")
    parser.add_argument("--threads", type=int, default=1, help="intra-op threads (inter-op stays 1)")
    args = parser.parse_args()
    sizes = [int(r) for r in args.replicas.split(",")]
    seeding.set_initial_state(seeding.job_seed(2), intra_op_threads=args.threads, inter_op_threads=1)

    from replifold.training.replicas import train_replicas

    table = []
    for sum_rules in (False, True):
        problem = reference_problem(max(sizes), sum_rules)
        runcard = reference_runcard(args.epochs, sum_rules)
        single = train_replicas(runcard, problem, [1], min_stack=1).timing
        for size in sizes:
            timing = train_replicas(runcard, problem, list(range(1, size + 1))).timing
            table.append(
                {
                    "sum_rules": sum_rules,
                    "replicas": size,
                    "stacked_steps_per_s": round(timing.steps_per_s, 2),
                    "stacked_replica_steps_per_s": round(timing.replica_steps_per_s, 1),
                    "s_per_replica_step": float(f"{1.0 / timing.replica_steps_per_s:.3g}"),
                    "independent_replica_steps_per_s": round(single.steps_per_s, 1),
                    "speedup_vs_independent": round(timing.replica_steps_per_s / single.steps_per_s, 2),
                    "first_chunk_s": round(timing.first_chunk_s, 2),
                }
            )
    print(
        json.dumps(
            {
                "benchmark": "bench_replicas",
                "size": {"nx": NX, "ndata": NDATA, "flavours": 8, "nodes": [25, 20, 8], "integration_points": NINTEGRATION},
                "optimizer": "Adam lr 1e-3, full batch",
                "epochs_timed": args.epochs - 100,
                "threads": {"intra_op": args.threads, "inter_op": 1},
                "independent": "one bare single-replica model timed, extrapolated to R models run one after another",
                "host": platform.node(),
                "table": table,
            },
            sort_keys=True,
        )
    )


if __name__ == "__main__":
    main()
