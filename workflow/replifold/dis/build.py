"""Build the real-data problem from an expanded ``problem: dis`` runcard and the theory cache.

Pipeline: data sets and cuts (``theory_plan``) -> FK tables from the cache, rotated to the
flavour basis on the operator's x-grid -> commondata after cuts -> central values (the data, or
closure-test pseudo-data from the built-in truth) -> experimental covariance -> fitted
covariance (t0 if ``datacuts.t0fit``, else experimental) -> Monte Carlo replicas and
training masks -> ``replifold.problem.Problem``. The training code cannot tell it from the
closure problem.

What the ``Problem`` fields hold here:

* ``Dataset.covmat``, ``stat``, ``sys``: the *experimental* covariance of the data set
  (multiplicative uncertainties relative to its central values) and its decomposition:
  ``stat`` = statistical and uncorrelated systematics in quadrature, ``sys`` = correlated and
  special systematics (absolute), ``norm`` = 0 (normalisations are among ``sys``), so
  ``diag(stat^2) + sys sys^T = covmat``; per-data-set chi2 use it, as validphys reports them;
* ``Problem.covmat``: the covariance the fit uses (t0 or experimental), with the special
  systematics correlating data sets (HERA's); Monte Carlo replicas are drawn from it too, as
  n3fit draws them from the t0 covariance;
* ``theory`` and ``truth_xf``: the built-in truth's predictions and PDF in a closure test; NaN
  for real data, which have no truth;
* ``data/dis/``: what else a report needs (theory kinematics, the full experimental covariance,
  t0 predictions, the measured central values, c-factors).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from replifold import seeding
from replifold.closure.fktables import linear_predictions, positivity_sets
from replifold.closure.grids import POWER, make_integration_grid
from replifold.closure.truth import make_truth
from replifold.dis.cfactors import cfactor_values
from replifold.dis.covariance import Uncertainties, covariance_of, decompose
from replifold.dis.request import DisRequest
from replifold.dis.t0 import t0_xf
from replifold.dis.theory_plan import DatasetTheory, TheoryPlan, plan_theory
from replifold.errors import UserError
from replifold.io import sha256_file, write_json, write_npz
from replifold.problem import Dataset, Problem, ReplicaSampling, save_problem
from replifold.pseudodata import level1_data
from replifold.theory.cache import TheoryCache
from replifold.theory.fktables import FKTABLE_FILE, read_fktable

INTEGRATION_POINTS = 256  # quadrature nodes of the sum rules, as the closure problem's default
EXTRA_DIR = "dis"

DESCRIPTION = (
    "replifold real-data DIS problem: NNPDF commondata (nnpdf_data) after n3fit's kinematic cuts, FK tables built "
    "from an NNPDF theory card with yadism (grids), eko (evolution from Q0) and pineko's recipe (FK tables), rotated "
    "from the evolution basis to replifold's flavour basis on NNPDF's 50-point x-grid; experimental covariance as "
    f"validphys builds it (t0 when a t0 fit is given); positivity: replifold's built-in sets; quadrature: "
    f"Gauss-Legendre in y, x = y^{POWER}"
)


@dataclass(frozen=True, eq=False)
class DatasetData:
    """One data set after cuts, with its FK table and uncertainties."""

    theory: DatasetTheory
    fk: np.ndarray  # (ndata, 8, nx) c-factors applied
    uncertainties: Uncertainties
    cfactors: np.ndarray  # (ndata,)
    fktable_sha256: str
    frac: float
    catalogue_index: int


def load_datasets(request: DisRequest, plan: TheoryPlan, cache: TheoryCache) -> list[DatasetData]:
    out = []
    for entry, theory in zip(request.datasets, plan.datasets, strict=True):
        hint = "build it with 'replifold theory-grid', 'theory-operator' and 'fktable' (the workflow does)"
        path = cache.require(
            theory.fktable, FKTABLE_FILE, f"FK table of {theory.name} not built; {hint}"
        )
        table = read_fktable(path, plan.xgrid)
        if table.fk.shape[0] != theory.ndata:
            raise UserError(
                f"{path}: {table.fk.shape[0]} points, but {theory.name} has {theory.ndata} after cuts"
            )
        if not np.isclose(table.q0, plan.card["Q0"]):
            raise UserError(
                f"{path}: FK table at Q0 = {table.q0} GeV, the card says {plan.card['Q0']}"
            )
        kept = np.flatnonzero(theory.mask)
        cfactors = cfactor_values(
            entry.cfac, theory.data.entry.fktables, theory.data.ndata, entry.key_path
        )[kept]
        commondata = theory.data.commondata().with_cuts(list(kept))
        out.append(
            DatasetData(
                theory=theory,
                fk=table.fk * cfactors[:, None, None],
                uncertainties=Uncertainties.from_commondata(commondata),
                cfactors=cfactors,
                fktable_sha256=sha256_file(path),
                frac=entry.frac,
                catalogue_index=entry.catalogue_index,
            )
        )
    return out


def _cholesky(covmat: np.ndarray, what: str) -> np.ndarray:
    try:
        return np.linalg.cholesky(covmat)
    except np.linalg.LinAlgError:
        raise UserError(
            f"the {what} covariance is not positive definite; check the data sets' uncertainties"
        ) from None


def build_problem(
    runcard: Mapping[str, Any], cache: TheoryCache
) -> tuple[Problem, dict[str, dict[str, np.ndarray]]]:
    """The problem and the extra arrays written to ``data/dis/`` (file stem -> arrays)."""
    request = DisRequest.from_runcard(runcard)
    plan = plan_theory(request)
    data = load_datasets(request, plan, cache)
    xgrid = plan.xgrid
    sizes = [d.theory.ndata for d in data]
    offsets = np.cumsum([0, *sizes])

    truth = make_truth() if request.closuretest else None
    truth_xf = truth.xf(xgrid) if truth is not None else np.full((8, xgrid.shape[0]), np.nan)
    measured = [d.uncertainties.central for d in data]
    if request.closuretest is not None:
        level0 = [linear_predictions(d.fk, truth_xf) for d in data]
        noise = covariance_of(
            [d.uncertainties for d in data], level0
        )  # validphys: level-0 multiplicative
        level1 = level1_data(
            np.concatenate(level0),
            _cholesky(noise, "closure-test noise"),
            request.closuretest.filterseed,
            request.closuretest.fakenoise,
        )
        centrals = [level1[offsets[k] : offsets[k + 1]] for k in range(len(data))]
        theories = level0
    else:
        centrals = measured
        theories = [np.full(n, np.nan) for n in sizes]

    experimental = covariance_of([d.uncertainties for d in data], centrals)
    t0_predictions = None
    if request.t0fit is not None:
        t0 = t0_xf(request.t0fit, xgrid)
        t0_predictions = [linear_predictions(d.fk, t0) for d in data]
        fitted = covariance_of([d.uncertainties for d in data], t0_predictions)
    else:
        fitted = experimental
    central_all = np.concatenate(centrals)
    _cholesky(fitted, "fitted")  # positive definite, or a clear error
    _cholesky(experimental, "experimental")

    datasets = []
    for k, d in enumerate(data):
        parts = decompose(d.uncertainties, centrals[k])
        block = slice(offsets[k], offsets[k + 1])
        kinematics = d.theory.kinematics
        datasets.append(
            Dataset(
                name=d.theory.name,
                process=d.theory.data.process,
                kinematics=np.stack(
                    [
                        np.asarray(kinematics.x),
                        np.sqrt(kinematics.q2),
                        d.theory.data.sqrt_s[d.theory.mask],
                    ],
                    axis=1,
                ),
                fk=d.fk,
                channels=None,
                theory=theories[k],
                central=centrals[k],
                stat=parts.uncorrelated,
                sys=np.concatenate([parts.correlated, parts.special], axis=1),
                norm=0.0,
                covmat=experimental[block, block],
                frac=d.frac,
                offset=int(offsets[k]),
            )
        )

    integration_x, integration_w = make_integration_grid(INTEGRATION_POINTS)
    # Monte Carlo replicas are drawn from the fitted covariance, by each job for the replicas it trains
    sampling = ReplicaSampling(
        request.mcseed,
        request.trvlseed,
        request.genrep,
        tuple(d.catalogue_index for d in data),
        fitted,
    )
    ndata = central_all.shape[0]
    problem = Problem(
        xgrid=xgrid,
        integration_x=integration_x,
        integration_w=integration_w,
        truth_xf=truth_xf,
        datasets=tuple(datasets),
        positivity=positivity_sets(request.positivity, xgrid),
        folds=request.folds,
        covmat=fitted,
        replica_ids=np.zeros(0, dtype=np.int64),
        replica_data=np.zeros((0, ndata)),
        training_mask=np.zeros((0, ndata), dtype=bool),
        meta=_meta(request, plan, data),
        sampling=sampling,
    ).with_replicas(request.replica_ids)
    extra = {
        "covmat_experimental": {"covmat": experimental},
        **{
            d.theory.name: {
                "x": np.asarray(d.theory.kinematics.x),
                "q2": np.asarray(d.theory.kinematics.q2),
                "y": np.asarray(d.theory.kinematics.y),
                "x_cut": d.theory.data.x[d.theory.mask],
                "commondata_index": np.flatnonzero(d.theory.mask) + 1,  # 1-based, as in commondata
                "measured": measured[k],
                "cfactors": d.cfactors,
                **({"t0": t0_predictions[k]} if t0_predictions is not None else {}),
            }
            for k, d in enumerate(data)
        },
    }
    if truth is not None:
        extra["truth"] = {
            "xf_integration": truth.xf(integration_x),
            "parameters": truth.parameters(),
        }
    return problem, extra


def _meta(request: DisRequest, plan: TheoryPlan, data: Sequence[DatasetData]) -> dict[str, Any]:
    closure = request.closuretest
    return {
        "problem": "dis",
        "description": DESCRIPTION,
        "catalogue_index": {d.theory.name: d.catalogue_index for d in data},
        "theory": {
            "id": plan.card.id,
            "overrides": dict(plan.card.overrides),
            "card": plan.card.canonical(),
            "xgrid_points": int(plan.xgrid.shape[0]),
        },
        "dis": {
            d.theory.name: {
                "variant": d.theory.data.variant,
                "observable": d.theory.observable.name,
                "process": d.theory.data.process,
                "ndata_before_cuts": d.theory.data.ndata,
                "ndata": d.theory.ndata,
                "scales": len(d.theory.kinematics.scales()),
                "fktable": d.theory.fktable.digest,
                "fktable_sha256": d.fktable_sha256,
                "grid": d.theory.grid.digest,
            }
            for d in data
        },
        "datacuts": {"q2min": request.cuts.q2min, "w2min": request.cuts.w2min},
        "covariance": "t0" if request.t0fit is not None else "experimental",
        "t0fit": None if request.t0fit is None else request.t0fit.name,
        "closuretest": None
        if closure is None
        else {"filterseed": closure.filterseed, "fakenoise": closure.fakenoise},
        "settings": {"genrep": request.genrep, "integration_points": INTEGRATION_POINTS},
        "seeds": {
            "filterseed": None if closure is None else closure.filterseed,
            "mcseed": request.mcseed,
            "trvlseed": request.trvlseed,
            "level1": seeding.level1_seed(closure.filterseed)
            if closure is not None and closure.fakenoise
            else None,
        },
    }


def write_problem(runcard: Mapping[str, Any], data_dir: str | Path, cache: TheoryCache) -> None:
    """Build the real-data problem and write it (``replifold.problem`` layout plus ``data/dis/``)."""
    problem, extra = build_problem(runcard, cache)
    truth = extra.pop("truth", None)
    save_problem(problem, data_dir, truth)
    for stem, arrays in extra.items():
        write_npz(Path(data_dir) / EXTRA_DIR / f"{stem}.npz", arrays)
    write_json(Path(data_dir) / EXTRA_DIR / "datasets.json", problem.meta["dis"])
