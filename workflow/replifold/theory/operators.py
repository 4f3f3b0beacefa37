"""eko evolution operators from Q0 to a group of scales, on an x-grid.

An operator's cost grows with the number of distinct target scales (about 13 s per scale on
NNPDF's 50-point grid at NLO, one core, after numba's one-time compilation), and its memory
with them too, so a data set's scales are cut into groups of at most ``max_scales`` and each
group is one operator (one job, one cache entry). Scales are grouped in increasing order, so a
group stays on one side of a heavy-quark threshold where possible and matching operators are
computed by as few groups as possible.

An operator's cache key hashes eko's own runcards (theory and operator card as eko reads
them), so only what changes the operator changes the key: a DIS-only setting of the theory
card (TMC, CKM, ...) does not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from replifold.io import atomic_output
from replifold.theory.cache import CacheKey, make_key
from replifold.theory.cards import TheoryCard, eko_operator_card, eko_theory_card

OPERATOR_FILE = "operator.tar"
OPERATOR_PACKAGES = ("eko",)
DEFAULT_MAX_SCALES = 40


def group_scales(scales: Sequence[float], max_scales: int) -> tuple[tuple[float, ...], ...]:
    """Sorted distinct ``scales`` cut into consecutive groups of at most ``max_scales``, of equal sizes
    as far as possible (so that parallel jobs take about as long)."""
    if max_scales < 1:
        raise ValueError(f"max_scales must be >= 1, got {max_scales}")
    ordered = sorted(set(float(s) for s in scales))
    if not ordered:
        return ()
    groups = -(-len(ordered) // max_scales)
    base, extra = divmod(len(ordered), groups)
    out, start = [], 0
    for g in range(groups):
        stop = start + base + (1 if g < extra else 0)
        out.append(tuple(ordered[start:stop]))
        start = stop
    return tuple(out)


def eko_runcards(card: TheoryCard, xgrid: Sequence[float], mu2grid: Sequence[float]) -> dict:
    """eko's theory and operator cards as plain dicts: what the operator depends on."""
    return {
        "theory": eko_theory_card(card).raw,
        "operator": eko_operator_card(card, xgrid, mu2grid).raw,
    }


def operator_key(card: TheoryCard, xgrid: Sequence[float], mu2grid: Sequence[float]) -> CacheKey:
    recipe = {
        "card": card.recipe(),
        "xgrid": [float(x) for x in xgrid],
        "mu2grid": sorted(float(m) for m in mu2grid),
    }
    return make_key(
        "operator", eko_runcards(card, xgrid, sorted(mu2grid)), OPERATOR_PACKAGES, recipe
    )


@dataclass(frozen=True)
class OperatorRecipe:
    card: TheoryCard
    xgrid: tuple[float, ...]
    mu2grid: tuple[float, ...]

    @classmethod
    def from_record(cls, recipe: Mapping[str, Any]) -> OperatorRecipe:
        return cls(
            TheoryCard.from_recipe(recipe["card"]), tuple(recipe["xgrid"]), tuple(recipe["mu2grid"])
        )

    def key(self) -> CacheKey:
        return operator_key(self.card, self.xgrid, self.mu2grid)

    def compute(self, path: str | Path) -> Path:
        return compute_operator(self.card, self.xgrid, self.mu2grid, path)


def compute_operator(
    card: TheoryCard, xgrid: Sequence[float], mu2grid: Sequence[float], path: str | Path
) -> Path:
    """Solve the evolution from ``Q0`` to every scale of ``mu2grid`` and write eko's tar file (atomically)."""
    import eko

    theory = eko_theory_card(card)
    operator = eko_operator_card(card, xgrid, sorted(mu2grid))
    with atomic_output(path, suffix=".tar") as tmp:
        tmp.unlink()  # eko refuses to overwrite
        eko.solve(theory, operator, Path(tmp))
    return Path(path)
