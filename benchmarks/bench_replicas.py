"""Training speed of stacked replicas, this checkout beside a baseline, interleaved: one JSON line.

Conditions (n3fit's benchmark size): x-grid of 50 points, 200 linear data points in 4 datasets,
8 flavours, nodes [25, 20, 8] tanh/tanh/linear, Adam lr 1e-3, clipnorm 1.0, trainable
preprocessing exponents, full batch; with sum rules (ALL) on the closure problem's
``integration_points``-node quadrature (2000 by default, as n3fit), without them on the x-grid
alone. Stopping is disabled, so every run trains exactly ``--epochs`` epochs; the first compiled
chunk (tracing, XLA compilation, warm-up) is left out of the speed.

Each tree (this checkout, the baseline of ``baseline.py``) runs in its own long-lived worker
process per thread setting (same interpreter and packages; intra-op threads as given, inter-op
1); the parent sends the same cases to both, alternating which goes first, ``--repeats`` times,
and reports per tree the median and the range of the runs. Speeds are wall-clock
replica-steps per second (one step = one full-batch epoch of one replica) and, as a figure a
busy machine disturbs less, the same per second of the worker's CPU time.

Per row: ``stacking_gain`` is the stacked speed over a bare one-replica model's
(``min_stack=1``: what n3fit-style independent fits of one replica each would run at), and
``alone_max_abs_diff`` the largest difference between the weights of replicas 1 and R trained in
that batch and trained alone (as two copies, how replifold trains a lone replica): 0.0 is the
bitwise equality replifold promises. The R=1 row is that two-copy lone replica.
The normalisation is recomputed in every step, as n3fit does (``every`` is 1 in every row; an
option to update it every k steps was considered and not built).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import baseline as baselines

NX, NDATA, NDATASETS = 50, 200, 4
NODES = [25, 20, 8]
FLAVOURS = ("sng", "g", "v", "v3", "v8", "t3", "t8", "t15")


# ---------------------------------------------------------------- worker side (imports the tree's replifold)


def reference_problem(max_replicas: int, integration_points: int):
    """Synthetic DIS-like data at the reference size, seeded through ``replifold.seeding``."""
    import numpy as np

    from replifold import seeding
    from replifold.closure.grids import make_integration_grid
    from replifold.problem import Dataset, Problem

    generator = seeding.rng(0, "level1")
    xgrid = np.concatenate(
        [np.geomspace(1e-5, 0.1, 30, endpoint=False), np.linspace(0.1, 0.95, 20)]
    )
    per_set = NDATA // NDATASETS
    datasets = []
    for k in range(NDATASETS):
        fk = generator.uniform(0.0, 1.0, (per_set, 8, NX)) / NX
        theory = fk.sum(axis=(1, 2))
        stat = 0.02 * theory
        covmat = np.diag(stat**2) + np.outer(0.01 * theory, 0.01 * theory)
        central = theory + generator.normal(size=per_set) * stat
        datasets.append(
            Dataset(
                f"SET{k}",
                "DIS_NC",
                np.zeros((per_set, 3)),
                fk,
                None,
                theory,
                central,
                stat,
                (0.01 * theory)[:, None],
                0.0,
                covmat,
                0.75,
                k * per_set,
            )
        )
    covmat = np.zeros((NDATA, NDATA))
    for d in datasets:
        covmat[d.slice, d.slice] = d.covmat
    central = np.concatenate([d.central for d in datasets])
    data = central + generator.normal(size=(max_replicas, NDATA)) @ np.linalg.cholesky(covmat).T
    mask = generator.uniform(size=(max_replicas, NDATA)) < 0.75
    if integration_points:
        integration_x, integration_w = make_integration_grid(integration_points)
    else:
        integration_x, integration_w = np.zeros(0), np.zeros(0)
    return Problem(
        xgrid=xgrid,
        integration_x=integration_x,
        integration_w=integration_w,
        truth_xf=np.zeros((8, NX)),
        datasets=tuple(datasets),
        positivity=(),
        folds=(),
        covmat=covmat,
        replica_ids=np.arange(1, max_replicas + 1),
        replica_data=data,
        training_mask=mask,
    )


def reference_runcard(epochs: int, sum_rules: bool, every: int) -> dict:
    fitting = {
        "fitbasis": "EVOL",
        "sum_rules": "ALL" if sum_rules else "NONE",
        "basis": [
            {"fl": fl, "smallx": [1.0, 1.1], "largex": [2.0, 3.0], "trainable": True}
            for fl in FLAVOURS
        ],
    }
    if every != 1:
        fitting["sum_rules_every"] = every
    return {
        "nnseed": 2,
        "parameters": {
            "nodes_per_layer": NODES,
            "activation_per_layer": ["tanh", "tanh", "linear"],
            "initializer": "glorot_normal",
            "optimizer": {"optimizer_name": "Adam", "learning_rate": 1.0e-3, "clipnorm": 1.0},
            "epochs": epochs,
            "stopping_patience": 1.0,
            "threshold_chi2": 1.0e9,
        },
        "fitting": fitting,
    }


class ChunkClock:
    """Stands in for ``training.progress.Progress``: the process CPU time at the end of each chunk."""

    def __init__(self):
        self.marks: list[tuple[int, float]] = []

    def update(self, epoch, *_args, **_kwargs) -> None:
        self.marks.append((int(epoch), time.process_time()))

    def close(self) -> None:
        pass

    def cpu_steps_per_s(self) -> float | None:
        """Steps per CPU second over the chunks after the first (which compiles)."""
        if len(self.marks) < 2:
            return None
        (e0, c0), (e1, c1) = self.marks[0], self.marks[-1]
        return (e1 - e0) / (c1 - c0) if c1 > c0 else None


def worker(threads: int) -> None:
    """Answer one JSON case per stdin line with one JSON result line on stdout."""
    import numpy as np

    from replifold import seeding

    seeding.set_initial_state(seeding.job_seed(2), intra_op_threads=threads, inter_op_threads=1)
    from replifold.training.replicas import train_replicas

    problems: dict = {}
    alone: dict = {}  # (sum_rules, every, epochs, replica) -> its weights trained alone
    out = sys.stdout
    sys.stdout = sys.stderr  # anything the code prints must not break the protocol
    for line in sys.stdin:
        case = json.loads(line)
        key = (case["integration_points"], case["max_replicas"])
        if key not in problems:
            problems[key] = reference_problem(case["max_replicas"], case["integration_points"])
        runcard = reference_runcard(case["epochs"], case["sum_rules"], case["every"])
        replicas = case["replicas"]
        clock = ChunkClock()
        batch = train_replicas(
            runcard, problems[key], replicas, min_stack=case["min_stack"], progress=clock
        )
        timing = batch.timing
        result = {
            "replica_steps_per_s": timing.replica_steps_per_s,
            "steps_per_s": timing.steps_per_s,
            "cpu_replica_steps_per_s": (clock.cpu_steps_per_s() or float("nan")) * len(replicas),
            "first_chunk_s": timing.first_chunk_s,
        }
        tag = (case["sum_rules"], case["every"], case["epochs"])
        if case["min_stack"] > 1:
            differences = {}
            for replica in case["track"]:
                weights = batch.model.replica_weights(replicas.index(replica))
                if len(replicas) == 1:
                    alone[(*tag, replica)] = weights
                elif (*tag, replica) in alone:
                    reference = alone[(*tag, replica)]
                    differences[str(replica)] = max(
                        float(np.max(np.abs(a - b))) for a, b in zip(weights, reference)
                    )
            result["alone_max_abs_diff"] = differences
        out.write(json.dumps(result) + "\n")
        out.flush()


# ---------------------------------------------------------------- parent side (no TensorFlow here)


class Worker:
    def __init__(self, tree: baselines.Tree, threads: int, log: Path):
        self.tree = tree
        self.log = log
        env = tree.env(OMP_NUM_THREADS=str(threads), TF_NUM_INTRAOP_THREADS=str(threads))
        self._stderr = log.open("w", encoding="utf-8")
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--worker", "--threads", str(threads)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            env=env,
        )

    def run(self, case: dict) -> dict:
        self.process.stdin.write(json.dumps(case) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            tail = self.log.read_text(encoding="utf-8", errors="replace")[-4000:]
            raise SystemExit(f"{self.tree.label} worker died on {case}:\n{tail}")
        return json.loads(line)

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=120)
        self._stderr.close()


def summary(runs: list[dict], key: str) -> dict:
    values = [r[key] for r in runs if r[key] == r[key]]
    if not values:
        return {"median": None, "range": None}
    return {
        "median": round(statistics.median(values), 1),
        "range": [round(min(values), 1), round(max(values), 1)],
    }


def cases(args: argparse.Namespace, sizes: list[int]) -> list[dict]:
    """Every configuration to time, in order; ``trees`` says which trees run it."""
    out = []
    for sum_rules in args.sum_rules:
        for every in args.every if sum_rules else [1]:
            points = args.integration_points if sum_rules else 0
            common = {
                "sum_rules": sum_rules,
                "every": every,
                "integration_points": points,
                "max_replicas": max(sizes),
                "epochs": args.epochs,
            }
            trees = ["current", "baseline"] if every == 1 else ["current"]
            largest = max(sizes)
            if every == 1:
                out.append(
                    {
                        **common,
                        "kind": "bare",
                        "replicas": [1],
                        "min_stack": 1,
                        "track": [],
                        "trees": trees,
                    }
                )
            out.append(
                {
                    **common,
                    "kind": "alone",
                    "replicas": [1],
                    "min_stack": 2,
                    "track": [1],
                    "trees": trees,
                }
            )
            if largest > 1:
                out.append(
                    {
                        **common,
                        "kind": "alone",
                        "replicas": [largest],
                        "min_stack": 2,
                        "track": [largest],
                        "trees": trees,
                        "check_only": True,
                    }
                )
            for size in sizes:
                if size > 1:
                    track = [1, largest] if size == largest else [1]
                    out.append(
                        {
                            **common,
                            "kind": "stacked",
                            "replicas": list(range(1, size + 1)),
                            "min_stack": 2,
                            "track": track,
                            "trees": trees,
                        }
                    )
    return out


def row(case: dict, runs: dict[str, list[dict]], bare: dict[str, float]) -> dict:
    entry = {
        "sum_rules": case["sum_rules"],
        "sum_rules_every": case["every"],
        "replicas": len(case["replicas"]),
        "bare_one_replica_model": case["kind"] == "bare",
    }
    for label, results in runs.items():
        speed = summary(results, "replica_steps_per_s")
        stats = {
            "replica_steps_per_s": speed,
            "cpu_replica_steps_per_s": summary(results, "cpu_replica_steps_per_s"),
            "first_chunk_s": summary(results, "first_chunk_s")["median"],
        }
        if case["kind"] != "bare" and bare.get(label) and speed["median"]:
            stats["stacking_gain"] = round(speed["median"] / bare[label], 2)
        if case["kind"] == "stacked":
            stats["alone_max_abs_diff"] = results[-1].get("alone_max_abs_diff", {})
        entry[label] = stats
    if {"current", "baseline"} <= runs.keys():
        ratios = [
            c["replica_steps_per_s"] / b["replica_steps_per_s"]
            for c, b in zip(runs["current"], runs["baseline"])
        ]
        entry["speedup_vs_baseline"] = {
            "median": round(statistics.median(ratios), 2),
            "range": [round(min(ratios), 2), round(max(ratios), 2)],
        }
    return entry


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", default="1,10,50,100,200", help="stacked sizes to time")
    parser.add_argument(
        "--threads", default="1,2", help="intra-op thread counts (inter-op stays 1)"
    )
    parser.add_argument(
        "--epochs", type=int, default=300, help="epochs per run; the first 100 are warm-up"
    )
    parser.add_argument(
        "--repeats", type=int, default=2, help="runs per tree and configuration, interleaved"
    )
    parser.add_argument(
        "--integration-points", type=int, default=2000, help="sum-rule quadrature nodes"
    )
    parser.add_argument("--sum-rules", default="off,on", help="off, on or off,on")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    baselines.add_options(parser)
    args = parser.parse_args()
    if args.worker:
        worker(int(args.threads))
        return
    sizes = sorted({int(r) for r in args.replicas.split(",")})
    args.sum_rules = [{"off": False, "on": True}[s] for s in args.sum_rules.split(",")]
    args.every = [1]
    table = []
    started = time.monotonic()
    with (
        baselines.baseline(args) as base,
        tempfile.TemporaryDirectory(prefix="bench_replicas.") as logs,
    ):
        trees = [baselines.current()] + ([base] if base is not None else [])
        for threads in [int(t) for t in args.threads.split(",")]:
            workers = {
                t.label: Worker(t, threads, Path(logs) / f"{t.label}-{threads}.log") for t in trees
            }
            bare: dict[str, float] = {}
            try:
                for case in cases(args, sizes):
                    runs: dict[str, list[dict]] = {
                        label: [] for label in case["trees"] if label in workers
                    }
                    order = list(runs)
                    for repeat in range(1 if case.get("check_only") else args.repeats):
                        for label in order if repeat % 2 == 0 else order[::-1]:
                            runs[label].append(workers[label].run(case))
                    if case.get("check_only"):
                        continue
                    if case["kind"] == "bare":
                        bare = {
                            label: statistics.median(r["replica_steps_per_s"] for r in results)
                            for label, results in runs.items()
                        }
                    entry = {"threads": threads, **row(case, runs, bare)}
                    table.append(entry)
                    print(json.dumps(entry), file=sys.stderr, flush=True)
            finally:
                for w in workers.values():
                    w.close()
        print(
            json.dumps(
                {
                    "benchmark": "bench_replicas",
                    "size": {
                        "nx": NX,
                        "ndata": NDATA,
                        "flavours": 8,
                        "nodes": NODES,
                        "integration_points": args.integration_points,
                    },
                    "optimizer": "Adam lr 1e-3, clipnorm 1.0, full batch; trainable preprocessing exponents",
                    "epochs_timed": args.epochs - 100,
                    "repeats": args.repeats,
                    "trees": {t.label: t.describe() for t in trees},
                    "host": platform.node(),
                    "cpu_count": os.cpu_count(),
                    "wall_s": round(time.monotonic() - started, 1),
                    "table": table,
                },
                sort_keys=True,
            )
        )


if __name__ == "__main__":
    main()
