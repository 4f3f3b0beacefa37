"""Compute one theory-cache entry from its ``key.json``: the jobs the workflow runs.

An entry is planned (its ``key.json`` written) before it is computed; the job reads the recipe,
rebuilds the key from it and refuses to run if the digest differs from the entry's (the
installed packages or replifold changed since planning: plan again). An entry whose file is
already there is not recomputed: the cache is content-addressed.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from replifold.errors import UserError
from replifold.io import dumps_json
from replifold.theory.cache import CacheKey, TheoryCache
from replifold.theory.cards import TheoryCard, eko_theory_card
from replifold.theory.fktables import FKTABLE_FILE, FkTableRecipe, compute_fktable
from replifold.theory.grids import GRID_FILE, GridRecipe
from replifold.theory.operators import OPERATOR_FILE, OperatorRecipe


@dataclass(frozen=True)
class EntryResult:
    key: CacheKey
    path: Path
    built: bool  # False: the file was already in the cache
    seconds: float

    def describe(self) -> str:
        state = f"built in {self.seconds:.1f} s" if self.built else "already in the cache"
        return f"{self.key} {state}: {self.path}"


def _checked(recipe, kind: str, digest: str) -> CacheKey:
    key = recipe.key()
    if key.digest != digest:
        raise UserError(
            f"{kind} entry {digest}: its recipe now gives key {key.digest}; the theory packages or replifold "
            "changed since it was planned. Plan again (snakemake does it when it starts)"
        )
    return key


def _publish(cache: TheoryCache, key: CacheKey, filename: str, compute) -> EntryResult:
    path = cache.path(key, filename)
    if path.is_file():
        return EntryResult(key, path, False, 0.0)
    start = time.perf_counter()
    compute(path)
    cache.write_record(key)
    return EntryResult(key, path, True, time.perf_counter() - start)


def _evolution_theory(card: TheoryCard) -> str:
    """eko's theory card as canonical text (its raw form holds NaN, which never compares equal)."""
    return dumps_json(eko_theory_card(card).raw)


def build_grid(cache: TheoryCache, digest: str) -> EntryResult:
    recipe = GridRecipe.from_record(cache.read_record("grid", digest)["recipe"])
    return _publish(cache, _checked(recipe, "grid", digest), GRID_FILE, recipe.compute)


def build_operator(cache: TheoryCache, digest: str) -> EntryResult:
    recipe = OperatorRecipe.from_record(cache.read_record("operator", digest)["recipe"])
    return _publish(cache, _checked(recipe, "operator", digest), OPERATOR_FILE, recipe.compute)


def build_fktable(cache: TheoryCache, digest: str, operators: Sequence[str]) -> EntryResult:
    """The FK table of entry ``digest`` from its grid and the operator entries ``operators``, which
    must evolve with the same theory on the same x-grid and together reach every scale."""
    recipe = FkTableRecipe.from_record(cache.read_record("fktable", digest)["recipe"])
    key = _checked(recipe, "fktable", digest)
    hint = "compute it first ('replifold theory-grid' / 'replifold theory-operator')"
    grid = cache.entry_path("grid", recipe.grid, GRID_FILE)
    if not grid.is_file():
        raise UserError(
            f"fktable entry {digest}: its grid {recipe.grid} is not in {cache.root}; {hint}"
        )
    wanted = _evolution_theory(recipe.card)
    paths, reached = [], []
    for op in operators:
        op_recipe = OperatorRecipe.from_record(cache.read_record("operator", op)["recipe"])
        same_grid = np.allclose(op_recipe.xgrid, recipe.xgrid, rtol=1e-12, atol=0.0)
        if _evolution_theory(op_recipe.card) != wanted or not same_grid:
            raise UserError(
                f"operator {op} evolves with another theory or x-grid than FK table {digest} needs"
            )
        path = cache.entry_path("operator", op, OPERATOR_FILE)
        if not path.is_file():
            raise UserError(f"fktable entry {digest}: operator {op} is not in {cache.root}; {hint}")
        paths.append(path)
        reached.extend(op_recipe.mu2grid)
    missing = sorted(set(recipe.scales) - set(reached))
    if missing:
        raise UserError(
            f"fktable entry {digest}: the operators given do not reach Q2 = {missing[:5]} GeV^2"
        )
    return _publish(
        cache, key, FKTABLE_FILE, lambda path: compute_fktable(recipe.card, grid, paths, path)
    )
