"""The theory a real-data runcard needs, planned into the cache and, by hand, built in order.

The workflow plans (``register_plan``: every entry's ``key.json``) when it builds its DAG and
runs one job per entry (``replifold.theory.entries``). ``replifold theory-plan --build`` does
the same jobs one after another in this process, for use without Snakemake.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from replifold.dis.theory_plan import DatasetTheory, TheoryPlan
from replifold.theory.cache import TheoryCache
from replifold.theory.entries import EntryResult, build_fktable, build_grid, build_operator


@dataclass(frozen=True)
class TheoryJob:
    """One entry to compute: its kind and digest, and for FK tables the operator entries it uses."""

    kind: str  # grid | operator | fktable
    digest: str
    dataset: str
    grid: str = ""  # fktable: the grid entry it evolves
    operators: tuple[str, ...] = ()  # fktable: the operator entries it evolves with

    def run(self, cache: TheoryCache) -> EntryResult:
        if self.kind == "grid":
            return build_grid(cache, self.digest)
        if self.kind == "operator":
            return build_operator(cache, self.digest)
        return build_fktable(cache, self.digest, self.operators)


def dataset_jobs(theory: DatasetTheory) -> Iterator[TheoryJob]:
    yield TheoryJob("grid", theory.grid.digest, theory.name)
    for job in theory.operators:
        yield TheoryJob("operator", job.key.digest, theory.name)
    yield TheoryJob(
        "fktable",
        theory.fktable.digest,
        theory.name,
        theory.grid.digest,
        tuple(j.key.digest for j in theory.operators),
    )


def register_plan(plan: TheoryPlan, cache: TheoryCache) -> list[TheoryJob]:
    """Write the ``key.json`` of every entry the plan needs; the jobs, in an order that works."""
    jobs = []
    for theory in plan.datasets:
        for key in (theory.grid, *(j.key for j in theory.operators), theory.fktable):
            cache.write_record(key)
        jobs.extend(dataset_jobs(theory))
    return jobs


def build_plan(
    plan: TheoryPlan, cache: TheoryCache, log: Callable[[str], None] = print
) -> list[EntryResult]:
    """Plan and compute everything missing, one entry after another (grids, operators, FK tables)."""
    results = []
    for job in register_plan(plan, cache):
        result = job.run(cache)
        log(f"{job.kind} of {job.dataset}: {result.describe()}")
        results.append(result)
    return results
