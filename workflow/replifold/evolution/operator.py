"""The eko operator from Q0 to every Q knot of the LHAPDF grid, cached in the theory cache.

An operator depends only on the theory card, the x knots, the (Q, nf) targets and eko's
settings, never on the fit, so it is filed in the shared theory cache under the hash of those
(kind ``lhapdf_operator``, file ``operator.tar``, eko's own format) and computed once for all
fits of the same theory and grids, like the operators of the FK tables.

eko's operator maps the number densities f of its 14 flavours (photon, t̄ ... t) on the
x knots to f at each target; ``xf_operator`` turns it into the map from replifold's 8 fitted
flavours' x f at Q0 (charm feeding c and c̄ alike, as the fit has c = c̄) to the set's flavours'
x f, the form the replicas are stored and LHAPDF grids are written in.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from replifold.problem import FLAVOURS
from replifold.theory.cache import CacheKey, TheoryCache, make_key

KIND = "lhapdf_operator"
OPERATOR_NAME = "operator.tar"
PACKAGES = ("eko",)

# LHAPDF/PDG ids of replifold's fitted flavours; charm stands for c and c̄ (c = c̄ in the fit).
FITTED_PIDS: dict[str, tuple[int, ...]] = {
    "u": (2,),
    "ubar": (-2,),
    "d": (1,),
    "dbar": (-1,),
    "s": (3,),
    "sbar": (-3,),
    "c": (4, -4),
    "g": (21,),
}


@dataclass(frozen=True)
class OperatorRequest:
    """Everything an operator depends on besides package versions."""

    card: object  # replifold.theory.cards.TheoryCard
    xgrid: tuple[float, ...]
    targets: tuple[
        tuple[float, int], ...
    ]  # (Q [GeV], nf), ascending; a threshold appears once per side
    interpolation_degree: int

    def key(self) -> CacheKey:
        return make_key(
            KIND,
            {
                "theory": self.card.canonical(),
                "xgrid": list(self.xgrid),
                "targets": [[q, nf] for q, nf in self.targets],
                "interpolation_degree": self.interpolation_degree,
            },
            PACKAGES,
        )


def operator_request(
    card, xgrid: np.ndarray, blocks: Sequence, interpolation_degree: int
) -> OperatorRequest:
    """The request for the knots of ``blocks`` (``replifold.evolution.grids.QBlock``)."""
    targets = tuple((float(q), int(block.nf)) for block in blocks for q in block.q)
    return OperatorRequest(card, tuple(float(x) for x in xgrid), targets, int(interpolation_degree))


def eko_cards(request: OperatorRequest):
    """eko's theory and operator cards: the theory helper's conversion, with our (Q, nf) targets
    set explicitly, since a threshold scale is needed with both flavour numbers."""
    from eko.io.runcards import OperatorCard

    from replifold.theory.cards import eko_theory_card, operator_card_dict

    raw = operator_card_dict(
        request.card,
        request.xgrid,
        [q * q for q, _ in request.targets],
        interpolation_degree=request.interpolation_degree,
    )
    raw["mugrid"] = [[q, nf] for q, nf in request.targets]
    return eko_theory_card(request.card), OperatorCard.from_dict(raw)


def compute_operator(request: OperatorRequest, target: Path) -> Path:
    """Run eko (minutes) and move its archive to ``target`` only once it is complete."""
    from eko.runner import solve

    theory, operator = eko_cards(request)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".operator.") as scratch:
        path = Path(scratch) / OPERATOR_NAME
        solve(theory, operator, path)
        path.chmod(0o644)
        path.replace(target)
    return target


def cached_operator(cache: TheoryCache, request: OperatorRequest) -> tuple[Path, bool]:
    """The operator's file in the cache, computed first if missing; and whether it was computed."""
    key = request.key()
    path = cache.path(key, OPERATOR_NAME)
    if path.is_file():
        return path, False
    compute_operator(request, path)
    cache.write_record(key)
    return path, True


def xf_operator(
    operator: np.ndarray, xgrid: np.ndarray, pids_out: Sequence[int], pids_eko: Sequence[int]
) -> np.ndarray:
    """(len(pids_out), nx, 8, nx): x f of ``pids_out`` from the fitted flavours' x f on the same knots.

    ``operator[a, j, b, k]`` is eko's map of f_b(x_k) to f_a(x_j); x f_a(x_j) = sum over b, k of
    ``operator[a, j, b, k] * x_j / x_k * x f_b(x_k)``.
    """
    index = {int(p): i for i, p in enumerate(pids_eko)}
    rows = [index[p] for p in pids_out]
    ratio = xgrid[:, None] / xgrid[None, :]
    columns = np.stack(
        [sum(operator[rows][:, :, index[p], :] for p in FITTED_PIDS[name]) for name in FLAVOURS],
        axis=2,
    )
    return columns * ratio[None, :, None, :]


def xf_operators(
    path: Path, pids_out: Sequence[int]
) -> Iterator[tuple[tuple[float, int], np.ndarray]]:
    """((Q, nf), x f operator) per target of the operator file, one target in memory at a time."""
    import eko
    from eko import basis_rotation

    with eko.EKO.read(path) as evolution:
        xgrid = np.asarray(evolution.xgrid.raw, dtype=np.float64)
        for (mu2, nf), result in evolution.items():
            yield (
                (float(np.sqrt(mu2)), int(nf)),
                xf_operator(
                    np.asarray(result.operator), xgrid, pids_out, basis_rotation.flavor_basis_pids
                ),
            )
