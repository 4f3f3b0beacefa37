"""``replifold fit EXPANDED_RUNCARD DATA_DIR --replicas 1-8 -o OUT``: train one batch of replicas.

Writes ``OUT/weights.h5`` (the stacked model), ``OUT/model.json``, ``OUT/result.json`` (per
replica, reproducible), ``OUT/history.npz`` (the per-epoch history, reproducible) and
``OUT/fit.timing.json`` (wall time, speed, host: not reproducible). ``--tensorboard DIR`` also
writes the history as TensorBoard scalars under DIR/replica_<i>/ (event files carry wall-clock
times, so keep DIR out of anything that must reproduce).
"""

from __future__ import annotations

import argparse
import logging
import re
from pathlib import Path

from replifold.errors import UserError

log = logging.getLogger(__name__)
_RANGE = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")


def parse_replicas(text: str) -> list[int]:
    """'1-8', '3,7', '1-4,9' -> sorted replica numbers (1-based, no repeats)."""
    replicas: list[int] = []
    for part in text.split(","):
        match = _RANGE.match(part)
        if match is None:
            raise UserError(
                f"bad replica range {part.strip()!r} in {text!r}; use e.g. 1-8, 3,7 or 1-4,9"
            )
        first = int(match.group(1))
        last = int(match.group(2) or first)
        if first < 1 or last < first:
            raise UserError(
                f"bad replica range {part.strip()!r}: replicas count from 1 and ranges go upwards"
            )
        replicas.extend(range(first, last + 1))
    if len(set(replicas)) != len(replicas):
        raise UserError(f"replica list {text!r} names some replicas twice")
    return sorted(replicas)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "runcard", type=Path, help="the expanded runcard written by 'replifold setup'"
    )
    parser.add_argument("data_dir", type=Path, help="the problem data written by 'replifold setup'")
    parser.add_argument(
        "--replicas", required=True, help="replicas of this batch: 1-8, 3,7 or 1-4,9"
    )
    parser.add_argument(
        "--params",
        type=Path,
        default=None,
        help="hyperopt/best.json of a scan: train with the best trial's parameters instead of the runcard's",
    )
    parser.add_argument(
        "-o", "--output", dest="outdir", type=Path, required=True, help="the batch directory"
    )
    parser.add_argument(
        "--tensorboard",
        type=Path,
        default=None,
        metavar="DIR",
        help="also write the training history as TensorBoard logs under DIR (not reproducible: keep it out of the fit)",
    )


def run(args: argparse.Namespace) -> int:
    replicas = parse_replicas(args.replicas)
    if args.tensorboard is not None:
        from replifold.training.tensorboard import require_tensorboard

        require_tensorboard()
    from replifold import seeding
    from replifold.imnn.stages import fit as fit_imnn
    from replifold.imnn.stages import is_imnn
    from replifold.io import read_json, write_json
    from replifold.layout import batch_dir
    from replifold.problem import load_problem
    from replifold.runcard import expand_runcard, load_runcard

    runcard = expand_runcard(load_runcard(args.runcard), source=str(args.runcard))
    if is_imnn(runcard):
        failed = fit_imnn(runcard, args.data_dir, replicas, args.params, args.outdir)
        if failed:
            log.warning(
                f"replicas {failed} diverged (non-finite loss or det F) and are recorded as failed"
            )
        log.info(f"replicas {args.replicas} -> {args.outdir}")
        return 0
    if args.params is not None:
        from replifold.hyperopt.space import apply_params

        if not args.params.is_file():
            raise UserError(
                f"--params {args.params}: no such file (run 'replifold collect' to write best.json)"
            )

        runcard = {
            **runcard,
            "parameters": apply_params(runcard["parameters"], read_json(args.params)["params"]),
        }
    if replicas[-1] > runcard["replicas"]:
        raise UserError(
            f"--replicas {args.replicas}: the runcard fits replicas 1-{runcard['replicas']}; "
            "raise 'replicas' to fit more"
        )
    problem = load_problem(args.data_dir, replicas)
    seeding.set_job_state(runcard, batch_first_replica=replicas[0])

    from replifold.training.progress import Progress
    from replifold.training.replicas import train_replicas
    from replifold.training.weights import save_model

    epochs = int(runcard["parameters"]["epochs"])
    batch = train_replicas(
        runcard, problem, replicas, progress=Progress(epochs, label=f"fit {args.replicas}")
    )
    out = batch_dir(args.outdir)
    save_model(batch.model, out, replicas)
    batch.history.save(out.history, replicas)
    write_json(out.result, batch.result.to_json())
    write_json(out.timing, batch.timing.to_json())
    if args.tensorboard is not None:
        from replifold.training.tensorboard import write_tensorboard

        write_tensorboard(batch.history, replicas, args.tensorboard)
        log.info(f"TensorBoard logs -> {args.tensorboard}")
    failed = [r.replica for r in batch.result.replicas if r.failed]
    if failed:
        log.warning(f"replicas {failed} diverged (NaN/inf loss) and are recorded as failed")
    log.info(f"replicas {args.replicas} -> {out.path}")
    return 0
