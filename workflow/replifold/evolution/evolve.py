"""A fit's selected replicas evolved from Q0 to the LHAPDF grid: the set and its summary.

``evolve_fit`` is what ``replifold evolve`` runs: the export grid and Q blocks from the
runcard's ``evolution`` section, the operator from the theory cache (computed on a miss), the
replicas' x f at Q0 from their weights, one contraction per Q knot, and the set with member 0
the replicas' mean. Its summary (theory, grids, operator key, sum rules at Q0, 10 and 100 GeV)
is what the report shows and the archive keeps beside the set.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from replifold.evolution.grids import QBlock, export_xgrid, q_blocks
from replifold.evolution.operator import (
    OperatorRequest,
    cached_operator,
    eko_cards,
    operator_request,
    xf_operators,
)
from replifold.evolution.settings import EvolutionSettings, fit_theory
from replifold.evolution.sum_rules import SUM_RULES, sum_rules
from replifold.lhapdf.grid import LhapdfSet, replica_set
from replifold.lhapdf.metadata import QcdMetadata, set_flavours, set_info
from replifold.theory.cache import TheoryCache

REPORT_SCALES = (10.0, 100.0)  # GeV, besides Q0
Q_MATCH_RTOL = 1e-9


@dataclass(frozen=True, eq=False)
class EvolvedFit:
    lhapdf_set: LhapdfSet
    summary: dict[str, Any]  # evolution.json
    operator_path: Path
    operator_computed: bool
    seconds: dict[str, float]  # operator (from the cache or computed), replicas at Q0, contraction


def alphas_values(request: OperatorRequest) -> list[float]:
    """alpha_s at every (Q, nf) target with the couplings and running of the operator itself (as
    ekobox's info files do), so that a tool using the set gets the alpha_s it was evolved with."""
    from eko import couplings
    from eko.io.runcards import masses

    theory, operator = eko_cards(request)
    method = operator.configs.evolution_method
    running = couplings.Couplings(
        theory.couplings,
        theory.order,
        couplings.couplings_mod_ev(method),
        masses(theory, method),
        hqm_scheme=theory.heavy.masses_scheme,
        thresholds_ratios=np.power(list(theory.heavy.matching_ratios), 2.0),
    )
    return [float(4.0 * np.pi * running.a_s(q * q, nf_to=nf)) for q, nf in request.targets]


def qcd_metadata(request: OperatorRequest, blocks: Sequence[QBlock]) -> QcdMetadata:
    card = request.card
    order = card["PTOEKO"] if card["PTOEKO"] is not None else card["PTO"]
    return QcdMetadata(
        order_qcd=int(order),
        mz=float(card["Qref"]),
        alphas_mz=float(card["alphas"]),
        quark_masses=(float(card["mc"]), float(card["mb"]), float(card["mt"])),
        num_flavors=max(block.nf for block in blocks),
        flavor_scheme="variable" if len({block.nf for block in blocks}) > 1 else "fixed",
        alphas_q=tuple(q for q, _ in request.targets),
        alphas_values=tuple(alphas_values(request)),
    )


def evolve_blocks(
    xf0: np.ndarray, operator_path: Path, blocks: Sequence[QBlock], pids: Sequence[int]
) -> list[np.ndarray]:
    """Per block, x f of every replica (R, nx, nq, npids) from ``xf0`` (R, 8, nx) at Q0."""
    out = [np.empty((xf0.shape[0], xf0.shape[2], block.q.size, len(pids))) for block in blocks]
    filled = [np.zeros(block.q.size, dtype=bool) for block in blocks]
    for (q, nf), operator in xf_operators(operator_path, pids):
        evolved = np.einsum("ajbk,rbk->rja", operator, xf0)
        for b, block in enumerate(blocks):
            hits = (
                np.flatnonzero(np.isclose(block.q, q, rtol=Q_MATCH_RTOL, atol=0.0))
                if block.nf == nf
                else []
            )
            for i in hits:
                out[b][:, :, i, :] = evolved
                filled[b][i] = True
    missing = [
        (float(block.q[i]), block.nf)
        for block, done in zip(blocks, filled)
        for i in np.flatnonzero(~done)
    ]
    if missing:
        raise RuntimeError(
            f"the operator {operator_path} has no target {missing[0]} (of {len(missing)} missing)"
        )
    return out


def summary_json(
    card,
    settings: EvolutionSettings,
    request: OperatorRequest,
    blocks: Sequence[QBlock],
    lhapdf_set: LhapdfSet,
    sum_rule_rows: list[dict[str, Any]],
) -> dict[str, Any]:
    key = request.key()
    return {
        "theory": {
            "id": card.id,
            "overrides": dict(card.overrides),
            "description": card.describe(),
        },
        "operator": {"kind": key.kind, "digest": key.digest, "packages": key.document["packages"]},
        "xgrid": {
            "points": len(request.xgrid),
            "x_min": request.xgrid[0],
            "x_max": request.xgrid[-1],
        },
        "qgrid": [{"nf": block.nf, "q": block.q} for block in blocks],
        "interpolation_degree": settings.interpolation_degree,
        "members": lhapdf_set.members,
        "from_replica": list(lhapdf_set.from_replica),
        "sum_rules": sum_rule_rows,
    }


def sum_rule_table(lhapdf_set: LhapdfSet, scales: Sequence[float]) -> list[dict[str, Any]]:
    """Mean and spread over the replicas of every sum rule at each scale (log-bicubic in Q)."""
    from replifold.lhapdf.interpolation import at_scale

    rows = []
    for q in scales:
        values = sum_rules(lhapdf_set.x, at_scale(lhapdf_set, lhapdf_set.x, q)[1:], lhapdf_set.pids)
        rows.append(
            {
                "q": float(q),
                **{
                    name: {
                        "mean": float(np.mean(v)),
                        "std": float(np.std(v)),
                        "expected": SUM_RULES[name][1],
                    }
                    for name, v in values.items()
                },
            }
        )
    return rows


def evolve_fit(fit_dir: Path, runcard: dict, cache: TheoryCache, name: str) -> EvolvedFit:
    from replifold.evolution.replicas import replica_xf, selected_replicas

    settings = EvolutionSettings.from_runcard(runcard)
    card = fit_theory(runcard)
    replicas = selected_replicas(fit_dir)
    xgrid = export_xgrid(settings.xgrid)
    blocks = q_blocks(card, settings)
    request = operator_request(card, xgrid, blocks, settings.interpolation_degree)
    clock = time.perf_counter()
    operator_path, computed = cached_operator(cache, request)
    seconds = {"operator": time.perf_counter() - clock}
    clock = time.perf_counter()
    xf0 = replica_xf(fit_dir, replicas, xgrid)
    seconds["replicas"] = time.perf_counter() - clock
    clock = time.perf_counter()
    qcd = qcd_metadata(request, blocks)
    pids = set_flavours(qcd.num_flavors)
    evolved = evolve_blocks(xf0, operator_path, blocks, pids)
    seconds["contraction"] = time.perf_counter() - clock
    info = set_info(
        f"replifold fit {name}: {len(replicas)} replicas evolved with NNPDF {card.describe()}",
        xgrid,
        np.concatenate([block.q for block in blocks]),
        pids,
        len(replicas) + 1,
        qcd,
    )
    lhapdf_set = replica_set(
        name, xgrid, pids, [block.q for block in blocks], evolved, replicas, info
    )
    scales = (float(card["Q0"]), *(q for q in REPORT_SCALES if card["Q0"] < q <= settings.q_max))
    summary = summary_json(
        card, settings, request, blocks, lhapdf_set, sum_rule_table(lhapdf_set, scales)
    )
    return EvolvedFit(lhapdf_set, summary, operator_path, computed, seconds)
