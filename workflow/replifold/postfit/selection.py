"""Which replicas survive, and why the others do not.

Vetoes are applied in NNPDF's order: a replica that diverged, whose training chi2 per point
is above ``parameters.threshold_chi2`` or whose positivity failed is dropped first; the
arc-length and integrability outliers are then judged against the surviving ensemble only,
so that one broken replica cannot hide another one's oddity by inflating the spread.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from replifold.model.basis import EVOL_BASIS
from replifold.postfit.measures import INTEGRABLE, arc_length, outliers, small_x_magnitude
from replifold.postfit.replicas import ReplicaOutput, stacked_xf

CRITERIA = ("diverged", "chi2", "positivity", "arclength", "integrability")


@dataclass(frozen=True)
class PostfitSettings:
    threshold_chi2: float
    arclength_nsigma: float
    integrability_nsigma: float

    @classmethod
    def from_runcard(cls, runcard: Mapping[str, Any]) -> PostfitSettings:
        postfit = runcard["postfit"]
        return cls(
            threshold_chi2=float(runcard["parameters"]["threshold_chi2"]),
            arclength_nsigma=float(postfit["arclength_nsigma"]),
            integrability_nsigma=float(postfit["integrability_nsigma"]),
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

    def counts(self) -> dict[str, int]:
        return {c: sum(any(v.criterion == c for v in vs) for vs in self.vetoes.values()) for c in CRITERIA}


def _first_vetoes(replica: ReplicaOutput, settings: PostfitSettings) -> list[Veto]:
    vetoes = []
    if replica.fit["failed"]:
        vetoes.append(Veto("diverged", f"training stopped on a non-finite loss ({replica.fit['stop_reason']})"))
    if not replica.chi2_tr_per_point <= settings.threshold_chi2:
        vetoes.append(
            Veto("chi2", f"training chi2/point {replica.chi2_tr_per_point:.4g} above threshold_chi2 {settings.threshold_chi2:g}")
        )
    if replica.fit["positivity"] != "POS_PASS":
        vetoes.append(Veto("positivity", "a positivity observable ended below -parameters.positivity.threshold"))
    return vetoes


def _outlier_vetoes(
    survivors: Sequence[ReplicaOutput], values: np.ndarray, names: Sequence[str], nsigma: float, criterion: str
) -> dict[int, Veto]:
    flagged = outliers(values, nsigma)
    mean, std = values.mean(axis=0), values.std(axis=0)
    vetoes = {}
    for replica, row, bad in zip(survivors, values, flagged, strict=True):
        if bad:
            which = [n for n, v, m, s in zip(names, row, mean, std, strict=True) if s > 0 and v > m + nsigma * s]
            vetoes[replica.replica] = Veto(criterion, f"{', '.join(which)} more than {nsigma:g} sigma above the ensemble")
    return vetoes


def select(replicas: Sequence[ReplicaOutput], settings: PostfitSettings) -> Selection:
    vetoes: dict[int, list[Veto]] = {r.replica: _first_vetoes(r, settings) for r in replicas}
    survivors = [r for r in replicas if not vetoes[r.replica]]
    if survivors:
        xf = stacked_xf(survivors)
        for found in (
            _outlier_vetoes(survivors, arc_length(survivors[0].xgrid, xf), EVOL_BASIS, settings.arclength_nsigma, "arclength"),
            _outlier_vetoes(survivors, small_x_magnitude(xf), INTEGRABLE, settings.integrability_nsigma, "integrability"),
        ):
            for replica, veto in found.items():
                vetoes[replica].append(veto)
    return Selection(
        replicas=tuple(r.replica for r in replicas),
        selected=tuple(r.replica for r in replicas if not vetoes[r.replica]),
        vetoes={replica: tuple(found) for replica, found in vetoes.items() if found},
        settings=settings,
    )


def selection_json(selection: Selection) -> dict[str, Any]:
    return {
        "replicas": list(selection.replicas),
        "selected": list(selection.selected),
        "vetoed": sorted(selection.vetoes),
        "criteria": {
            "threshold_chi2": selection.settings.threshold_chi2,
            "arclength_nsigma": selection.settings.arclength_nsigma,
            "integrability_nsigma": selection.settings.integrability_nsigma,
        },
    }


def veto_json(selection: Selection) -> dict[str, Any]:
    return {
        "counts": selection.counts(),
        "replicas": {
            str(replica): [{"criterion": v.criterion, "detail": v.detail} for v in found]
            for replica, found in sorted(selection.vetoes.items())
        },
    }
