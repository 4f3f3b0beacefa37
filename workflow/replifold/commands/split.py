"""``replifold split BATCH_DIR -o OUT``: one directory per replica of a trained batch.

``OUT/replica_<i>/`` gets ``weights.h5`` (loads into a one-replica model), ``grid.npz`` (x f
on the x-grid in the flavour basis, the analogue of n3fit's exportgrid) and ``fit.json``
(the replica's chi2s, best epoch, stop reason, positivity status and seeds, and, as n3fit's
replica json, the arc lengths and integrability numbers postfit vetoes on).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from replifold.errors import UserError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("batch_dir", type=Path, help="a batch directory written by 'replifold fit'")
    parser.add_argument(
        "-o", "--output", dest="outdir", type=Path, required=True, help="where replica_<i>/ go"
    )


def run(args: argparse.Namespace) -> int:
    from replifold.imnn.outputs import is_imnn_batch
    from replifold.io import read_json
    from replifold.layout import batch_dir, replica_dir

    if is_imnn_batch(args.batch_dir):
        from replifold.imnn.stages import split

        split(args.batch_dir, args.outdir)
        return 0
    batch = batch_dir(args.batch_dir)
    if not batch.result.is_file():
        raise UserError(
            f"no batch result in {batch.path} (missing {batch.result.name}); run 'replifold fit' first"
        )
    import numpy as np

    from replifold.io import write_json, write_npz
    from replifold.model import EVOL_BASIS
    from replifold.postfit.measures import evaluation_x, replica_measures
    from replifold.problem import FLAVOURS
    from replifold.training.replicas import replica_xfs
    from replifold.training.results import BatchResult
    from replifold.training.weights import load_model, save_weights

    result = BatchResult.from_json(read_json(batch.result))
    model, replicas = load_model(batch)
    if replicas != [r.replica for r in result.replicas]:
        raise UserError(
            f"{batch.path}: {batch.model.name} and {batch.result.name} list different replicas"
        )
    for index, (replica, xf) in enumerate(zip(replicas, replica_xfs(model), strict=True)):
        single = model.single_replica(index)
        target = replica_dir(args.outdir, replica)
        save_weights(single, target.weights)
        write_npz(target.grid, {"xgrid": single.xgrid, "xf": xf, "flavours": np.asarray(FLAVOURS)})
        arcs, integrability = replica_measures(single.evolution_at(evaluation_x()), EVOL_BASIS)
        measures = {"arc_lengths": arcs[0], "integrability": integrability[0]}
        write_json(
            target.fit,
            {
                **result.replicas[index].to_json(),
                "epochs": result.epochs,
                "patience": result.patience,
                **measures,
            },
        )
    return 0
