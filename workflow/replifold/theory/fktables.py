"""FK tables: a yadism grid evolved with eko operators, in PineAPPL's FK-table format.

``compute_fktable`` follows pineko's ``evolve_grid`` (same order mask, alpha_s at the
renormalisation scales, operator x-grid reshaped to the grid's nodes, input rotated to the
evolution basis, ``FkAssumptions`` from the card), with one difference: the operator for one
grid may come in several files, one per group of scales (``replifold.theory.operators``), whose
slices are chained into one evolution. The file written is a PineAPPL FK table any tool reads.

``read_fktable`` turns it into what training needs: a linear table ``(ndata, 8, nx)`` in
replifold's flavour basis on the full operator x-grid, for ``x f(x)`` (PineAPPL FK tables
convolve ``f``, so each column is divided by its x, as validphys does).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from replifold.io import atomic_output
from replifold.theory.cache import CacheKey, make_key
from replifold.theory.cards import TheoryCard, eko_theory_card, nf_at
from replifold.theory.operators import eko_runcards
from replifold.theory.rotation import PHOTON, to_flavour_basis

FKTABLE_FILE = "fktable.pineappl.lz4"
FKTABLE_PACKAGES = ("pineko", "pineappl", "eko", "yadism")
X_MATCH_RTOL = 1e-9  # FK x nodes are the operator's, up to float formatting
# how FK-table bins are laid out: one per data point, its index the last limit dimension
POINT_BINS = "data point index as the last bin dimension"


def evolution_settings(card: TheoryCard) -> dict[str, Any]:
    """What pineko's ``fk`` step takes from the card: orders kept, scale ratios, flavour assumptions."""
    from pineko.theory_card import construct_assumptions

    return {
        "max_as": 1 + int(card["PTO"]),
        "max_al": 0,  # pineko evolves QCD grids only
        "xir": float(card["XIR"]),
        "xif": float(card["XIF"]),
        "xia": 1.0,
        "assumptions": construct_assumptions(card.as_dict()),
    }


def fktable_key(
    grid: str, card: TheoryCard, xgrid: Sequence[float], scales: Sequence[float]
) -> CacheKey:
    """The grid's digest, the whole operator (however it is split into groups) and the evolution settings."""
    inputs = {
        "grid": grid,
        "operator": eko_runcards(card, xgrid, sorted(scales)),
        "evolution": evolution_settings(card),
        "bins": POINT_BINS,  # tables built before bins were kept apart are never read again
    }
    recipe = {
        "card": card.recipe(),
        "grid": grid,
        "xgrid": [float(x) for x in xgrid],
        "scales": sorted(float(s) for s in scales),
    }
    return make_key("fktable", inputs, FKTABLE_PACKAGES, recipe)


@dataclass(frozen=True)
class FkTableRecipe:
    card: TheoryCard
    grid: str  # the grid entry's digest
    xgrid: tuple[float, ...]
    scales: tuple[float, ...]

    @classmethod
    def from_record(cls, recipe: Mapping[str, Any]) -> FkTableRecipe:
        return cls(
            TheoryCard.from_recipe(recipe["card"]),
            str(recipe["grid"]),
            tuple(recipe["xgrid"]),
            tuple(recipe["scales"]),
        )

    def key(self) -> CacheKey:
        return fktable_key(self.grid, self.card, self.xgrid, self.scales)


def _alphas(card: TheoryCard, mur2: np.ndarray, xir: float) -> list[float]:
    """``4 pi a_s`` at ``xir^2 mur2``, as pineko computes it (PineAPPL wants alpha_s, eko gives a_s)."""
    import eko
    from eko.io.types import EvolutionMethod

    theory = eko_theory_card(card)
    method = EvolutionMethod("iterate-exact" if card["ModEv"] == "EXA" else "truncated")
    couplings = eko.couplings.Couplings(
        theory.couplings,
        theory.order,
        eko.couplings.couplings_mod_ev(method),
        masses=[m.value**2 for m in theory.heavy.masses],
        hqm_scheme=theory.heavy.masses_scheme,
        thresholds_ratios=np.power(theory.heavy.matching_ratios, 2.0).tolist(),
    )
    scales = xir * xir * np.asarray(mur2)
    return [4.0 * np.pi * couplings.a_s(float(q2), nf_to=nf_at(card, q2)) for q2 in scales]


def _keep_points_apart(grid: Any) -> None:
    """Give every bin of ``grid`` a last limit dimension, its data point's index.

    PineAPPL's evolution merges bins whose limits are equal: BCDMS measures F2 at the same (x,
    Q^2) at up to four beam energies, and its FK table had each such point's sum of the copies in
    the first copy's row and zeros in the others (the fit saw chi2/point ~20). With the index no
    two bins are equal, and the kinematics stay in the dimensions before it.
    """
    import pineappl

    limits = [
        [*(tuple(float(v) for v in pair) for pair in bin_limits), (float(i), float(i))]
        for i, bin_limits in enumerate(grid.bin_limits())
    ]
    grid.set_bwfl(
        pineappl.boc.BinsWithFillLimits.from_limits_and_normalizations(
            limits=limits, normalizations=[float(v) for v in grid.bin_normalizations()]
        )
    )


def compute_fktable(
    card: TheoryCard, grid_path: str | Path, operator_paths: Sequence[str | Path], path: str | Path
) -> Path:
    """Evolve the grid with the operators (all groups of one data set) and write the FK table."""
    import eko
    import pineappl
    from eko import basis_rotation
    from eko.interpolation import XGrid
    from eko.io import manipulate

    settings = evolution_settings(card)
    grid = pineappl.grid.Grid.read(str(grid_path))
    grid.optimize()
    _keep_points_apart(grid)
    mask = pineappl.boc.Order.create_mask(
        grid.orders(), settings["max_as"], settings["max_al"], True
    )
    info = grid.evolve_info(mask)
    x_nodes = np.asarray(info.x1)
    needed = np.asarray(info.fac1)

    with contextlib.ExitStack() as stack:
        operators = [stack.enter_context(eko.EKO.read(Path(p))) for p in operator_paths]
        covered = np.concatenate([o.mu2grid for o in operators]) if operators else np.zeros(0)
        missing = [
            q2 for q2 in needed if not np.any(np.isclose(covered, q2 * settings["xif"] ** 2))
        ]
        if missing:
            raise ValueError(
                f"the operators miss the grid's scales {missing[:5]}{'...' if len(missing) > 5 else ''}"
            )
        convolution = grid.convolutions[0].convolution_types
        degree = operators[0].operator_card.configs.interpolation_polynomial_degree

        def slices() -> Iterator[tuple[Any, np.ndarray]]:
            for operator in operators:
                for (q2, _), op in operator.items():
                    op = manipulate.xgrid_reshape(
                        op, operator.xgrid, degree, targetgrid=XGrid(x_nodes)
                    )
                    op = manipulate.to_evol(op, source=True)
                    slice_info = pineappl.evolution.OperatorSliceInfo(
                        fac0=operator.mu20,
                        fac1=q2,
                        x0=operator.xgrid.tolist(),
                        x1=x_nodes.tolist(),
                        pids0=basis_rotation.evol_basis_pids,
                        pids1=basis_rotation.flavor_basis_pids,
                        pid_basis=pineappl.pids.PidBasis.Evol,
                        convolution_types=convolution,
                    )
                    yield slice_info, op.operator

        fktable = grid.evolve(
            slices=[slices()],
            order_mask=mask,
            xi=(settings["xir"], settings["xif"], settings["xia"]),
            ren1=(settings["xir"] ** 2 * np.asarray(info.ren1)).tolist(),
            alphas=_alphas(card, np.asarray(info.ren1), settings["xir"]),
        )
        fktable.optimize(pineappl.fk_table.FkAssumptions(settings["assumptions"]))
        fktable.set_metadata("eko_version", operators[0].metadata.version)
        fktable.set_metadata(
            "eko_theory_card", json.dumps(operators[0].theory_card.raw, sort_keys=True)
        )
        fktable.set_metadata(
            "eko_operator_card", json.dumps(operators[0].operator_card.raw, sort_keys=True)
        )
        mugrids = [o.operator_card.raw["mugrid"] for o in operators]
        fktable.set_metadata(
            "replifold_operator_mugrids", json.dumps(mugrids)
        )  # one eko file per group of scales
    fktable.set_metadata("theory_card", json.dumps(card.canonical(), sort_keys=True))
    fktable.set_metadata("replifold_theory_id", str(card.id))
    with atomic_output(path, suffix=".pineappl.lz4") as tmp:
        fktable.write_lz4(str(tmp))
    return Path(path)


@dataclass(frozen=True, eq=False)
class FkTableArrays:
    """An FK table as training reads it."""

    xgrid: np.ndarray  # (nx,) the full x-grid the table is expanded to
    fk: np.ndarray  # (ndata, 8, nx): prediction = sum fk[d, f, j] * xf[f, x_j]
    q0: float  # GeV, the scale of the fitted PDF
    pids: tuple[int, ...]  # the evolution channels the table had


def read_fktable(path: str | Path, xgrid: np.ndarray) -> FkTableArrays:
    """The FK table at ``path`` as a linear flavour-basis table for ``x f`` on ``xgrid``.

    The table's own x nodes (pineappl drops unused ones) must be nodes of ``xgrid``; columns of
    the other nodes are zero.
    """
    import pineappl

    table = pineappl.fk_table.FkTable.read(str(path))
    if len(table.convolutions) != 1:
        raise ValueError(f"{path}: {len(table.convolutions)} convolutions; a DIS FK table has one")
    raw = np.asarray(table.table(), dtype=np.float64)  # (nbins, nchannels, nx_table)
    raw = raw / np.asarray(table.bin_normalizations(), dtype=np.float64)[:, None, None]
    nodes = np.asarray(table.x_grid(), dtype=np.float64)
    pids = tuple(int(channel[0]) for channel in table.channels())  # DIS: one pid per channel
    positions = []
    for x in nodes:
        match = np.flatnonzero(np.isclose(xgrid, x, rtol=X_MATCH_RTOL, atol=0.0))
        if match.size != 1:
            raise ValueError(f"{path}: x node {x!r} of the FK table is not on the problem's x-grid")
        positions.append(int(match[0]))
    if PHOTON in pids and np.any(raw[:, pids.index(PHOTON)] != 0.0):
        raise ValueError(f"{path}: the FK table has a photon channel; replifold fits no photon")
    expanded = np.zeros((raw.shape[0], raw.shape[1], xgrid.shape[0]))
    expanded[:, :, positions] = raw / nodes  # FK tables convolve f; replifold's convolve x f
    return FkTableArrays(
        xgrid=np.asarray(xgrid, dtype=np.float64),
        fk=to_flavour_basis(expanded, pids),
        q0=float(np.sqrt(table.fac0())),
        pids=pids,
    )
