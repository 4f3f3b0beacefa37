"""Postfit for IMNN replicas: which network initialisations the report and the estimates use.

A replica is vetoed when its training diverged (a non-finite loss or det F), and, among the
others, when its validation det F is below ``imnn.postfit.detf_ratio`` times the median of the
surviving replicas: an initialisation that got stuck far below the rest compresses worse than
the ensemble shows it can.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from replifold.errors import UserError
from replifold.io import read_json
from replifold.layout import FitLayout

CRITERIA = ("diverged", "detf")


@dataclass(frozen=True)
class Selection:
    replicas: tuple[int, ...]
    selected: tuple[int, ...]
    vetoes: dict[int, tuple[str, str]]  # replica -> (criterion, detail)
    detf_ratio: float

    def counts(self) -> dict[str, int]:
        return {c: sum(v[0] == c for v in self.vetoes.values()) for c in CRITERIA}


def load_replica_fits(layout: FitLayout, replicas: Iterable[int]) -> list[dict[str, Any]]:
    fits = []
    for replica in replicas:
        path = layout.replica(replica).fit
        if not path.is_file():
            raise UserError(
                f"replica {replica} has no {path}; run 'replifold split' on its batch first"
            )
        fits.append(read_json(path))
    return fits


def select(fits: Sequence[dict[str, Any]], detf_ratio: float) -> Selection:
    vetoes: dict[int, tuple[str, str]] = {}
    for fit in fits:
        detf = fit["det_fisher_validation"]
        if fit["failed"] or detf is None or not np.isfinite(detf):
            vetoes[fit["replica"]] = (
                "diverged",
                f"training stopped on a non-finite loss or det F ({fit['stop_reason']})",
            )
    survivors = [f for f in fits if f["replica"] not in vetoes]
    if survivors:
        median = float(np.median([f["det_fisher_validation"] for f in survivors]))
        for fit in survivors:
            if fit["det_fisher_validation"] < detf_ratio * median:
                vetoes[fit["replica"]] = (
                    "detf",
                    f"validation det F {fit['det_fisher_validation']:.4g} "
                    f"below {detf_ratio:g} x the median {median:.4g}",
                )
    return Selection(
        replicas=tuple(f["replica"] for f in fits),
        selected=tuple(f["replica"] for f in fits if f["replica"] not in vetoes),
        vetoes=dict(sorted(vetoes.items())),
        detf_ratio=detf_ratio,
    )


def selection_json(selection: Selection) -> dict[str, Any]:
    return {
        "replicas": list(selection.replicas),
        "selected": list(selection.selected),
        "vetoed": sorted(selection.vetoes),
        "criteria": {"detf_ratio": selection.detf_ratio},
    }


def veto_json(selection: Selection) -> dict[str, Any]:
    return {
        "counts": selection.counts(),
        "replicas": {
            str(r): [{"criterion": c, "detail": d}] for r, (c, d) in selection.vetoes.items()
        },
    }
