"""t0 predictions: the central PDF of a previous replifold fit, convolved with this fit's FK tables.

The t0 prescription turns multiplicative uncertainties into absolute ones with fixed
predictions instead of the fluctuating data, which removes the bias a fit otherwise has towards
data that fluctuated low. n3fit takes the t0 PDF from an LHAPDF set (``t0pdfset``); replifold
takes it from a previous fit of the same data and theory (``datacuts.t0fit``, its folder): the
mean ``x f`` of the replicas its postfit selected, on the same x-grid. Data sets are linear in
the PDF, so this is also the mean of the replicas' predictions.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from replifold.errors import UserError
from replifold.io import read_json, read_npz
from replifold.layout import FitLayout


def t0_files(fit_dir: Path, replicas: list[int] | None = None) -> list[Path]:
    """What the t0 PDF is read from: the selection and the selected replicas' grids (all replicas'
    when the selection is not yet known, for workflow inputs)."""
    layout = FitLayout(fit_dir)
    selection = layout.selected_json
    if replicas is None:
        replicas = read_json(selection)["selected"] if selection.is_file() else []
    return [selection] + [layout.replica(r).grid for r in replicas]


def t0_xf(fit_dir: Path, xgrid: np.ndarray) -> np.ndarray:
    """(8, nx): the mean x f of the selected replicas of the fit in ``fit_dir``."""
    layout = FitLayout(fit_dir)
    selection = layout.selected_json
    if not selection.is_file():
        raise UserError(
            f"datacuts.t0fit: {fit_dir} has no postfit/selected.json; "
            "fit it first (its postfit chooses the t0 replicas)"
        )
    selected = read_json(selection)["selected"]
    if not selected:
        raise UserError(f"datacuts.t0fit: postfit of {fit_dir} selected no replica; no t0 PDF")
    stacked = []
    for replica in selected:
        path = layout.replica(replica).grid
        if not path.is_file():
            raise UserError(
                f"datacuts.t0fit: {path} is missing; run 'replifold split' for that fit"
            )
        grid = read_npz(path)
        if grid["xgrid"].shape != xgrid.shape or not np.allclose(
            grid["xgrid"], xgrid, rtol=1e-12, atol=0.0
        ):
            raise UserError(
                f"datacuts.t0fit: {fit_dir} was fitted on another x-grid ({grid['xgrid'].shape[0]} points); "
                "the t0 fit must use the same theory x-grid (a problem: dis fit)"
            )
        stacked.append(np.asarray(grid["xf"], dtype=np.float64))
    return np.mean(stacked, axis=0)
