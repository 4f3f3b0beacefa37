"""The selected replicas' x f at Q0 on the export grid, from their trained weights.

The fit stores each replica's x f only on its training grid (``grid.npz``, x >= x_min of the
closure grid), while an LHAPDF set reaches x = 1e-9, so the network itself is evaluated there,
as n3fit writes its export grid: ``fit/replica_<i>/weights.h5`` loaded into a one-replica
``StackedPDF`` built from the configuration of the batch that trained it (a hyperopt scan may
have changed the architecture from the runcard's), normalised with the fit's own sum rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from replifold.errors import UserError
from replifold.io import read_json
from replifold.layout import FitLayout


def selected_replicas(fit_dir: Path) -> list[int]:
    path = FitLayout(fit_dir).selected_json
    if not path.is_file():
        raise UserError(
            f"no postfit selection in {fit_dir} (missing {path}); run 'replifold postfit {fit_dir}' first"
        )
    selected = [int(r) for r in read_json(path)["selected"]]
    if not selected:
        raise UserError(f"{path} selects no replica; nothing to evolve")
    return selected


def batch_configs(fit_dir: Path) -> dict[int, dict]:
    """Replica -> the stacked model configuration (``model.json``) of the batch that trained it."""
    from replifold.layout import MODEL_NAME

    configs = {}
    for description in sorted(FitLayout(fit_dir).fit_dir.glob(f"batch*/{MODEL_NAME}")):
        saved = read_json(description)
        for replica in saved["replicas"]:
            configs[int(replica)] = saved["config"]
    return configs


def replica_xf(fit_dir: Path, replicas: Sequence[int], xgrid: np.ndarray) -> np.ndarray:
    """(R, 8, nx) x f of ``replicas`` on ``xgrid`` in ``problem.FLAVOURS`` order, float64."""
    from replifold.layout import MODEL_NAME
    from replifold.model import StackedPDF
    from replifold.model.spec import ModelSpec
    from replifold.training.weights import load_weights

    layout = FitLayout(fit_dir)
    configs = batch_configs(fit_dir)
    out = []
    for replica in replicas:
        if replica not in configs:
            raise UserError(
                f"replica {replica} is in no batch of {layout.fit_dir} (no batch*/{MODEL_NAME} lists it)"
            )
        config = dict(configs[replica])
        config["spec"] = ModelSpec.from_dict(config["spec"])
        config["replica_seeds"] = [0]  # the weights replace whatever the seed initialises
        model = StackedPDF(**config)
        weights = layout.replica(replica).weights
        load_weights(model, weights)
        xf = model.pdf_at(xgrid)[0].astype(np.float64)
        if not np.all(np.isfinite(xf)):
            raise UserError(
                f"replica {replica} ({weights}) gives non-finite x f on the export grid"
            )
        out.append(xf)
    return np.stack(out)
