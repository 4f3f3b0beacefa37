"""Build the closure-test problem from an expanded runcard and write it to ``data_dir``.

Pipeline: x-grid and quadrature -> truth -> FK tables -> theory (level 0) -> covariance ->
level-1 data (``filterseed``) -> level-2 replicas (``mcseed``) and masks (``trvlseed``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from replifold import seeding
from replifold.closure import catalogue
from replifold.closure.covariance import block_diagonal, make_errors
from replifold.closure.fktables import (
    bilinear_predictions,
    dis_fk,
    hadronic_fk,
    hadronic_x,
    linear_predictions,
    positivity_sets,
)
from replifold.closure.grids import POWER, make_integration_grid, make_xgrid
from replifold.closure.request import ClosureRequest
from replifold.closure.truth import COMPONENTS, Truth, make_truth
from replifold.errors import RuncardError
from replifold.problem import Dataset, Problem, ReplicaSampling, save_problem
from replifold.pseudodata import level1_data

DESCRIPTION = (
    "replifold built-in closure test: analytic truth A x^a (1-x)^b (1 + c sqrt(x) + d x) per component "
    "(sum rules by Beta functions), DIS-like linear and hadronic-like bilinear FK tables (linear log-x "
    "interpolation smeared by an evolution-like kernel), stat + additive sys + multiplicative norm (t0) "
    f"covariance, level-1 and level-2 Gaussian pseudo-data; quadrature: Gauss-Legendre in y, x = y^{POWER}"
)


def write_problem(runcard: Mapping[str, Any], data_dir: str | Path) -> None:
    """Generate the problem the expanded ``runcard`` describes into ``data_dir`` (layout: ``replifold.problem``).

    No replica is drawn here: jobs draw the ones they train when they load the problem.
    """
    request = dataclasses.replace(ClosureRequest.from_runcard(runcard), replica_ids=())
    problem, truth_extra = build_problem(request)
    save_problem(problem, data_dir, truth_extra)


def build_problem(request: ClosureRequest) -> tuple[Problem, dict[str, np.ndarray]]:
    """The problem and the truth's extra arrays (values on the quadrature nodes, parameters)."""
    grid = request.xgrid
    xgrid = make_xgrid(grid.n_small, grid.n_large, grid.x_min, grid.x_switch)
    _check_coverage(request, xgrid)
    integration_x, integration_w = make_integration_grid(request.integration_points)
    truth = make_truth()
    truth_xf = truth.xf(xgrid)

    level0 = []
    for entry in request.datasets:
        spec = catalogue.dataset_spec(entry.name)
        if isinstance(spec, catalogue.DisSpec):
            fk, channels = dis_fk(spec, xgrid), None
            theory = linear_predictions(fk, truth_xf)
        else:
            fk, channels = hadronic_fk(spec, xgrid)
            theory = bilinear_predictions(fk, channels, truth_xf)
        level0.append((entry, spec, fk, channels, theory, make_errors(spec.uncertainties, theory)))

    covmat = block_diagonal([errors.covmat(theory) for *_, theory, errors in level0])
    cholesky = np.linalg.cholesky(covmat)
    theory_all = np.concatenate([theory for *_, theory, _ in level0])
    central_all = level1_data(theory_all, cholesky, request.filterseed, request.fakenoise)

    datasets, offset = [], 0
    for entry, spec, fk, channels, theory, errors in level0:
        block = slice(offset, offset + theory.shape[0])
        datasets.append(
            Dataset(
                name=entry.name,
                process=spec.process,
                kinematics=spec.kinematics(),
                fk=fk,
                channels=channels,
                theory=theory,
                central=central_all[block],
                stat=errors.stat,
                sys=errors.sys,
                norm=errors.norm,
                covmat=covmat[block, block],
                frac=entry.frac,
                offset=offset,
            )
        )
        offset += theory.shape[0]

    indices = [catalogue.dataset_index(d.name) for d in datasets]
    sampling = ReplicaSampling(
        request.mcseed, request.trvlseed, request.genrep, tuple(indices), covmat
    )
    problem = Problem(
        xgrid=xgrid,
        integration_x=integration_x,
        integration_w=integration_w,
        truth_xf=truth_xf,
        datasets=tuple(datasets),
        positivity=positivity_sets(request.positivity, xgrid),
        folds=request.folds,
        covmat=covmat,
        replica_ids=np.zeros(0, dtype=np.int64),
        replica_data=np.zeros((0, covmat.shape[0])),
        training_mask=np.zeros((0, covmat.shape[0]), dtype=bool),
        meta=_meta(request, truth, indices),
        sampling=sampling,
    ).with_replicas(request.replica_ids)
    truth_extra = {
        "xf_integration": truth.xf(integration_x),
        "parameters": truth.parameters(),
    }
    return problem, truth_extra


def _check_coverage(request: ClosureRequest, xgrid: np.ndarray) -> None:
    """Every data and positivity point must lie on the grid; otherwise the grid settings are at fault."""
    lowest, highest = [], []
    for entry in request.datasets:
        spec = catalogue.dataset_spec(entry.name)
        if isinstance(spec, catalogue.DisSpec):
            x = spec.kinematics()[:, 0]
        else:
            x = np.concatenate(hadronic_x(spec.kinematics()))
        lowest.append((float(x.min()), entry.name))
        highest.append((float(x.max()), entry.name))
    for name in request.positivity:
        x = np.asarray(catalogue.positivity_spec(name).x)
        lowest.append((float(x.min()), name))
        highest.append((float(x.max()), name))
    low, low_name = min(lowest)
    if low < xgrid[0]:
        raise RuncardError(
            ("closure", "xgrid", "x_min"),
            f"{low_name} needs the grid to reach x = {low:.3g}",
            found=float(xgrid[0]),
            allowed=f"x_min <= {low:.3g}",
        )
    high, high_name = max(highest)
    if high > xgrid[-1]:
        raise RuncardError(
            ("closure", "xgrid", "n_large"),
            f"{high_name} needs the grid to reach x = {high:.3g}, but its last point is {xgrid[-1]:.3g}",
            found=request.xgrid.n_large,
            allowed="more large-x points (the last point is 1 - (1 - x_switch) / n_large)",
        )


def _meta(request: ClosureRequest, truth: Truth, catalogue_indices: list[int]) -> dict[str, Any]:
    return {
        "problem": "closure",
        "description": DESCRIPTION,
        "catalogue_index": dict(
            zip([d.name for d in request.datasets], catalogue_indices, strict=True)
        ),
        "settings": {
            "fakenoise": request.fakenoise,
            "genrep": request.genrep,
            "integration_points": request.integration_points,
            "xgrid": {
                "n_small": request.xgrid.n_small,
                "n_large": request.xgrid.n_large,
                "x_min": request.xgrid.x_min,
                "x_switch": request.xgrid.x_switch,
            },
        },
        "seeds": {
            "filterseed": request.filterseed,
            "mcseed": request.mcseed,
            "trvlseed": request.trvlseed,
            "level1": seeding.level1_seed(request.filterseed) if request.fakenoise else None,
        },
        "truth": {
            "components": list(COMPONENTS),
            "parameter_names": ["A", "a", "b", "c", "d"],
            "parameters": truth.parameters().tolist(),
            "definition": "f = A x^a (1-x)^b (1 + c sqrt(x) + d x); u = uv + ubar, d = dv + dbar, sbar = s, "
            "c stands for c = cbar; stored arrays are x f",
        },
    }
