"""What a fit's evolution needs from its runcard: the grids (``evolution`` section) and the theory.

The theory is the runcard's ``theory`` card for real-data fits (``problem: dis``). The built-in
closure problem has no physical theory of its own, so its replicas are evolved with
``evolution.closure_theory``, an NNPDF card by id with overrides, by default NNPDF theory
40000001: the NNPDF4.0 NLO baseline (copy of theory 701), truncated NLO evolution from
Q0 = 1.65 GeV with 4 active flavours (fitted charm), pole masses mc = 1.51, mb = 4.92,
mt = 172.5 GeV at threshold ratios 1, alpha_s(91.2 GeV) = 0.118, at most 5 flavours.

Cost: beyond LO, eko matches the PDFs at each threshold with operator matrix elements whose
numba kernels (all orders at once) take ~7 more minutes to compile on a cold cache; the quick
runcard therefore evolves at LO (``closure_theory: {id: 40000001, PTO: 0}``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from replifold.closure.request import (
    XGridSettings,
)  # the same four numbers as the closure's training grid
from replifold.errors import RuncardError, UserError

CLOSURE_THEORY_ID = 40_000_001


@dataclass(frozen=True)
class EvolutionSettings:
    # the export grid: n_small knots log-spaced on [x_min, x_switch), n_large linear on [x_switch, 1]
    xgrid: XGridSettings
    q_points: int  # Q knots from Q0 to q_max before the thresholds split them into blocks
    q_max: float  # [GeV]
    interpolation_degree: int  # of eko's log-x interpolation polynomials

    @classmethod
    def from_runcard(cls, runcard: Mapping[str, Any]) -> EvolutionSettings:
        """From an expanded runcard (every default filled in)."""
        section = runcard["evolution"]
        xgrid = XGridSettings(**section["xgrid"])
        if xgrid.x_min >= xgrid.x_switch:
            raise RuncardError(
                ["evolution", "xgrid", "x_min"],
                "must be below x_switch",
                found=xgrid.x_min,
                allowed=f"a value below x_switch = {xgrid.x_switch}",
            )
        return cls(
            xgrid,
            int(section["q_points"]),
            float(section["q_max"]),
            int(section["interpolation_degree"]),
        )


def fit_theory(runcard: Mapping[str, Any]):
    """The ``TheoryCard`` a fit is evolved with (see the module's docstring)."""
    from replifold.theory.cards import load_theory_card, theory_card_from_runcard

    problem = runcard.get("problem", "closure")
    if problem == "closure":
        section = dict(runcard["evolution"]["closure_theory"])
        theory_id = section.pop("id")
        if not isinstance(theory_id, int) or isinstance(theory_id, bool):
            raise RuncardError(
                ["evolution", "closure_theory", "id"],
                "must be an NNPDF theory id",
                found=theory_id,
                allowed="an integer, e.g. 40000001",
            )
        card = load_theory_card(theory_id, section, where=("evolution", "closure_theory"))
    elif runcard.get("theory"):
        card = theory_card_from_runcard(runcard["theory"])
    else:
        raise UserError(
            f"a fit of problem {problem!r} has no theory card to evolve its PDFs with; "
            "give one in the runcard's theory section"
        )
    if card["XIF"] != 1.0:
        raise UserError(
            f"{card.describe()}: a scale-varied theory (XIF = {card['XIF']}) has no PDF set of its own; "
            "evolve the fit with XIF = 1"
        )
    if card["QED"]:
        raise UserError(
            f"{card.describe()}: QED evolution (QED = {card['QED']}) is not supported; the fit has no photon"
        )
    return card
