"""Which replicas survive, and why the others do not: NNPDF's ``fitveto.determine_vetoes``.

* ``no_best_epoch``: no epoch met the stopping conditions, so the replica carries its last
  weights; with ``positivity`` (the kept weights fail n3fit's positivity test) this is NNPDF's
  convergence check, which reads n3fit's positivity flag (set only at a best epoch);
* ``integrability``: an integrability number above ``postfit.integrability_threshold``;
* ``chi2`` and ``arclength``: the experimental chi2 per point, or one of the five arc lengths,
  more than ``nsigma`` standard deviations above the mean. The mean and the standard deviation
  are those of the replicas that pass every veto so far (the convergence check alone, the first
  time); the distribution vetoes are recomputed until the number of survivors stops changing.

Two former replifold rules stay as options, off unless the runcard's ``postfit`` section asks:
``training_chi2`` (training chi2 per point above ``max_training_chi2``, joining the convergence
check) and ``small_x_outlier`` (|x f| at the grid's smallest x, iterated with the distribution
vetoes at ``small_x_outlier_nsigma``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from replifold.integrability import INTEGRABLE
from replifold.postfit.measures import ARCLENGTH_FLAVOURS, small_x_magnitude
from replifold.postfit.replicas import ReplicaOutput, stacked_xf

CRITERIA = (
    "no_best_epoch",
    "positivity",
    "training_chi2",
    "integrability",
    "chi2",
    "arclength",
    "small_x_outlier",
)


@dataclass(frozen=True)
class PostfitSettings:
    chi2_nsigma: float = 4.0
    arclength_nsigma: float = 4.0
    integrability_threshold: float = 0.5
    max_training_chi2: float | None = None
    small_x_outlier_nsigma: float | None = None

    @classmethod
    def from_runcard(cls, runcard: Mapping[str, Any]) -> PostfitSettings:
        postfit = runcard["postfit"]
        optional = {
            key: postfit.get(key) for key in ("max_training_chi2", "small_x_outlier_nsigma")
        }
        return cls(
            chi2_nsigma=float(postfit["chi2_nsigma"]),
            arclength_nsigma=float(postfit["arclength_nsigma"]),
            integrability_threshold=float(postfit["integrability_threshold"]),
            **{key: None if value is None else float(value) for key, value in optional.items()},
        )


@dataclass(frozen=True)
class Veto:
    criterion: str  # one of CRITERIA
    detail: str


@dataclass(frozen=True)
class Selection:
    replicas: tuple[int, ...]
    selected: tuple[int, ...]
    vetoes: dict[int, tuple[Veto, ...]]
    settings: PostfitSettings
    iterations: int  # passes of the distribution vetoes until the survivors were stable

    def counts(self) -> dict[str, int]:
        return {
            c: sum(any(v.criterion == c for v in vs) for vs in self.vetoes.values())
            for c in CRITERIA
        }


def distribution_veto(values: np.ndarray, prior: np.ndarray, nsigma: float) -> np.ndarray:
    """validphys' ``distribution_veto``: pass when ``value - mean <= nsigma * std`` over the ``prior`` survivors.

    With at most one prior survivor nothing can be judged and the prior is returned.
    """
    if np.sum(prior) <= 1:
        return prior.copy()
    passing = values[prior]
    return (values - np.mean(passing)) <= nsigma * np.std(passing)


@dataclass(frozen=True)
class _Distribution:
    criterion: str
    values: np.ndarray  # (R,)
    nsigma: float
    label: str


def _distributions(
    replicas: Sequence[ReplicaOutput], settings: PostfitSettings
) -> list[_Distribution]:
    found = [
        _Distribution(
            "chi2",
            np.array([r.chi2_exp_per_point for r in replicas]),
            settings.chi2_nsigma,
            "chi2/point",
        )
    ]
    arcs = np.array([r.arc_lengths for r in replicas])
    for k, flavour in enumerate(ARCLENGTH_FLAVOURS):
        found.append(
            _Distribution(
                "arclength", arcs[:, k], settings.arclength_nsigma, f"arc length of {flavour}"
            )
        )
    if settings.small_x_outlier_nsigma is not None:
        magnitudes = small_x_magnitude(stacked_xf(list(replicas)))
        for k, flavour in enumerate(INTEGRABLE):
            found.append(
                _Distribution(
                    "small_x_outlier",
                    magnitudes[:, k],
                    settings.small_x_outlier_nsigma,
                    f"|x {flavour}| at the smallest x",
                )
            )
    return found


def _fixed_vetoes(replica: ReplicaOutput, settings: PostfitSettings) -> list[Veto]:
    fit = replica.fit
    vetoes = []
    if fit["best_epoch"] < 0:
        ended = (
            "a non-finite loss"
            if fit["stop_reason"] == "nan"
            else f"{fit['stop_reason']} at epoch {fit['last_epoch']}"
        )
        vetoes.append(
            Veto(
                "no_best_epoch",
                "no epoch met the stopping conditions (validation chi2/point below threshold_chi2 and every "
                f"positivity set's loss below positivity.threshold); it ended on {ended} and carries its last weights",
            )
        )
    if fit["positivity"] != "POS_PASS":
        vetoes.append(
            Veto("positivity", "a positivity set's loss is above parameters.positivity.threshold")
        )
    limit = settings.max_training_chi2
    if limit is not None and not replica.chi2_tr_per_point <= limit:
        vetoes.append(
            Veto(
                "training_chi2",
                f"training chi2/point {replica.chi2_tr_per_point:.4g} above max_training_chi2 {limit:g}",
            )
        )
    numbers = np.asarray(replica.integrability, dtype=np.float64)
    above = [
        f"{name} {value:.3g}"
        for name, value in zip(INTEGRABLE, numbers, strict=True)
        if not value <= settings.integrability_threshold
    ]
    if above:
        vetoes.append(
            Veto(
                "integrability",
                f"integrability number above {settings.integrability_threshold:g}: {', '.join(above)}",
            )
        )
    return vetoes


def select(replicas: Sequence[ReplicaOutput], settings: PostfitSettings) -> Selection:
    fixed = {r.replica: _fixed_vetoes(r, settings) for r in replicas}
    converged = np.array(
        [not any(v.criterion != "integrability" for v in fixed[r.replica]) for r in replicas]
    )
    integrable = np.array(
        [not any(v.criterion == "integrability" for v in fixed[r.replica]) for r in replicas]
    )
    distributions = _distributions(replicas, settings)
    # As determine_vetoes: the first pass judges against the converged replicas; each pass
    # judges against the survivors of the one before, until their number stops changing.
    total, iterations = converged, 0
    judged = prior = None
    while True:
        masks = [distribution_veto(d.values, total, d.nsigma) for d in distributions]
        iterations += 1
        new_total = converged & integrable & np.all(masks, axis=0)
        if judged is None:
            judged, prior = masks, total
        if new_total.sum() == total.sum():
            break
        judged, prior, total = masks, total, new_total
    vetoes: dict[int, list[Veto]] = {}
    for i, replica in enumerate(replicas):
        found = list(fixed[replica.replica])
        details: dict[str, list[str]] = {}
        for d, mask in zip(distributions, judged, strict=True):
            if not mask[i]:
                survivors = d.values[prior]
                details.setdefault(d.criterion, []).append(
                    f"{d.label} {d.values[i]:.4g} more than {d.nsigma:g} sigma above the survivors' "
                    f"{np.mean(survivors):.4g} ± {np.std(survivors):.3g}"
                )
        found += [Veto(criterion, "; ".join(lines)) for criterion, lines in details.items()]
        if found:
            vetoes[replica.replica] = found
    return Selection(
        replicas=tuple(r.replica for r in replicas),
        selected=tuple(r.replica for r, ok in zip(replicas, total, strict=True) if ok),
        vetoes={replica: tuple(found) for replica, found in vetoes.items()},
        settings=settings,
        iterations=iterations,
    )


def _criteria(settings: PostfitSettings) -> dict[str, Any]:
    return {
        "chi2_nsigma": settings.chi2_nsigma,
        "arclength_nsigma": settings.arclength_nsigma,
        "integrability_threshold": settings.integrability_threshold,
        "max_training_chi2": settings.max_training_chi2,
        "small_x_outlier_nsigma": settings.small_x_outlier_nsigma,
    }


def selection_json(selection: Selection) -> dict[str, Any]:
    return {
        "replicas": list(selection.replicas),
        "selected": list(selection.selected),
        "vetoed": sorted(selection.vetoes),
        "criteria": _criteria(selection.settings),
    }


def veto_json(selection: Selection) -> dict[str, Any]:
    return {
        "counts": selection.counts(),
        "criteria": _criteria(selection.settings),
        "iterations": selection.iterations,
        "replicas": {
            str(replica): [{"criterion": v.criterion, "detail": v.detail} for v in found]
            for replica, found in sorted(selection.vetoes.items())
        },
    }
